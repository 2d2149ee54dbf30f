/**
 * The uploader's shortcut past the AWS SDK (templates/sample/src/sdk-shortcut.ts):
 * every answer it gives must be the SDK's own answer, computed here by the SDK
 * (@aws-sdk/client-s3: its default credential chain and its S3 endpoint rules)
 * for the same environment and files. Where the shortcut gives no answer the
 * uploader asks the SDK, so only the answers given are checked for agreement;
 * that it answers the plain cases at all is checked separately.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Environment, plainCredentials, plainEndpoint } from '../../templates/sample/src/sdk-shortcut';

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

let dir: string;
let fileCount = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sdk-shortcut-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh path each time: the SDK caches what it read per path within the process. */
function writeTemp(text: string): string {
  const file = join(dir, `file-${fileCount++}`);
  writeFileSync(file, text);
  return file;
}

/** Runs `body` with process.env replaced by `env` (the SDK reads process.env itself). */
async function withEnv<T>(env: Environment, body: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = { ...env } as NodeJS.ProcessEnv;
  try {
    return await body();
  } finally {
    process.env = saved;
  }
}

// ---------------------------------------------------------------------------
// Endpoint
// ---------------------------------------------------------------------------

/** The endpoint as upload.ts asks the SDK for it when it loads the SDK. */
async function sdkEndpoint(bucket: string, region: string, endpoint: string | undefined): Promise<string | Error> {
  const client = new S3Client({ region, forcePathStyle: endpoint !== undefined });
  try {
    return client.config.endpointProvider({
      Bucket: bucket,
      Region: region,
      ForcePathStyle: endpoint !== undefined,
      Endpoint: endpoint,
      UseFIPS: await client.config.useFipsEndpoint(),
      UseDualStack: await client.config.useDualstackEndpoint(),
      Accelerate: false,
    }).url.href;
  } catch (error) {
    return error as Error;
  } finally {
    client.destroy();
  }
}

const noFiles: Environment = { HOME: '/nonexistent-home', AWS_CONFIG_FILE: '/nonexistent/config' };

/**
 * Every region the installed SDK's partition table lists (read from its source, as it exports no
 * list), so that a region added to any partition is checked as soon as the SDK knows it.
 */
function sdkRegions(): string[] {
  const source = readFileSync(require.resolve('@aws-sdk/core/client'), 'utf8');
  const table = source.slice(source.indexOf('const partitionsInfo'), source.indexOf('let selectedPartitionsInfo'));
  return [...table.matchAll(/"([a-z]{2,}(?:-[a-z0-9]+)+)": \{/g)].map((match) => match[1] as string);
}

// The SDK's regions, and names shaped like future ones or like mistakes.
const REGIONS = [
  ...new Set([
    ...sdkRegions(),
    'us-future-9', 'eu-sovereign-1', 'eusc-de-west-1', 'us-gov-central-1', 'cn-south-1', 'xx-east-1', 'us-east-1-fips',
    'fips-us-east-1', 'us-east', 'ap-northeast-1a',
  ]),
];
const BUCKETS = [
  'my-site', 'abc', 'a'.repeat(63), 'a'.repeat(64), 'ab', 'my.site', 'my..site', '1-2-3', '192.168.1.1', 'xn--abc', 'sthree-bucket',
  'my-bucket--x-s3', 'my-bucket--usw2-az1--x-s3', 'alias--ol-s3', 'my-ap--op-s3', 'bucket-', '-bucket', 'bucket.', 'a-b.c-d',
];
const ENDPOINTS = [
  undefined, 'http://127.0.0.1:9000', 'http://127.0.0.1:9000/', 'https://minio.example.com', 'http://localhost:4566',
  'http://[::1]:9000', 'https://example.com/base', 'https://example.com/base/', 'http://EXAMPLE.com:80', 'https://s3.example.com:443/',
  'https://s3.example.com:8443/a/b/', 'http://example.com/a%20b', 'http://user:pass@example.com', 'http://example.com/?x=1',
  'http://example.com/#frag', 'https://bucket.s3.amazonaws.com',
];

describe('plainEndpoint', () => {
  it("reads the SDK's region table (the matrix below depends on it)", () => {
    const regions = sdkRegions();
    expect(regions.length).toBeGreaterThan(40);
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'ap-northeast-1', 'cn-north-1', 'us-gov-west-1', 'eusc-de-east-1']));
  });

  it('agrees with the SDK on every answer it gives, for every region, bucket shape and endpoint above', async () => {
    let answered = 0;
    for (const region of REGIONS) {
      for (const bucket of BUCKETS) {
        for (const endpoint of ENDPOINTS) {
          const ours = plainEndpoint({ bucket, region, endpoint }, noFiles, readText);
          if (ours === undefined) {
            continue;
          }
          answered += 1;
          const sdk = await withEnv(noFiles, () => sdkEndpoint(bucket, region, endpoint));
          expect({ bucket, region, endpoint, url: ours.href }).toEqual({ bucket, region, endpoint, url: sdk });
        }
      }
    }
    // Not vacuous: most of the matrix is plain.
    expect(answered).toBeGreaterThan(REGIONS.length * BUCKETS.length * 3);
  });

  it('agrees with the SDK on random bucket names and regions', async () => {
    const bucket = fc.stringMatching(/^[a-z0-9.-]{1,65}$/);
    const region = fc.oneof(fc.constantFrom(...REGIONS), fc.stringMatching(/^[a-z]{2,4}(-[a-z0-9]{1,8}){1,3}$/));
    const endpoint = fc.constantFrom(...ENDPOINTS);
    await fc.assert(
      fc.asyncProperty(bucket, region, endpoint, async (bucket, region, endpoint) => {
        const ours = plainEndpoint({ bucket, region, endpoint }, noFiles, readText);
        if (ours !== undefined) {
          expect(ours.href).toBe(await withEnv(noFiles, () => sdkEndpoint(bucket, region, endpoint)));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('answers the plain cases: a bucket in an aws region, and any bucket behind a custom endpoint', () => {
    expect(plainEndpoint({ bucket: 'my-site', region: 'ap-northeast-1', endpoint: undefined }, noFiles, readText)?.href).toBe(
      'https://my-site.s3.ap-northeast-1.amazonaws.com/',
    );
    expect(plainEndpoint({ bucket: 'my.site', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000' }, noFiles, readText)?.href).toBe(
      'http://127.0.0.1:9000/my.site',
    );
  });

  it('leaves to the SDK whatever a setting could change: FIPS, dual-stack, a profile, a config file', () => {
    const question = { bucket: 'my-site', region: 'us-east-1', endpoint: undefined };
    expect(plainEndpoint(question, noFiles, readText)).toBeDefined(); // the control
    expect(plainEndpoint(question, { ...noFiles, AWS_USE_FIPS_ENDPOINT: 'false' }, readText)).toBeUndefined();
    expect(plainEndpoint(question, { ...noFiles, AWS_USE_DUALSTACK_ENDPOINT: '' }, readText)).toBeUndefined();
    expect(plainEndpoint(question, { ...noFiles, AWS_PROFILE: 'default' }, readText)).toBeUndefined();
    expect(plainEndpoint(question, { ...noFiles, AWS_CONFIG_FILE: writeTemp('[default]\nregion = us-east-1\n') }, readText)).toBeUndefined();
    expect(plainEndpoint(question, { HOME: dir }, (file) => (file === join(dir, '.aws', 'config') ? '' : undefined))).toBeUndefined();
    expect(plainEndpoint(question, {}, readText)).toBeUndefined(); // no HOME: where the SDK looks is not certain
  });

  it('gives the SDK answers that differ from the shortcut where the shortcut steps aside (FIPS, dual-stack)', async () => {
    // Why stepping aside matters: with these set, the SDK's URL is not the plain one.
    const env = { ...noFiles, AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true' };
    const sdk = await withEnv(env, () => sdkEndpoint('my-site', 'us-east-1', undefined));
    expect(sdk).toBe('https://my-site.s3-fips.dualstack.us-east-1.amazonaws.com/');
  });
});

// ---------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------

interface Scenario {
  env: Record<string, string>;
  /** The shared credentials file's text, when there is one. */
  credentials?: string;
  /** The shared config file's text, when there is one. */
  config?: string;
}

/** The credentials upload.ts gets from the SDK when it loads it, or the error the SDK gives. */
async function sdkCredentials(env: Environment): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | Error> {
  const client = new S3Client({ region: 'us-east-1' });
  try {
    return await withEnv(env, () => client.config.credentials());
  } catch (error) {
    return error as Error;
  } finally {
    client.destroy();
  }
}

/** The scenario's environment, with its files written to fresh paths; IMDS off so that a failing chain ends at once. */
function materialize(scenario: Scenario): Environment {
  const env: Record<string, string> = { HOME: join(dir, 'no-home'), AWS_EC2_METADATA_DISABLED: 'true', ...scenario.env };
  if (scenario.credentials !== undefined) {
    env['AWS_SHARED_CREDENTIALS_FILE'] = writeTemp(scenario.credentials);
  }
  env['AWS_CONFIG_FILE'] = scenario.config === undefined ? join(dir, `no-config-${fileCount++}`) : writeTemp(scenario.config);
  return env;
}

async function expectAgreement(scenario: Scenario): Promise<boolean> {
  const env = materialize(scenario);
  const ours = plainCredentials(env, readText);
  if (ours === undefined) {
    return false;
  }
  const sdk = await sdkCredentials(env);
  expect(sdk, JSON.stringify(scenario)).not.toBeInstanceOf(Error);
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = sdk as Exclude<typeof sdk, Error>;
  expect({ scenario, expiration }).toEqual({ scenario, expiration: undefined });
  expect({ scenario, credentials: ours.credentials }).toEqual({
    scenario,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
  });
  return true;
}

/** The file the generated workflow writes (printf in src/workflow.ts). */
const WORKFLOW_FILE = '[default]\naws_access_key_id = ASIAFAKEFAKEFAKE\naws_secret_access_key = fake/secret+key\naws_session_token = FwoGZXIvYXdzEFAKE//token==\n';

const LINES = [
  '[default]', '[default]', '[other]', '[profile default]', '[ default ]', '[default] ', '',
  'aws_access_key_id = AKIDFILE', 'aws_access_key_id=AKIDFILE2', 'aws_secret_access_key = SECRET/file+1', 'aws_secret_access_key=s=2',
  'aws_session_token = TOKEN==', 'aws_session_token =', 'aws_account_id = 123456789012', 'region = us-east-1',
  'credential_process = /bin/false', 'aws_access_key_id = AKID # comment', 'aws_access_key_id = AKID#x', '# comment', '; comment',
  '  aws_access_key_id = INDENTED', 'AWS_ACCESS_KEY_ID = UPPER', 'aws_secret_access_key = trailing ', 'aws_access_key_id = tab\there',
  '\ufeff[default]', 'not a line', 'aws_session_token = ',
];

describe('plainCredentials', () => {
  it('agrees with the SDK on the file the workflow writes, and answers it', async () => {
    expect(await expectAgreement({ env: {}, credentials: WORKFLOW_FILE })).toBe(true);
    expect(await expectAgreement({ env: {}, credentials: WORKFLOW_FILE.replace(/\n/g, '\r\n') })).toBe(true);
  });

  it('agrees with the SDK on a [default] profile given twice (one profile, the last value wins), and answers it', async () => {
    const twice = `${WORKFLOW_FILE}[other]\nregion = us-east-1\n[default]\naws_access_key_id = SECOND\naws_secret_access_key = second-secret\n`;
    expect(await expectAgreement({ env: {}, credentials: twice })).toBe(true);
  });

  it('agrees with the SDK on static keys in the environment, and answers them', async () => {
    expect(await expectAgreement({ env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' } })).toBe(true);
    expect(
      await expectAgreement({ env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'tok' }, credentials: WORKFLOW_FILE }),
    ).toBe(true);
  });

  it('leaves to the SDK a profile, a config file, expiring keys, half a key pair and anything but plain static keys', async () => {
    const cases: Scenario[] = [
      { env: { AWS_PROFILE: 'default' }, credentials: WORKFLOW_FILE },
      { env: {}, credentials: WORKFLOW_FILE, config: '' },
      { env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 's', AWS_CREDENTIAL_EXPIRATION: '2099-01-01T00:00:00Z' } },
      { env: { AWS_ACCESS_KEY_ID: 'AKIDENV' }, credentials: WORKFLOW_FILE },
      { env: {}, credentials: `${WORKFLOW_FILE}credential_process = /bin/false\n` },
      { env: {}, credentials: '[default]\naws_access_key_id = ONLY\n' },
    ];
    for (const scenario of cases) {
      expect(plainCredentials(materialize(scenario), readText), JSON.stringify(scenario)).toBeUndefined();
    }
  });

  it('agrees with the SDK on random credentials files and environments', async () => {
    let answered = 0;
    // Half the files are the workflow's lines shuffled among comments, blank lines and other
    // profiles (mostly plain); the other half any lines at all (mostly not).
    const plainish = fc.shuffledSubarray([...WORKFLOW_FILE.trim().split('\n').slice(1), '# comment', '', '[other]', 'region = us-east-1']);
    const scenario = fc.record({
      lines: fc.oneof(plainish, fc.array(fc.constantFrom(...LINES), { maxLength: 8 })),
      crlf: fc.boolean(),
      envKeys: fc.constantFrom('none', 'both', 'id', 'secret', 'both+token', 'both+expiry', 'empty'),
      profile: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, fc.constantFrom('default', 'other')),
      config: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, fc.constantFrom('', '[default]\nregion = us-east-1\n')),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ lines, crlf, envKeys, profile, config }) => {
        const env: Record<string, string> = {
          ...(envKeys.startsWith('both') || envKeys === 'id' ? { AWS_ACCESS_KEY_ID: 'AKIDENV' } : {}),
          ...(envKeys.startsWith('both') || envKeys === 'secret' ? { AWS_SECRET_ACCESS_KEY: 'env-secret' } : {}),
          ...(envKeys === 'both+token' ? { AWS_SESSION_TOKEN: 'env-token' } : {}),
          ...(envKeys === 'both+expiry' ? { AWS_CREDENTIAL_EXPIRATION: '2099-01-01T00:00:00Z' } : {}),
          ...(envKeys === 'empty' ? { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } : {}),
          ...(profile !== undefined ? { AWS_PROFILE: profile } : {}),
        };
        const credentials = ['[default]', ...lines, ''].join(crlf ? '\r\n' : '\n');
        if (await expectAgreement({ env, credentials, ...(config !== undefined && { config }) })) {
          answered += 1;
        }
      }),
      { numRuns: 400 },
    );
    // Not vacuous: a fair share of the random scenarios is plain.
    expect(answered).toBeGreaterThan(20);
  });
});
