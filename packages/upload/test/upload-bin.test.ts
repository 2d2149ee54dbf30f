/**
 * The bin (`keyless-build-upload`) end to end against moto, with credentials
 * that come only from a shared-credentials file, as in the BuildKit secret mount.
 * Ported from the generator's test/upload-script.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32Base64, sha256, writeFile } from './support/files.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { FAKE_CREDENTIALS, type Moto, type RunResult, awsJson, createBucket, credentialsIni, startMoto } from '../../../test/support/moto.js';
import { binEnv, describeRun, runBin } from './support/uploader.js';

const BUCKET = 'keyless-build-test';
const REGION = 'ap-northeast-1';
const MiB = 1024 * 1024;

let work: string;
let project: string;
let credentialsFile: string;
let moto: Moto | undefined;

function s3(): Moto {
  if (!moto) {
    throw new Error('moto is not running: see the beforeAll error');
  }
  return moto;
}

/** Runs the bin in `project` (as the Dockerfile's WORKDIR); `undefined` removes a variable. */
function runUpload(overrides: Record<string, string | undefined> = {}): Promise<RunResult> {
  const env = binEnv(
    { S3_BUCKET: BUCKET, AWS_REGION: REGION, AWS_ENDPOINT_URL: s3().endpoint, AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    overrides,
  );
  // The point of the design: no key in the environment, only the file.
  expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
  return runBin(env, project, 60_000);
}

/** The checksum S3 keeps with the object, as `head-object --checksum-mode ENABLED` reports it. */
async function storedChecksum(key: string): Promise<string | undefined> {
  const head = await awsJson<{ ChecksumCRC32?: string }>(s3(), ['s3api', 'head-object', '--bucket', BUCKET, '--key', key, '--checksum-mode', 'ENABLED'], REGION);
  return head.ChecksumCRC32;
}

interface GetObject {
  ContentType?: string;
  CacheControl?: string;
  ContentLength?: number;
  ETag?: string;
}

async function getObject(key: string): Promise<{ meta: GetObject; body: Buffer }> {
  const outFile = join(work, 'downloads', sha256(Buffer.from(key)));
  mkdirSync(join(work, 'downloads'), { recursive: true });
  const meta = await awsJson<GetObject>(s3(), ['s3api', 'get-object', '--bucket', BUCKET, '--key', key, outFile], REGION);
  return { meta, body: readFileSync(outFile) };
}

async function listKeys(prefix: string): Promise<string[]> {
  const listing = await awsJson<{ Contents?: { Key: string }[] }>(s3(), ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', prefix], REGION);
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
  // The generated repo's public/ (UPLOAD_DIR's default).
  writeFile(join(project, 'public', 'index.html'), '<!doctype html><link rel="stylesheet" href="style.css"><p>hello</p>\n');
  writeFile(join(project, 'public', 'style.css'), 'p { color: teal; }\n');
  writeFile(join(project, 'package.json'), '{"private": true}\n');
  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);
  credentialsFile = join(work, 'upload-credentials.ini');
  writeFile(credentialsFile, credentialsIni(FAKE_CREDENTIALS));
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('keyless-build-upload', () => {
  it('uploads every file under the prefix with its bytes, Content-Type and Cache-Control, and writes the manifest', async () => {
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
    expect(result.code, describeRun(result)).toBe(0);

    // Exactly these keys: the symlink out of public/ was not followed.
    expect(await listKeys('site/v1/')).toEqual(keys);
    expect(result.stderr).toMatch(/skip outside\.json: symlink points outside the upload directory/);

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
    // Where the credentials came from, as the SDK records it: the profile of the shared credentials file.
    expect(result.stdout).toContain("credentials: the AWS SDK's default chain (CREDENTIALS_PROFILE)");
  }, 60_000);

  it('sends a file larger than 10 MiB as a multipart upload that arrives intact', async () => {
    const dir = join(work, 'big');
    const data = randomBytes(10 * MiB + 123_457);
    writeFile(join(dir, 'video', 'big.bin'), data);
    const manifestPath = join(work, 'big-manifest.json');

    // Also covers the service-specific endpoint variable, and a host name rather than an IP:
    // with `localhost` the SDK would address the bucket as `<bucket>.localhost` without path style.
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
    expect(result.code, describeRun(result)).toBe(0);

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
        etag: expect.stringMatching(/^[0-9a-f]{32}-3$/),
      }),
    ]);
    // The CRC32 of the whole file, combined from the parts' (a FULL_OBJECT checksum), is what S3 keeps.
    expect(await storedChecksum('big/video/big.bin')).toBe(crc32Base64(data));
    const uploads = await awsJson<{ Uploads?: unknown[] }>(s3(), ['s3api', 'list-multipart-uploads', '--bucket', BUCKET], REGION);
    expect(uploads.Uploads ?? []).toEqual([]);
  }, 60_000);

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL, as the SDK reads them', async () => {
    const dir = join(work, 'endpoints');
    writeFile(join(dir, 'index.html'), '<p>endpoints</p>\n');
    // Nothing listens on port 9 of loopback: had the SDK taken AWS_ENDPOINT_URL, the run would fail.
    const result = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'endpoints', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_S3: s3().endpoint });
    expect(result.code, describeRun(result)).toBe(0);
    expect(await listKeys('endpoints/')).toEqual(['endpoints/index.html']);
    // Negative control: AWS_ENDPOINT_URL alone is that dead port, and the run cannot reach it.
    const dead = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'endpoints-dead', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', UPLOAD_MAX_ATTEMPTS: '1' });
    expect(dead.code, describeRun(dead)).toBe(1);
    expect(dead.stderr).toContain('Cannot reach http://127.0.0.1:9');
  }, 60_000);

  it('a named profile in a config file is the SDK\'s to read (AWS_PROFILE)', async () => {
    const dir = join(work, 'profile-site');
    writeFile(join(dir, 'index.html'), '<p>profile</p>\n');
    const profileFile = join(work, 'profile-credentials.ini');
    writeFile(profileFile, credentialsIni(FAKE_CREDENTIALS).replace('[default]', '[uploader]'));
    const configFile = join(work, 'aws-config');
    writeFile(configFile, `[profile uploader]\nregion = ${REGION}\n`);
    const result = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'profile', AWS_PROFILE: 'uploader', AWS_SHARED_CREDENTIALS_FILE: profileFile, AWS_CONFIG_FILE: configFile });
    expect(result.code, describeRun(result)).toBe(0);
    expect((await getObject('profile/index.html')).body.toString()).toBe('<p>profile</p>\n');
    // Negative control: without AWS_PROFILE the SDK looks for [default], which that file lacks.
    const noProfile = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'no-profile', AWS_SHARED_CREDENTIALS_FILE: profileFile, AWS_CONFIG_FILE: configFile });
    expect(noProfile.code, describeRun(noProfile)).toBe(1);
    expect(noProfile.stderr).toContain('The upload credentials were rejected or not found (CredentialsProviderError');
  }, 60_000);

  it('a bucket that does not exist exits 1 with a message naming the bucket, and writes no manifest', async () => {
    const manifestPath = join(work, 'no-bucket-manifest.json');
    const result = await runUpload({ S3_BUCKET: 'keyless-no-such-bucket', S3_PREFIX: 'x', UPLOAD_MANIFEST: manifestPath });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('NoSuchBucket');
    expect(result.stderr).toContain('the bucket "keyless-no-such-bucket" exists');
    expect(result.stderr).toMatch(/\d+ of \d+ files were not uploaded/);
    expect(existsSync(manifestPath)).toBe(false);
  }, 30_000);

  it('an empty credentials file exits 1 explaining what to check', async () => {
    const empty = join(work, 'empty-credentials.ini');
    writeFile(empty, '');
    const result = await runUpload({ AWS_SHARED_CREDENTIALS_FILE: empty, S3_PREFIX: 'no-creds' });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('The upload credentials were rejected or not found (CredentialsProviderError');
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${empty} is empty`);
    expect(result.stderr).toContain('assume-role step');
    expect(await listKeys('no-creds/')).toEqual([]);
  }, 30_000);

  it('a credentials file that was not mounted exits 1 explaining what to check', async () => {
    const missing = join(work, 'not-mounted.ini');
    const result = await runUpload({ AWS_SHARED_CREDENTIALS_FILE: missing });
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${missing} does not exist`);
    expect(result.stderr).toContain('--mount=type=secret');
  }, 30_000);

  it('rejected credentials stop the whole run at the first failure', async () => {
    const dir = join(work, 'many');
    for (let i = 0; i < 40; i++) {
      writeFile(join(dir, `file-${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    }
    // moto accepts any key by default; with its IAM authentication on, an unknown access key gets InvalidAccessKeyId (403).
    await s3().setAuth(true);
    let result: RunResult;
    const logBefore = s3().log().length;
    try {
      result = await runUpload({ UPLOAD_DIR: dir, S3_PREFIX: 'denied', UPLOAD_CONCURRENCY: '3' });
    } finally {
      await s3().setAuth(false);
    }
    expect(result.code, describeRun(result)).toBe(1);
    expect(result.stderr).toContain('InvalidAccessKeyId');
    expect(result.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} is present`);
    expect(result.stderr).toContain(`s3:PutObject (and the multipart actions) on arn:aws:s3:::${BUCKET}/denied/*`);
    expect(result.stderr).toContain('40 of 40 files were not uploaded');
    // The first request goes alone and InvalidAccessKeyId is not retried: one PUT in all.
    const puts = s3().log().slice(logBefore).split('\n').filter((line) => line.includes(`"PUT /${BUCKET}/denied/`));
    expect(puts.length).toBe(1);
  }, 30_000);

  it('uploads over HTTPS with the certificate verified; an untrusted certificate stops the run', async () => {
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
      expect(result.code, describeRun(result)).toBe(0);
      for (const [file, data] of Object.entries(files)) {
        const { body } = await getObject(`tls/${file}`);
        expect(body.equals(data), file).toBe(true);
      }
      expect(proxy.requests.length).toBeGreaterThanOrEqual(25);

      // The same run without the test CA: the certificate is refused, at the first request.
      proxy.reset();
      const refused = await runUpload({ ...settings, S3_PREFIX: 'tls-refused', NODE_EXTRA_CA_CERTS: undefined });
      expect(refused.code, describeRun(refused)).toBe(1);
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
      throw new Error(`openssl ${args.join(' ')} failed (install openssl)\n${result.stderr ?? result.error?.message}`);
    }
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=keyless-build test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.pem');
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}
