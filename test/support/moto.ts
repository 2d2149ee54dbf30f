/**
 * Test helpers around moto (a local S3 emulator) and the AWS CLI.
 *
 * moto is required, never optional: tests that need it fail with an install
 * hint rather than being skipped, so a green run always means "uploaded".
 */
import { execFile, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from './local-server';

/** moto accepts any key pair unless its IAM authentication is switched on. */
export const FAKE_CREDENTIALS = {
  accessKeyId: 'AKIAKEYLESSTEST00001',
  secretAccessKey: 'keyless-test-secret-never-printed',
  sessionToken: 'keyless-test-session-token-never-printed',
} as const;

export interface Moto {
  /** e.g. http://127.0.0.1:43127 */
  endpoint: string;
  /** moto's request log so far (one line per HTTP request, werkzeug format). */
  log(): string;
  /**
   * Switches moto's IAM authentication on (`true`: unknown access keys get
   * InvalidAccessKeyId) or off (`false`, the default: any key is accepted).
   */
  setAuth(enabled: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `python3 -m moto.server` on a free loopback port and waits until it answers HTTP.
 * `env` adds to the server's environment, e.g. MOTO_ACCOUNT_ID (the account of every request).
 * `script` runs a launcher of moto's server instead of `python3 -m moto.server` (see test/e2e/support/moto-server.py).
 */
export async function startMoto(options: { env?: Record<string, string>; script?: string } = {}): Promise<Moto> {
  assertMotoInstalled();
  const server = await startLocalServer({
    name: 'moto',
    command: 'python3',
    args: (port) => [...(options.script ? [options.script] : ['-m', 'moto.server']), '-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, ...options.env },
    readyPath: '/moto-api/',
  });
  const endpoint = server.url;
  return {
    endpoint,
    log: server.log,
    setAuth: async (enabled) => {
      // moto's own API: the number of requests served before IAM checks begin.
      const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: enabled ? '0' : 'inf',
      });
      if (!response.ok) {
        throw new Error(`moto reset-auth answered ${response.status}: ${await response.text()}`);
      }
    },
    stop: server.stop,
  };
}

function assertMotoInstalled(): void {
  const check = spawnSync('python3', ['-c', 'import moto, moto.server'], { encoding: 'utf8' });
  if (check.status !== 0) {
    const detail = check.error ? check.error.message : check.stderr.trim().split('\n').pop();
    throw new Error(`moto is required by this test: install moto: pip install 'moto[server]' (${detail})`);
  }
}

/**
 * The environment minus every AWS_* variable, so that nothing from the
 * developer's machine (profiles, keys, endpoints) leaks into a test.
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at a path that does
 * not exist, which the SDK and the CLI treat as empty.
 */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('AWS_')) {
      env[name] = value;
    }
  }
  const absent = join(tmpdir(), 'keyless-build-test-no-such-aws-file');
  return {
    ...env,
    AWS_CONFIG_FILE: absent,
    AWS_SHARED_CREDENTIALS_FILE: absent,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs a command without a shell; never throws for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // Not an exit code: the command could not start or was killed.
          if (error.code === 'ENOENT') {
            reject(new Error(`${command} not found on PATH`));
            return;
          }
          if (error.killed || error.signal) {
            resolve({ code: null, stdout, stderr: `${stderr}\n[killed: ${error.signal ?? 'timeout'}]` });
            return;
          }
          reject(error);
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command like `run`; a non-zero exit throws with its output. */
export async function mustRun(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const result = await run(command, args, { timeoutMs: 600_000, ...options });
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

/** Runs the AWS CLI against moto with moto-friendly fake credentials. */
export function awsCli(moto: Pick<Moto, 'endpoint'>, args: readonly string[], region = 'us-east-1'): Promise<RunResult> {
  return run('aws', [...args, '--output', 'json'], {
    env: isolatedEnv({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
      AWS_DEFAULT_REGION: region,
      AWS_REGION: region,
      AWS_PAGER: '',
    }),
  });
}

/** Like awsCli, but fails on a non-zero exit and parses the JSON output ({} when there is none). */
export async function awsJson<T = Record<string, unknown>>(
  moto: Pick<Moto, 'endpoint'>,
  args: readonly string[],
  region = 'us-east-1',
): Promise<T> {
  const result = await awsCli(moto, args, region);
  if (result.code !== 0) {
    throw new Error(`aws ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  }
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}

/** Creates a bucket in `region` (us-east-1 takes no LocationConstraint). */
export async function createBucket(moto: Pick<Moto, 'endpoint'>, bucket: string, region: string): Promise<void> {
  const args = ['s3api', 'create-bucket', '--bucket', bucket];
  if (region !== 'us-east-1') {
    args.push('--create-bucket-configuration', `LocationConstraint=${region}`);
  }
  await awsJson(moto, args, region);
}

/** The INI text of an AWS shared-credentials file with a [default] profile. */
export function credentialsIni(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): string {
  const lines = [
    '[default]',
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
  ];
  if (credentials.sessionToken) {
    lines.push(`aws_session_token = ${credentials.sessionToken}`);
  }
  return `${lines.join('\n')}\n`;
}
