/** AWS CLI calls against moto with explicit credentials: a role session's, or moto's setup key. */
import { Moto, RunResult, isolatedEnv, run } from '../../support/moto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The environment configure-aws-credentials leaves for later steps, pointed at moto. */
export function awsEnv(moto: Pick<Moto, 'endpoint'>, credentials: Credentials, region: string): Record<string, string> {
  return isolatedEnv({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_PAGER: '',
  });
}

export function awsAs(moto: Pick<Moto, 'endpoint'>, credentials: Credentials, region: string, args: readonly string[]): Promise<RunResult> {
  return run('aws', [...args, '--output', 'json'], { env: awsEnv(moto, credentials, region) });
}

export async function awsJsonAs<T = Record<string, unknown>>(
  moto: Pick<Moto, 'endpoint'>,
  credentials: Credentials,
  region: string,
  args: readonly string[],
): Promise<T> {
  const result = await awsAs(moto, credentials, region, args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}
