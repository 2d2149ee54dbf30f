/**
 * Every setting the bin reads, given a bad value: exit 2, a message naming the
 * variable, the value and the fix, and not one request (the endpoint is a
 * proxy that records every request; the control run shows it does).
 * Then the upload directory's own failures: missing, unreadable, empty, a symlink loop.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from './support/files.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { FAKE_CREDENTIALS, type Moto, type RunResult, awsJson, createBucket, credentialsIni, startMoto } from '../../../test/support/moto.js';
import { BIN, binEnv, describeRun, runBin } from './support/uploader.js';

const BUCKET = 'keyless-settings-test';
const REGION = 'eu-west-1';

let work: string;
let site: string;
let credentialsFile: string;
let moto: Moto | undefined;
let proxy: FaultProxy | undefined;

function settings(overrides: Record<string, string | undefined>): Record<string, string> {
  return binEnv(
    {
      S3_BUCKET: BUCKET,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: proxy!.endpoint,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      UPLOAD_DIR: site,
      UPLOAD_MANIFEST: join(work, 'manifest.json'),
    },
    overrides,
  );
}

function upload(overrides: Record<string, string | undefined>): Promise<RunResult> {
  proxy!.reset();
  return runBin(settings(overrides), work, 30_000);
}

async function listKeys(): Promise<string[]> {
  const listing = await awsJson<{ Contents?: { Key: string }[] }>(moto!, ['s3api', 'list-objects-v2', '--bucket', BUCKET], REGION);
  return (listing.Contents ?? []).map((object) => object.Key);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'keyless-settings-'));
  site = join(work, 'site');
  writeFile(join(site, 'index.html'), '<p>hello</p>\n');
  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);
  proxy = await startFaultProxy(moto.endpoint);
  credentialsFile = join(work, 'credentials.ini');
  writeFile(credentialsFile, credentialsIni(FAKE_CREDENTIALS));
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
  if (work) {
    chmodSync(work, 0o700);
    rmSync(work, { recursive: true, force: true });
  }
});

describe('bad settings exit 2 before any request, naming the variable, the value and the fix', () => {
  it('control: the same settings, unchanged, upload through the proxy (so zero requests below means none were sent)', async () => {
    const result = await upload({ S3_PREFIX: 'control' });
    expect(result.code, describeRun(result)).toBe(0);
    expect(proxy!.requests.length).toBeGreaterThan(0);
    expect(await listKeys()).toEqual(['control/index.html']);
  });

  // [variable, value (undefined: unset), what the message must say: the variable and value, then the fix]
  const cases: [string, string | undefined, RegExp][] = [
    ['S3_BUCKET', undefined, /S3_BUCKET is not set: pass the bucket name as a build arg \(docker build --build-arg S3_BUCKET=my-bucket\)/],
    ['S3_BUCKET', `s3://${BUCKET}`, /S3_BUCKET="s3:\/\/keyless-settings-test" is not a bucket name: use the bare name/],
    ['S3_BUCKET', 'arn:aws:s3:::bucket', /S3_BUCKET="arn:aws:s3:::bucket" is not a bucket name: use the bare name .*not an s3:\/\/ URI or an ARN/],
    ['S3_PREFIX', 'site/../v1', /S3_PREFIX="site\/\.\.\/v1" is not a usable key prefix: use '\/'-separated names without '\.', '\.\.'/],
    ['S3_PREFIX', 'site//v1', /S3_PREFIX="site\/\/v1" is not a usable key prefix: .* e\.g\. site\/v1/],
    ['AWS_REGION', undefined, /AWS_REGION is not set: pass the bucket's region as a build arg \(e\.g\. --build-arg AWS_REGION=ap-northeast-1\)/],
    ['AWS_REGION', 'Tokyo', /AWS_REGION="Tokyo" does not look like a region: use a code such as ap-northeast-1/],
    ['UPLOAD_DIR', 'no-such-dir', /UPLOAD_DIR="no-such-dir" does not exist \(resolved to .*no-such-dir\): create it, or set UPLOAD_DIR to the directory to upload/],
    ['UPLOAD_MANIFEST', 'no-such-dir/upload-manifest.json', /UPLOAD_MANIFEST="no-such-dir\/upload-manifest.json" is in a directory that does not exist .*: create it, or leave UPLOAD_MANIFEST unset for upload-manifest.json/],
    ['UPLOAD_CONCURRENCY', '257', /UPLOAD_CONCURRENCY="257" is invalid: use a whole number from 1 to 256, or leave it unset for 32/],
    ['UPLOAD_CONCURRENCY', '0', /UPLOAD_CONCURRENCY="0" is invalid: use a whole number from 1 to 256/],
    ['UPLOAD_PART_SIZE_MIB', '4', /UPLOAD_PART_SIZE_MIB="4" is invalid: use a whole number from 5 to 512, or leave it unset for 8/],
    ['UPLOAD_QUEUE_SIZE', 'four', /UPLOAD_QUEUE_SIZE="four" is invalid: use a whole number from 1 to 64, or leave it unset for 4/],
    ['UPLOAD_MAX_ATTEMPTS', '21', /UPLOAD_MAX_ATTEMPTS="21" is invalid: use a whole number from 1 to 20, or leave it unset for 6/],
    ['UPLOAD_MAX_ATTEMPTS', '2.5', /UPLOAD_MAX_ATTEMPTS="2.5" is invalid: use a whole number from 1 to 20/],
    ['UPLOAD_PROGRESS_SECONDS', '-1', /UPLOAD_PROGRESS_SECONDS="-1" is invalid: use a whole number from 0 to 3600, or leave it unset for 10/],
    ['UPLOAD_SHA256', 'yes', /UPLOAD_SHA256="yes" is invalid: use a whole number from 0 to 1, or leave it unset for 0/],
    ['AWS_ENDPOINT_URL_S3', 'localhost:5000', /AWS_ENDPOINT_URL_S3="localhost:5000" must start with http:\/\/ or https:\/\//],
    ['AWS_ENDPOINT_URL_S3', 'not a url', /AWS_ENDPOINT_URL_S3="not a url" is not a URL: use e\.g\. http:\/\/127\.0\.0\.1:5000, or unset it to use AWS/],
  ];
  it.each(cases)('%s=%s', async (name, value, message) => {
    const result = await upload({ [name]: value, S3_PREFIX: name === 'S3_PREFIX' ? value : `bad-${name}` });
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(/^configuration error: /m);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('uploaded ');
    expect(proxy!.requests).toEqual([]);
  });

  it('covers every variable the package declares', async () => {
    const { ENV } = (await import('../dist/settings.cjs')) as typeof import('../src/settings.cjs');
    const covered = new Set(cases.map(([name]) => name));
    expect(Object.values(ENV).filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe('the upload directory: a clear message, nothing uploaded', () => {
  async function refused(dir: string, message: RegExp, options: { asNobody?: boolean } = {}): Promise<void> {
    const result = options.asNobody ? await runAsNobody({ UPLOAD_DIR: dir, S3_PREFIX: 'dir-case' }) : await upload({ UPLOAD_DIR: dir, S3_PREFIX: 'dir-case' });
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(proxy!.requests).toEqual([]);
    expect((await listKeys()).filter((key) => key.startsWith('dir-case/'))).toEqual([]);
  }

  /** The bin as an unprivileged user: root reads a directory whatever its mode. */
  function runAsNobody(overrides: Record<string, string>): Promise<RunResult> {
    proxy!.reset();
    chmodSync(work, 0o755);
    chmodSync(credentialsFile, 0o644);
    const env = settings({ ...overrides, UPLOAD_MANIFEST: join(work, 'nobody', 'manifest.json') });
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN], { cwd: work, env, uid: 65534, gid: 65534, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  }

  it('missing', async () => {
    await refused(join(work, 'missing'), /UPLOAD_DIR=".*missing" does not exist \(resolved to .*\): create it, or set UPLOAD_DIR/);
  });

  it('a file, not a directory', async () => {
    await refused(join(site, 'index.html'), /UPLOAD_DIR=".*index\.html" is not a directory: set UPLOAD_DIR to the directory to upload/);
  });

  it('empty (only empty subdirectories)', async () => {
    const empty = join(work, 'empty');
    mkdirSync(join(empty, 'only-a-subdirectory'), { recursive: true });
    await refused(empty, /UPLOAD_DIR=".*empty" contains no files: build the site into it before this step, or point UPLOAD_DIR at the output directory/);
  });

  it('a symlink loop as the directory, or inside it', async () => {
    const loop = join(work, 'loop');
    symlinkSync(loop, loop);
    await refused(loop, /UPLOAD_DIR=".*loop" is a symlink loop .*: point UPLOAD_DIR at the directory itself/);
    const inside = join(work, 'loop-inside');
    writeFile(join(inside, 'index.html'), 'x');
    symlinkSync(join(inside, 'b'), join(inside, 'a'));
    symlinkSync(join(inside, 'a'), join(inside, 'b'));
    await refused(inside, /UPLOAD_DIR=".*loop-inside": .*\/a is a symlink loop: remove it, or point it at a file/);
  });

  it('unreadable, as the directory or a subdirectory (run as nobody)', async () => {
    mkdirSync(join(work, 'nobody'), { recursive: true });
    chmodSync(join(work, 'nobody'), 0o777);
    const readable = join(work, 'readable');
    writeFile(join(readable, 'index.html'), '<p>readable</p>\n');
    chmodSync(readable, 0o755);
    chmodSync(join(readable, 'index.html'), 0o644);
    // Control: as nobody, a readable directory uploads; the refusals below are about the modes.
    const control = await runAsNobody({ UPLOAD_DIR: readable, S3_PREFIX: 'nobody-control' });
    expect(control.code, describeRun(control)).toBe(0);

    const locked = join(work, 'locked');
    writeFile(join(locked, 'index.html'), 'x');
    chmodSync(locked, 0o000);
    await refused(locked, /UPLOAD_DIR=".*locked": cannot read .*locked \(EACCES\): make it readable by the user that runs the upload, or remove it/, { asNobody: true });
    chmodSync(locked, 0o755);

    const lockedInside = join(work, 'locked-inside');
    writeFile(join(lockedInside, 'index.html'), 'x');
    writeFile(join(lockedInside, 'private', 'key.pem'), 'x');
    chmodSync(lockedInside, 0o755);
    chmodSync(join(lockedInside, 'private'), 0o000);
    await refused(lockedInside, /UPLOAD_DIR=".*locked-inside": cannot read .*private \(EACCES\)/, { asNobody: true });
    chmodSync(join(lockedInside, 'private'), 0o755);
  });
});
