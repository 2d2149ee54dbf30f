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

/**
 * STS AssumeRoleWithWebIdentity, sent the way the AWS SDK sends it (an unsigned form POST), but
 * with an Authorization header that only names the region. moto gap: it takes the region of an
 * unsigned request from the host name, which is 127.0.0.1 here, and so files the session under
 * us-east-1's partition; in aws-us-gov or aws-cn the session's keys would then be unknown. The
 * header is no signature, so moto's IAM checks must be off for this request.
 */
export async function assumeRoleWithWebIdentity(
  moto: Pick<Moto, 'endpoint'>,
  region: string,
  params: { roleArn: string; sessionName: string; token: string },
): Promise<Required<Credentials>> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'authorization': `AWS4-HMAC-SHA256 Credential=unsigned/20260101/${region}/sts/aws4_request, SignedHeaders=host, Signature=none`,
    },
    body: new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: params.roleArn,
      RoleSessionName: params.sessionName,
      WebIdentityToken: params.token,
    }),
  });
  const body = await response.text();
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(body)?.[1];
  const accessKeyId = field('AccessKeyId');
  const secretAccessKey = field('SecretAccessKey');
  const sessionToken = field('SessionToken');
  if (!response.ok || !accessKeyId || !secretAccessKey || !sessionToken) {
    throw new Error(`AssumeRoleWithWebIdentity answered ${response.status}:\n${body}`);
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}
