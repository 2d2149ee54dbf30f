/**
 * End-to-end test of the generated repo's upload script (templates/sample/src/upload.ts):
 * the plain generated repo is rendered, built as the image builds it (npm install +
 * npm run build with its package.json and tsconfig.json), then run against moto with
 * credentials that come only from a shared-credentials file, as in the
 * BuildKit secret mount.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  FAKE_CREDENTIALS,
  Moto,
  RunResult,
  awsJson,
  createBucket,
  credentialsIni,
  isolatedEnv,
  run,
  startMoto,
} from '../support/moto';
import { startFaultProxy } from '../support/fault-proxy';
import { buildUploaderProject } from '../support/uploader';

const BUCKET = 'keyless-build-test';
const REGION = 'ap-northeast-1';
const MiB = 1024 * 1024;

let work: string;
let project: string;
let credentialsFile: string;
let moto: Moto | undefined;

/** `moto` once beforeAll has started it. */
function s3(): Moto {
  if (!moto) {
    throw new Error('moto is not running: see the beforeAll error');
  }
  return moto;
}

/** Runs `node dist/upload.js` in the built project; `undefined` removes a variable. */
function runUpload(overrides: Record<string, string | undefined> = {}): Promise<RunResult> {
  const env = isolatedEnv({
    S3_BUCKET: BUCKET,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: s3().endpoint,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  // The point of the design: no key in the environment, only the file.
  expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
  return run('node', ['dist/upload.js'], { cwd: project, env, timeoutMs: 60_000 });
}

function output(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CRC32 as S3 reports it (ChecksumCRC32): big-endian bytes in base64. */
function crc32Base64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data));
  return bytes.toString('base64');
}

/** The checksum S3 keeps with the object, as `head-object --checksum-mode ENABLED` reports it. */
async function storedChecksum(key: string): Promise<string | undefined> {
  const head = await awsJson<{ ChecksumCRC32?: string }>(
    s3(),
    ['s3api', 'head-object', '--bucket', BUCKET, '--key', key, '--checksum-mode', 'ENABLED'],
    REGION,
  );
  return head.ChecksumCRC32;
}

function writeFile(path: string, content: string | Buffer): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

interface GetObject {
  ContentType?: string;
  CacheControl?: string;
  ContentLength?: number;
  ETag?: string;
}

/** Downloads an object with the CLI; returns its metadata and bytes. */
async function getObject(key: string): Promise<{ meta: GetObject; body: Buffer }> {
  const outFile = join(work, 'downloads', sha256(Buffer.from(key)));
  mkdirSync(join(work, 'downloads'), { recursive: true });
  const meta = await awsJson<GetObject>(s3(), ['s3api', 'get-object', '--bucket', BUCKET, '--key', key, outFile], REGION);
  return { meta, body: readFileSync(outFile) };
}

async function listKeys(prefix: string): Promise<string[]> {
  const listing = await awsJson<{ Contents?: { Key: string }[] }>(
    s3(),
    ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', prefix],
    REGION,
  );
  return (listing.Contents ?? []).map((object) => object.Key).sort();
}

interface Manifest {
  bucket: string;
  prefix: string;
  objects: { key: string; size: number; contentType: string; cacheControl: string; crc32: string; sha256?: string; etag?: string }[];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'keyless-upload-'));
  project = join(work, 'project');

  await buildUploaderProject(project, BUCKET, REGION);

  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);

  credentialsFile = join(work, 'upload-credentials.ini');
  writeFile(credentialsFile, credentialsIni(FAKE_CREDENTIALS));
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('upload script', () => {
  it('uploads every file under the prefix with its bytes, Content-Type and Cache-Control, and writes the manifest', async () => {
    // The sample's public/ (index.html, style.css) plus files that exercise
    // each Content-Type and Cache-Control rule, nesting, and symlinks.
    const publicDir = join(project, 'public');
    writeFile(join(publicDir, 'assets', 'app.3f2a9c1b.js'), 'console.log("hashed");\n');
    writeFile(join(publicDir, 'assets', 'app.3f2a9c1b.js.map'), '{"version":3,"sources":[],"mappings":""}\n');
    writeFile(join(publicDir, 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
    writeFile(join(publicDir, 'docs', 'deep', 'report-20240131.txt'), 'a date, not a content hash\n');
    writeFile(join(publicDir, 'data.bin'), randomBytes(1024));
    symlinkSync('style.css', join(publicDir, 'alias.css'));
    symlinkSync(join(project, 'package.json'), join(publicDir, 'outside.json'));

    const immutable = 'public, max-age=31536000, immutable';
    const short = 'public, max-age=300';
    const expected: Record<string, { file: string; contentType: string; cacheControl: string }> = {
      'site/v1/alias.css': { file: 'style.css', contentType: 'text/css; charset=utf-8', cacheControl: short },
      'site/v1/assets/app.3f2a9c1b.js': { file: 'assets/app.3f2a9c1b.js', contentType: 'text/javascript; charset=utf-8', cacheControl: immutable },
      'site/v1/assets/app.3f2a9c1b.js.map': { file: 'assets/app.3f2a9c1b.js.map', contentType: 'application/json', cacheControl: immutable },
      'site/v1/data.bin': { file: 'data.bin', contentType: 'application/octet-stream', cacheControl: short },
      'site/v1/docs/deep/report-20240131.txt': { file: 'docs/deep/report-20240131.txt', contentType: 'text/plain; charset=utf-8', cacheControl: short },
      'site/v1/img/logo.svg': { file: 'img/logo.svg', contentType: 'image/svg+xml', cacheControl: short },
      'site/v1/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache' },
      'site/v1/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8', cacheControl: short },
    };
    const keys = Object.keys(expected).sort();

    // UPLOAD_DIR and UPLOAD_MANIFEST are left at their defaults (public, upload-manifest.json).
    const result = await runUpload({ S3_PREFIX: 'site/v1' });
    expect(result.code, output(result)).toBe(0);

    // Exactly these keys: the symlink out of public/ was not followed.
    expect(await listKeys('site/v1/')).toEqual(keys);
    expect(result.stderr).toMatch(/skip .*outside\.json: symlink points outside the upload directory/);

    await Promise.all(
      keys.map(async (key) => {
        const { file, contentType, cacheControl } = expected[key]!;
        const { meta, body } = await getObject(key);
        expect(body.equals(readFileSync(join(publicDir, file))), `bytes of ${key}`).toBe(true);
        expect(meta.ContentType, key).toBe(contentType);
        expect(meta.CacheControl, key).toBe(cacheControl);
      }),
    );

    const manifest = JSON.parse(readFileSync(join(project, 'upload-manifest.json'), 'utf8')) as Manifest;
    expect(manifest.bucket).toBe(BUCKET);
    expect(manifest.prefix).toBe('site/v1/');
    expect(manifest.objects.map((object) => object.key)).toEqual(keys);
    for (const object of manifest.objects) {
      const local = readFileSync(join(publicDir, expected[object.key]!.file));
      expect(object).toMatchObject({
        size: local.length,
        crc32: crc32Base64(local),
        contentType: expected[object.key]!.contentType,
        cacheControl: expected[object.key]!.cacheControl,
      });
      expect(object.etag).toMatch(/^[0-9a-f]{32}$/);
      // SHA-256 only when asked for (UPLOAD_SHA256=1).
      expect(object).not.toHaveProperty('sha256');
      // The manifest's checksum is the one S3 keeps with the object.
      expect(await storedChecksum(object.key), object.key).toBe(object.crc32);
    }

    // CI log: one line per file, then a summary; never a credential.
    for (const key of keys) {
      expect(result.stdout).toContain(`uploaded ${key} (`);
    }
    expect(result.stdout).toMatch(/done: 8 files, \d+ bytes in [\d.]+ s/);
    for (const secret of Object.values(FAKE_CREDENTIALS)) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }

    // The sample app of the runtime stage reads the same manifest.
    const app = await run('node', ['dist/index.js'], { cwd: project, env: isolatedEnv() });
    expect(app.code, output(app)).toBe(0);
    expect(app.stdout).toMatch(new RegExp(`^8 objects \\(\\d+ bytes\\) were uploaded to s3://${BUCKET}/site/v1/`));
  }, 60_000);

  it('sends a file larger than 10 MiB as a multipart upload that arrives intact', async () => {
    const dir = join(work, 'big');
    const data = randomBytes(10 * MiB + 123_457);
    writeFile(join(dir, 'video', 'big.bin'), data);
    const manifestPath = join(work, 'big-manifest.json');

    // Also covers the service-specific endpoint variable, and a host name
    // rather than an IP: with `localhost` the SDK would address the bucket as
    // `<bucket>.localhost` unless the script sets forcePathStyle.
    const result = await runUpload({
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_S3: s3().endpoint.replace('127.0.0.1', 'localhost'),
      S3_PREFIX: '/big',
      UPLOAD_DIR: dir,
      UPLOAD_MANIFEST: manifestPath,
      UPLOAD_CONCURRENCY: '2',
      UPLOAD_PART_SIZE_MIB: '5',
      UPLOAD_SHA256: '1',
    });
    expect(result.code, output(result)).toBe(0);

    const { meta, body } = await getObject('big/video/big.bin');
    // A multipart ETag is "<md5 of the part md5s>-<part count>": UPLOAD_PART_SIZE_MIB=5, so 3.
    expect(meta.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(meta.ContentLength).toBe(data.length);
    expect(sha256(body)).toBe(sha256(data));

    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    expect(manifest.prefix).toBe('big/');
    expect(manifest.objects).toEqual([
      expect.objectContaining({
        key: 'big/video/big.bin',
        size: data.length,
        crc32: crc32Base64(data),
        sha256: sha256(data),
        // Unquoted, entities decoded: S3 writes the ETag in CompleteMultipartUpload's XML as &quot;...&quot; (MinIO as &#34;).
        etag: expect.stringMatching(/^[0-9a-f]{32}-3$/),
      }),
    ]);
    // The CRC32 of the whole file, combined from the parts' and sent with CompleteMultipartUpload
    // (a FULL_OBJECT checksum), is what S3 keeps with the object.
    expect(await storedChecksum('big/video/big.bin')).toBe(crc32Base64(data));
    // No parts left behind by the multipart upload.
    const uploads = await awsJson<{ Uploads?: unknown[] }>(s3(), ['s3api', 'list-multipart-uploads', '--bucket', BUCKET], REGION);
    expect(uploads.Uploads ?? []).toEqual([]);
  }, 60_000);

  it('files read whole go through a few shared buffers: 32 requests in flight do not hold 32 files in memory', async () => {
    const dir = join(work, 'many-mib');
    const files = Array.from({ length: 48 }, (_, i) => [`page-${i}.bin`, randomBytes(MiB)] as const);
    for (const [name, data] of files) {
      writeFile(join(dir, name), data);
    }
    // The uploader's peak resident memory, as the process itself measures it when it exits.
    const reportPeak = join(work, 'report-peak-rss.mjs');
    writeFile(reportPeak, "process.on('exit', () => process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
    const peakKib = async (concurrency: string): Promise<number> => {
      const env = isolatedEnv({
        S3_BUCKET: BUCKET,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: s3().endpoint,
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        S3_PREFIX: `many-mib-${concurrency}`,
        UPLOAD_DIR: dir,
        UPLOAD_MANIFEST: join(work, `many-mib-${concurrency}.json`),
        UPLOAD_CONCURRENCY: concurrency,
      });
      const result = await run('node', ['--import', reportPeak, 'dist/upload.js'], { cwd: project, env, timeoutMs: 60_000 });
      expect(result.code, output(result)).toBe(0);
      const peak = /^peak-rss-kib (\d+)$/m.exec(result.stderr)?.[1];
      expect(peak, output(result)).toBeDefined();
      return Number(peak);
    };
    const oneAtATime = await peakKib('1');
    const thirtyTwo = await peakKib('32');
    // A buffer per request in flight would be 31 MiB more (measured: 32 MiB more before the pool).
    expect(thirtyTwo - oneAtATime).toBeLessThan(12 * 1024);
    const { body } = await getObject('many-mib-32/page-47.bin');
    expect(sha256(body)).toBe(sha256(files[47][1]));
  }, 120_000);

  describe('configuration errors exit 2 before any upload, naming the variable', () => {
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
      ['S3_BUCKET missing', { S3_BUCKET: undefined }, /S3_BUCKET is not set/],
      ['S3_BUCKET given as a URI', { S3_BUCKET: `s3://${BUCKET}` }, /S3_BUCKET="s3:\/\/.*" is not a bucket name/],
      ['AWS_REGION missing', { AWS_REGION: undefined }, /AWS_REGION is not set/],
      ['UPLOAD_CONCURRENCY out of range', { UPLOAD_CONCURRENCY: '257' }, /UPLOAD_CONCURRENCY="257" is invalid: use a whole number from 1 to 256/],
      ['UPLOAD_PART_SIZE_MIB below the S3 minimum', { UPLOAD_PART_SIZE_MIB: '4' }, /UPLOAD_PART_SIZE_MIB="4" is invalid: use a whole number from 5 to 512/],
      ['UPLOAD_QUEUE_SIZE not a number', { UPLOAD_QUEUE_SIZE: 'four' }, /UPLOAD_QUEUE_SIZE="four" is invalid/],
      ['UPLOAD_DIR missing', { UPLOAD_DIR: 'no-such-dir' }, /UPLOAD_DIR="no-such-dir" does not exist/],
      ['AWS_ENDPOINT_URL not a URL', { AWS_ENDPOINT_URL: 'localhost:5000' }, /AWS_ENDPOINT_URL="localhost:5000" must start with http/],
    ];
    it.each(cases)('%s', async (_name, overrides, message) => {
      const result = await runUpload(overrides);
      expect(result.code, output(result)).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).not.toContain('uploaded ');
    }, 30_000);

    it('an empty UPLOAD_DIR', async () => {
      const empty = join(work, 'empty-dir');
      mkdirSync(join(empty, 'only-a-subdirectory'), { recursive: true });
      const result = await runUpload({ UPLOAD_DIR: empty });
      expect(result.code, output(result)).toBe(2);
      expect(result.stderr).toMatch(/UPLOAD_DIR=".*empty-dir" contains no files/);
    }, 30_000);
  });

  it('a bucket that does not exist exits 1 with a message naming the bucket, and writes no manifest', async () => {
    const manifestPath = join(work, 'no-bucket-manifest.json');
    const result = await runUpload({ S3_BUCKET: 'keyless-no-such-bucket', S3_PREFIX: 'x', UPLOAD_MANIFEST: manifestPath });
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain('NoSuchBucket');
    expect(result.stderr).toContain('the bucket "keyless-no-such-bucket" exists');
    expect(result.stderr).toMatch(/\d+ of \d+ files were not uploaded/);
    expect(existsSync(manifestPath)).toBe(false);
  }, 30_000);

  it('an empty credentials file exits 1 explaining what to check', async () => {
    const empty = join(work, 'empty-credentials.ini');
    writeFile(empty, '');
    const result = await runUpload({ AWS_SHARED_CREDENTIALS_FILE: empty, S3_PREFIX: 'no-creds' });
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain('The upload credentials were rejected or not found (CredentialsProviderError');
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${empty} is empty`);
    expect(result.stderr).toContain('assume-role step');
    expect(await listKeys('no-creds/')).toEqual([]);
  }, 30_000);

  it('a credentials file that was not mounted exits 1 explaining what to check', async () => {
    const missing = join(work, 'not-mounted.ini');
    const result = await runUpload({ AWS_SHARED_CREDENTIALS_FILE: missing });
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${missing} does not exist`);
    expect(result.stderr).toContain('--mount=type=secret');
  }, 30_000);

  it('rejected credentials stop the whole run at the first failure', async () => {
    const dir = join(work, 'many');
    for (let i = 0; i < 40; i++) {
      writeFile(join(dir, `file-${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    }
    // moto accepts any key by default; with its IAM authentication on, an
    // unknown access key gets S3's own InvalidAccessKeyId (403).
    await s3().setAuth(true);
    let result: RunResult;
    const logBefore = s3().log().length;
    try {
      result = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'denied', UPLOAD_CONCURRENCY: '3' });
    } finally {
      await s3().setAuth(false);
    }
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain('InvalidAccessKeyId');
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} is present`);
    expect(result.stderr).toContain(`s3:PutObject (and the multipart actions) on arn:aws:s3:::${BUCKET}/denied/*`);
    expect(result.stderr).toContain('40 of 40 files were not uploaded');
    // The first request goes alone and InvalidAccessKeyId is not retried: one PUT in all.
    const puts = s3().log().slice(logBefore).split('\n').filter((line) => line.includes(`"PUT /${BUCKET}/denied/`));
    expect(puts.length).toBe(1);
  }, 30_000);

  it('takes static keys and the endpoint without loading the SDK, and asks the SDK when a profile or config file could change them', async () => {
    const dir = join(work, 'access-site');
    writeFile(join(dir, 'index.html'), '<p>access</p>\n');
    const endpoint = `${s3().endpoint}/${BUCKET}`;
    const configFile = join(work, 'aws-config');
    writeFile(configFile, `[default]\nregion = ${REGION}\n`);
    const profileFile = join(work, 'profile-credentials.ini');
    writeFile(profileFile, credentialsIni(FAKE_CREDENTIALS).replace('[default]', '[uploader]'));
    const sdk = `credentials: the AWS SDK's default credential chain; endpoint: ${endpoint}`;
    const runs = [
      { prefix: 'access-plain', env: {}, line: `credentials: static keys in the [default] profile of ${credentialsFile}; endpoint: ${endpoint}`, loadsSdk: false },
      { prefix: 'access-config', env: { AWS_CONFIG_FILE: configFile }, line: sdk, loadsSdk: true },
      { prefix: 'access-profile', env: { AWS_PROFILE: 'uploader', AWS_SHARED_CREDENTIALS_FILE: profileFile }, line: sdk, loadsSdk: true },
    ];
    for (const { prefix, env, line, loadsSdk } of runs) {
      // Node's module loader logs every module it resolves to stderr.
      const result = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: prefix, NODE_DEBUG: 'esm,module', ...env });
      expect(result.code, output(result)).toBe(0);
      expect(result.stdout.split('\n'), output(result)).toContain(line);
      expect(result.stderr.includes('@aws-sdk/client-s3'), prefix).toBe(loadsSdk);
      expect((await getObject(`${prefix}/index.html`)).body.toString()).toBe('<p>access</p>\n');
    }
  }, 60_000);

  it('uploads over HTTPS with the certificate verified, resuming TLS sessions; an untrusted certificate stops the run', async () => {
    const tls = makeTestCertificates(join(work, 'tls'));
    const proxy = await startFaultProxy(s3().endpoint, { tls: { key: tls.key, cert: tls.cert } });
    try {
      const dir = join(work, 'tls-site');
      const files: Record<string, Buffer> = { 'video/big.bin': randomBytes(11 * MiB + 99) };
      for (let i = 0; i < 20; i++) {
        files[`page-${i}.html`] = randomBytes(100 + i * 997);
      }
      for (const [file, data] of Object.entries(files)) {
        writeFile(join(dir, file), data);
      }
      const endpoint = `https://localhost:${new URL(proxy.endpoint).port}`;
      const settings = { AWS_ENDPOINT_URL: endpoint, UPLOAD_DIR: dir, UPLOAD_CONCURRENCY: '4', UPLOAD_PART_SIZE_MIB: '5' };

      const result = await runUpload({ ...settings, S3_PREFIX: 'tls', NODE_EXTRA_CA_CERTS: tls.ca });
      expect(result.code, output(result)).toBe(0);
      for (const [file, data] of Object.entries(files)) {
        const { body } = await getObject(`tls/${file}`);
        expect(body.equals(data), file).toBe(true);
      }
      // moto closes every connection after its answer, so each request opens one: 20 PutObjects, and
      // CreateMultipartUpload, 3 parts and CompleteMultipartUpload. Only the first connection does a
      // full handshake: the lanes' connections are prepared once its session has come, and resume it.
      expect(proxy.handshakes, JSON.stringify(proxy.handshakes)).toMatchObject({ full: 1 });
      expect(proxy.handshakes.resumed, JSON.stringify(proxy.handshakes)).toBeGreaterThanOrEqual(20);

      // The same run without the test CA: the certificate is refused, at the first request.
      proxy.reset();
      const refused = await runUpload({ ...settings, S3_PREFIX: 'tls-refused', NODE_EXTRA_CA_CERTS: undefined });
      expect(refused.code, output(refused)).toBe(1);
      expect(refused.stderr).toMatch(/The TLS certificate of https:\/\/localhost:\d+ was not accepted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
      expect(proxy.requests).toEqual([]);
      expect(await listKeys('tls-refused/')).toEqual([]);
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});

/** A throwaway certificate authority and a certificate for `localhost` it signed, made with openssl. */
function makeTestCertificates(dir: string): { ca: string; key: string; cert: string } {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`openssl ${args.join(' ')} failed (install openssl: scripts/install-test-tools.sh)\n${result.stderr ?? result.error?.message}`);
    }
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=keyless-build test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.pem');
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}
