/**
 * The bin against a faulty S3: moto behind a fault-injecting proxy
 * (test/support/fault-proxy.ts). Ported from the generator's test/upload-faults.test.ts.
 * Objects are read back from moto directly, with other credentials than the
 * uploader's, and compared byte for byte (SHA-256).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32Base64, sha256, writeFile } from './support/files.js';
import { FORWARD, type Fault, type FaultProxy, type FaultRule, INTERNAL_ERROR, type ProxiedRequest, RESET, SLOW_DOWN, startFaultProxy } from './support/fault-proxy.js';
import { FAKE_CREDENTIALS, type Moto, type RunResult, awsCli, awsJson, createBucket, credentialsIni, startMoto } from '../../../test/support/moto.js';
import { BIN, binEnv, describeRun, runBin } from './support/uploader.js';

const BUCKET = 'keyless-faults-test';
const REGION = 'ap-northeast-1';
const MiB = 1024 * 1024;
const MAX_ATTEMPTS = 6; // the uploader's default UPLOAD_MAX_ATTEMPTS

let work: string;
let siteDir: string;
let credentialsFile: string;
let moto: Moto | undefined;
let proxy: FaultProxy | undefined;

function s3(): Moto {
  if (!moto) {
    throw new Error('moto is not running: see the beforeAll error');
  }
  return moto;
}

function faults(): FaultProxy {
  if (!proxy) {
    throw new Error('the fault proxy is not running: see the beforeAll error');
  }
  return proxy;
}

/** relative path -> hash (SHA-256 unless told) of every file under `dir`. */
function hashTree(dir: string, hash: (data: Buffer) => string = sha256): Record<string, string> {
  const hashes: Record<string, string> = {};
  const visit = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        visit(path);
      } else {
        hashes[relative(dir, path).split('\\').join('/')] = hash(readFileSync(path));
      }
    }
  };
  visit(dir);
  return hashes;
}

/** The uploader's environment: through the proxy, with the upload credentials file only. */
function uploadEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return binEnv({
    S3_BUCKET: BUCKET,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: faults().endpoint,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    UPLOAD_DIR: siteDir,
    UPLOAD_PART_SIZE_MIB: '5',
    UPLOAD_PROGRESS_SECONDS: '1',
    ...overrides,
  });
}

function runUpload(overrides: Record<string, string> = {}): Promise<RunResult> {
  return runBin(uploadEnv(overrides), work);
}

/**
 * Starts the uploader with every part held back at the proxy, waits until a
 * multipart upload is under way, sends `signal`, and returns how it ended.
 */
async function interruptMidMultipart(prefix: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  faults().reset((request) => (isPart(request) ? { kind: 'delay', ms: 4000 } : FORWARD));
  const child = spawn(process.execPath, [BIN], { cwd: work, env: uploadEnv({ S3_PREFIX: prefix }), stdio: ['ignore', 'pipe', 'pipe'] });
  // Both streams, in one: the SIGTERM line is a log line (stdout), the failures go to stderr.
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  const deadline = Date.now() + 30_000;
  while (!faults().requests.some(isPart)) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no part request reached the proxy within 30 s\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill(signal);
  return { ...(await ended), stderr };
}

/** Downloads `prefix` from moto directly (not through the proxy, other credentials) and hashes it. */
async function downloadedHashes(prefix: string): Promise<Record<string, string>> {
  const target = mkdtempSync(join(work, 'download-'));
  const result = await awsCli(s3(), ['s3', 'cp', '--recursive', '--only-show-errors', `s3://${BUCKET}/${prefix}`, target], REGION);
  if (result.code !== 0) {
    throw new Error(`download failed\n${describeRun(result)}`);
  }
  return hashTree(target);
}

async function incompleteUploads(): Promise<{ Key: string; UploadId: string }[]> {
  const listing = await awsJson<{ Uploads?: { Key: string; UploadId: string }[] }>(
    s3(),
    ['s3api', 'list-multipart-uploads', '--bucket', BUCKET],
    REGION,
  );
  return listing.Uploads ?? [];
}

/** Uploads the site under `prefix` with `rule` in force; expects success and every object intact. */
async function uploadsIntactDespite(prefix: string, rule: FaultRule, overrides: Record<string, string> = {}): Promise<RunResult> {
  faults().reset(rule);
  const manifest = join(work, `${prefix}-manifest.json`);
  const result = await runUpload({ S3_PREFIX: prefix, UPLOAD_MANIFEST: manifest, ...overrides });
  expect(result.code, describeRun(result)).toBe(0);
  expect(await downloadedHashes(`${prefix}/`)).toEqual(hashTree(siteDir));
  const objects = (JSON.parse(readFileSync(manifest, 'utf8')) as { objects: { key: string; crc32: string }[] }).objects;
  expect(Object.fromEntries(objects.map((object) => [object.key.slice(prefix.length + 1), object.crc32]))).toEqual(hashTree(siteDir, crc32Base64));
  expect(await incompleteUploads()).toEqual([]);
  return result;
}

const isPut = (request: { method: string }): boolean => request.method === 'PUT';
const isPart = (request: { url: string }): boolean => /[?&]partNumber=/.test(request.url);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'keyless-faults-'));

  // 60 small files of varied sizes and one that goes as 3 parts of 5 MiB.
  siteDir = join(work, 'site');
  for (let i = 0; i < 60; i++) {
    writeFile(join(siteDir, `dir-${i % 4}`, `file-${String(i).padStart(2, '0')}.bin`), randomBytes(1 + ((i * 7919) % 65536)));
  }
  writeFile(join(siteDir, 'big', 'video.bin'), randomBytes(12 * MiB + 4321));

  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);
  proxy = await startFaultProxy(moto.endpoint);
  credentialsFile = join(work, 'upload-credentials.ini');
  writeFile(credentialsFile, credentialsIni(FAKE_CREDENTIALS));
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('keyless-build-upload under faults', () => {
  it('completes with every object intact through bursts of 503 SlowDown', async () => {
    // Two bursts in which every PUT is throttled, the second one among the parts.
    const result = await uploadsIntactDespite('slowdown', (request) =>
      isPut(request) && ((request.index >= 2 && request.index < 20) || (isPart(request) && request.index % 2 === 0)) ? SLOW_DOWN : FORWARD,
    );
    expect(faults().injected['SlowDown'] ?? 0).toBeGreaterThanOrEqual(15);
    expect(result.stdout).toMatch(/done: 61 files/);
  }, 120_000);

  it('completes with every object intact when connections are reset mid-request', async () => {
    // Every fifth PUT (parts included) loses its connection after the first chunk of the body.
    await uploadsIntactDespite('resets', (request) => (isPut(request) && request.index % 5 === 1 ? RESET : FORWARD));
    expect(faults().injected['reset'] ?? 0).toBeGreaterThanOrEqual(12);
  }, 120_000);

  it('completes with every object intact when every request is delayed', async () => {
    // 8 at a time and 200-500 ms each: about 70 requests take seconds, long enough for progress lines every second.
    const result = await uploadsIntactDespite('latency', (request) => ({ kind: 'delay', ms: 200 + (request.index % 5) * 75 }), {
      UPLOAD_CONCURRENCY: '8',
    });
    expect(faults().injected['delay']).toBe(faults().requests.length);
    // Plain progress lines for CI logs while it runs.
    expect(result.stdout).toMatch(/^progress: \d+\/61 files, .+ files\/s, .+\/s$/m);
  }, 120_000);

  it('the same faults fail the run when retries are off (the faults bite)', async () => {
    const slowDownBurst: FaultRule = (request) => (isPut(request) && request.index >= 2 && request.index < 20 ? SLOW_DOWN : FORWARD);
    const resets: FaultRule = (request) => (isPut(request) && request.index % 5 === 1 ? RESET : FORWARD);
    for (const [name, rule] of [['SlowDown', slowDownBurst], ['reset', resets]] as const) {
      faults().reset(rule);
      const result = await runUpload({ S3_PREFIX: `no-retries-${name}`, UPLOAD_MAX_ATTEMPTS: '1' });
      expect(result.code, describeRun(result)).toBe(1);
      expect(result.stderr).toMatch(/\d+ of 61 files were not uploaded/);
      expect(await incompleteUploads()).toEqual([]);
    }
  }, 120_000);

  it('an endpoint that fails every PutObject: the retry quota runs out instead of six tries per file', async () => {
    faults().reset((request) => (isPut(request) && !isPart(request) ? INTERNAL_ERROR : FORWARD));
    const result = await runUpload({ S3_PREFIX: 'quota' });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('60 of 61 files were not uploaded; no manifest was written.');
    const puts = faults().requests.filter((request) => isPut(request) && !isPart(request)).length;
    // 60 first tries, then retries while the quota lasts: 500 tokens at 5 per retry (the AWS SDKs'
    // standard mode). Without the quota it would be 60 x MAX_ATTEMPTS = 360.
    expect(puts).toBeGreaterThan(60);
    expect(puts).toBeLessThanOrEqual(60 + 500 / 5);
  }, 120_000);

  it('a clock that is off is corrected from the Date of S3\'s RequestTimeTooSkewed answer, and the request retried', async () => {
    const serverTime = new Date(Date.now() + 2 * 3600_000); // two hours ahead of this machine
    const tooSkewed: Fault = {
      kind: 'error',
      status: 403,
      code: 'RequestTimeTooSkewed',
      message: 'The difference between the request time and the current time is too large.',
      headers: { date: serverTime.toUTCString() },
    };
    let answered = false;
    // The first PutObject is refused; one request at a time, so that every later one was signed after it.
    await uploadsIntactDespite(
      'skew',
      (request) => {
        if (!answered && isPut(request) && !isPart(request)) {
          answered = true;
          return tooSkewed;
        }
        return FORWARD;
      },
      { UPLOAD_CONCURRENCY: '1' },
    );
    expect(faults().injected['RequestTimeTooSkewed']).toBe(1);
    const signedAt = (request: ProxiedRequest): number =>
      Date.parse((request.amzDate ?? '').replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const direct = faults().requests.filter((request) => isPut(request) && !isPart(request));
    expect(direct).toHaveLength(61 - 1 + 1); // 60 small files, the refused one twice
    expect(Math.abs(signedAt(direct[0]!) - Date.now())).toBeLessThan(10 * 60_000);
    // The retry of the refused request went out signed by the server's clock (the SDK's clock-skew correction)...
    expect(direct[1]!.url).toBe(direct[0]!.url);
    expect(Math.abs(signedAt(direct[1]!) - serverTime.getTime())).toBeLessThan(10 * 60_000);
    // ...and the SDK keeps following the Date of S3's answers: moto's, which is this machine's clock.
    for (const request of direct.slice(2)) {
      expect(Math.abs(signedAt(request) - Date.now()), request.url).toBeLessThan(10 * 60_000);
    }
  }, 120_000);

  it('a part that keeps failing aborts its multipart upload, names the file and leaves no incomplete upload', async () => {
    // Negative control: the check finds an incomplete upload when there is one.
    const pending = await awsJson<{ UploadId: string }>(
      s3(),
      ['s3api', 'create-multipart-upload', '--bucket', BUCKET, '--key', 'control/pending.bin'],
      REGION,
    );
    expect((await incompleteUploads()).map((upload) => upload.Key)).toEqual(['control/pending.bin']);
    await awsJson(s3(), ['s3api', 'abort-multipart-upload', '--bucket', BUCKET, '--key', 'control/pending.bin', '--upload-id', pending.UploadId], REGION);

    faults().reset((request) => (isPut(request) && /[?&]partNumber=2(&|$)/.test(request.url) ? INTERNAL_ERROR : FORWARD));
    const manifest = join(work, 'multipart-failure-manifest.json');
    const result = await runUpload({ S3_PREFIX: 'broken-part', UPLOAD_MANIFEST: manifest });

    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toMatch(/failed: big\/video\.bin \(InternalError/);
    expect(result.stderr).toContain('1 of 61 files were not uploaded; no manifest was written.');
    // The SDK retried the part, then gave up; the uploader sent AbortMultipartUpload.
    expect(faults().injected['InternalError']).toBe(MAX_ATTEMPTS);
    expect(faults().requests.some((request) => request.method === 'DELETE' && request.url.includes('uploadId='))).toBe(true);
    expect(await incompleteUploads()).toEqual([]);
  }, 120_000);
  it('a file that changes between a try and its retry goes up as first read, with the checksum of those bytes', async () => {
    // The body is read once and held until its request is answered: a retry sends the same bytes
    // under the same CRC32, never a mix of old checksum and new bytes.
    const dir = join(work, 'changing');
    const page = join(dir, 'page.html');
    const original = Buffer.from('a'.repeat(5000));
    writeFile(page, original);
    writeFile(join(dir, 'other.txt'), 'unchanged');
    let changed = false;
    faults().reset((request) => {
      if (isPut(request) && request.url.includes('/page.html') && !changed) {
        changed = true;
        writeFileSync(page, 'b'.repeat(5000));
        return SLOW_DOWN;
      }
      return FORWARD;
    });
    const manifest = join(work, 'changing-manifest.json');
    const result = await runUpload({ S3_PREFIX: 'changing', UPLOAD_DIR: dir, UPLOAD_MANIFEST: manifest });

    expect(result.code, describeRun(result)).toBe(0);
    // The fault bit: the file did change, and its PUT was retried.
    expect(changed).toBe(true);
    expect(faults().requests.filter((request) => request.url.includes('/page.html'))).toHaveLength(2);
    expect((await downloadedHashes('changing/'))['page.html']).toBe(sha256(original));
    const objects = (JSON.parse(readFileSync(manifest, 'utf8')) as { objects: { key: string; crc32: string }[] }).objects;
    expect(objects.find((object) => object.key === 'changing/page.html')?.crc32).toBe(crc32Base64(original));
  }, 120_000);

  it('so does a part: the multipart upload completes with the bytes first read', async () => {
    const dir = join(work, 'changing-part');
    const video = join(dir, 'video.bin');
    const original = randomBytes(11 * MiB);
    writeFile(video, original);
    let changed = false;
    faults().reset((request) => {
      if (isPut(request) && /[?&]partNumber=2(&|$)/.test(request.url) && !changed) {
        changed = true;
        const edited = Buffer.from(original);
        edited[6 * MiB] ^= 0xff; // a byte of part 2 (5 MiB parts)
        writeFileSync(video, edited);
        return SLOW_DOWN;
      }
      return FORWARD;
    });
    const result = await runUpload({ S3_PREFIX: 'changing-part', UPLOAD_DIR: dir, UPLOAD_MANIFEST: join(work, 'changing-part-manifest.json') });

    expect(result.code, describeRun(result)).toBe(0);
    expect(faults().requests.filter((request) => /[?&]partNumber=2(&|$)/.test(request.url))).toHaveLength(2);
    expect((await downloadedHashes('changing-part/'))['video.bin']).toBe(sha256(original));
    expect(await incompleteUploads()).toEqual([]);
  }, 120_000);
});

describe('keyless-build-upload with bad credentials fails fast, without a retry storm', () => {
  it('an unknown access key (InvalidAccessKeyId): one request, a clear message', async () => {
    faults().reset();
    await s3().setAuth(true);
    let result: RunResult;
    try {
      result = await runUpload({ S3_PREFIX: 'unknown-key' });
    } finally {
      await s3().setAuth(false);
    }
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('The upload credentials were rejected or not found (InvalidAccessKeyId');
    expect(result.stderr).toContain('61 of 61 files were not uploaded');
    expect(faults().requests).toHaveLength(1);
  }, 60_000);

  it('an expired session token (ExpiredToken): one request, a clear message', async () => {
    faults().reset(() => ({ kind: 'error', status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' }));
    const result = await runUpload({ S3_PREFIX: 'expired' });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('ExpiredToken: The provided token has expired.');
    expect(result.stderr).toContain('its session (one hour at most) has not expired');
    expect(faults().requests).toHaveLength(1);
  }, 60_000);

  it('a wrong secret key (SignatureDoesNotMatch): only the first request, retried at most UPLOAD_MAX_ATTEMPTS times', async () => {
    // A real access key id, so that moto gets as far as checking the signature.
    faults().reset();
    await awsJson(s3(), ['iam', 'create-user', '--user-name', 'keyless-faults'], REGION);
    const { AccessKey } = await awsJson<{ AccessKey: { AccessKeyId: string } }>(
      s3(),
      ['iam', 'create-access-key', '--user-name', 'keyless-faults'],
      REGION,
    );
    const wrongSecret = join(work, 'wrong-secret.ini');
    writeFile(wrongSecret, credentialsIni({ accessKeyId: AccessKey.AccessKeyId, secretAccessKey: 'keyless-test-wrong-secret' }));
    await s3().setAuth(true);
    let result: RunResult;
    try {
      result = await runUpload({ S3_PREFIX: 'wrong-secret', AWS_SHARED_CREDENTIALS_FILE: wrongSecret });
    } finally {
      await s3().setAuth(false);
    }
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('SignatureDoesNotMatch');
    expect(result.stderr).toContain('The upload credentials were rejected');
    expect(result.stdout + result.stderr).not.toContain('keyless-test-wrong-secret');
    // The SDK retries a signature mismatch once per attempt (it may be clock skew); nothing else is sent.
    expect(faults().requests.length).toBeGreaterThanOrEqual(1);
    expect(faults().requests.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(new Set(faults().requests.map((request) => request.url)).size).toBe(1);
  }, 60_000);
  it('aborts the multipart upload in progress when the run is cancelled (SIGTERM)', async () => {
    const result = await interruptMidMultipart('cancelled', 'SIGTERM');
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/SIGTERM: stopping; aborting 1 multipart upload\(s\) in progress/);
    // Negative control for the DELETE check below: before the signal, no request was an abort.
    expect(faults().requests.findIndex((request) => request.method === 'DELETE')).toBeGreaterThan(faults().requests.findIndex(isPart));
    expect(faults().requests.some((request) => request.method === 'DELETE' && /[?&]uploadId=/.test(request.url))).toBe(true);
    expect(await incompleteUploads()).toEqual([]);
  }, 120_000);

  it('negative control: SIGKILL cannot be handled, and the check above does see the upload it leaves', async () => {
    const result = await interruptMidMultipart('killed', 'SIGKILL');
    expect(result.signal).toBe('SIGKILL');
    const left = await incompleteUploads();
    expect(left.map((upload) => upload.Key)).toEqual(['killed/big/video.bin']);
    for (const upload of left) {
      await awsCli(s3(), ['s3api', 'abort-multipart-upload', '--bucket', BUCKET, '--key', upload.Key, '--upload-id', upload.UploadId], REGION);
    }
  }, 120_000);
});
