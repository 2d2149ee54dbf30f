/**
 * The library API in process: uploadDirectory's report and its option checks,
 * the user's content-type and cache-control rules over the defaults, and
 * cancellation through an AbortSignal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32Base64, writeFile } from './support/files.js';
import { DEFAULT_CACHE_CONTROL, DEFAULT_CONTENT_TYPES, SettingError, uploadDirectory } from '../dist/index.js';
import { type FaultProxy, FORWARD, startFaultProxy } from './support/fault-proxy.js';
import { FAKE_CREDENTIALS, type Moto, awsJson, createBucket, credentialsIni, isolatedEnv, startMoto } from '../../../test/support/moto.js';

const BUCKET = 'keyless-api-test';
const REGION = 'us-west-2';
const MiB = 1024 * 1024;

let work: string;
let site: string;
let moto: Moto | undefined;
let proxy: FaultProxy | undefined;
const savedEnv = { ...process.env };

async function head(key: string): Promise<{ ContentType?: string; CacheControl?: string }> {
  return awsJson(moto!, ['s3api', 'head-object', '--bucket', BUCKET, '--key', key], REGION);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'keyless-api-'));
  site = join(work, 'site');
  writeFile(join(site, 'index.html'), '<p>api</p>\n');
  writeFile(join(site, 'feed.rss'), '<rss/>\n');
  writeFile(join(site, 'assets', 'app.js'), 'console.log(1);\n');
  writeFile(join(site, 'big.bin'), Buffer.alloc(6 * MiB, 7));
  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);
  proxy = await startFaultProxy(moto.endpoint);
  const credentials = join(work, 'credentials.ini');
  writeFile(credentials, credentialsIni(FAKE_CREDENTIALS));
  // The SDK's default chain reads these, in this process.
  process.env = isolatedEnv({ AWS_SHARED_CREDENTIALS_FILE: credentials });
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  await proxy?.stop();
  await moto?.stop();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('uploadDirectory', () => {
  it('returns a report of every object, with the user\'s rules over the defaults', async () => {
    const lines: string[] = [];
    const report = await uploadDirectory({
      dir: site,
      bucket: BUCKET,
      region: REGION,
      prefix: 'api',
      endpoint: proxy!.endpoint,
      partSizeMiB: 5,
      contentTypes: { '.rss': 'application/rss+xml' },
      cacheControl: [{ test: /^assets\//, cacheControl: 'public, max-age=31536000, immutable' }],
      log: (line) => lines.push(line),
    });
    expect(report).toMatchObject({ bucket: BUCKET, prefix: 'api/', failed: [], skipped: [], stopped: undefined, cancelled: false, files: 4, bytes: 6 * MiB + 11 + 7 + 16 });
    expect(report.uploaded.map(({ key, contentType, cacheControl, size }) => ({ key, contentType, cacheControl, size }))).toEqual([
      { key: 'api/assets/app.js', contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable', size: 16 },
      { key: 'api/big.bin', contentType: 'application/octet-stream', cacheControl: 'public, max-age=300', size: 6 * MiB },
      { key: 'api/feed.rss', contentType: 'application/rss+xml', cacheControl: 'public, max-age=300', size: 7 },
      { key: 'api/index.html', contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache', size: 11 },
    ]);
    expect(report.uploaded.find((object) => object.key === 'api/big.bin')?.crc32).toBe(crc32Base64(Buffer.alloc(6 * MiB, 7)));
    expect(report.uploaded.find((object) => object.key === 'api/big.bin')?.etag).toMatch(/-2$/);
    expect(await head('api/feed.rss')).toMatchObject({ ContentType: 'application/rss+xml' });
    expect(await head('api/assets/app.js')).toMatchObject({ CacheControl: 'public, max-age=31536000, immutable' });
    expect(lines).toContain('uploaded api/index.html (11 bytes)');
    // The defaults are exported for the user to extend, and untouched by the call.
    expect(DEFAULT_CONTENT_TYPES['.rss']).toBeUndefined();
    expect(DEFAULT_CACHE_CONTROL).toHaveLength(3);
  });

  it('reports a failed file with its reason, and uploads the others', async () => {
    proxy!.reset((request) =>
      request.url.includes('/feed.rss') ? { kind: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error.' } : FORWARD,
    );
    try {
      const report = await uploadDirectory({ dir: site, bucket: BUCKET, region: REGION, prefix: 'api-failed', endpoint: proxy!.endpoint, maxAttempts: 2 });
      expect(report.failed).toEqual([{ relativePath: 'feed.rss', key: 'api-failed/feed.rss', reason: 'InternalError: We encountered an internal error.' }]);
      expect(report.uploaded.map((object) => object.key)).toEqual(['api-failed/assets/app.js', 'api-failed/big.bin', 'api-failed/index.html']);
    } finally {
      proxy!.reset();
    }
  });

  it('refuses a bad option before any request, naming the option', async () => {
    proxy!.reset();
    const attempt = uploadDirectory({ dir: site, bucket: BUCKET, region: REGION, endpoint: proxy!.endpoint, concurrency: 0 });
    await expect(attempt).rejects.toThrow(SettingError);
    await expect(attempt).rejects.toThrow('concurrency="0" is invalid: use a whole number from 1 to 256, or leave it unset for 32.');
    await expect(uploadDirectory({ dir: site, bucket: 's3://x', region: REGION })).rejects.toThrow('bucket="s3://x" is not a bucket name');
    await expect(uploadDirectory({ dir: join(work, 'nope'), bucket: BUCKET, region: REGION })).rejects.toThrow(/^dir=".*nope" does not exist/);
    expect(proxy!.requests).toEqual([]);
  });

  it('an aborted signal stops the run: nothing new starts, the open multipart upload is aborted', async () => {
    const controller = new AbortController();
    proxy!.reset((request) => (/[?&]partNumber=/.test(request.url) ? { kind: 'delay', ms: 2000 } : FORWARD));
    const lines: string[] = [];
    const running = uploadDirectory({ dir: site, bucket: BUCKET, region: REGION, prefix: 'api-cancel', endpoint: proxy!.endpoint, partSizeMiB: 5, concurrency: 1, signal: controller.signal, log: (line) => lines.push(line) });
    while (!proxy!.requests.some((request) => /[?&]partNumber=/.test(request.url))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort('SIGTERM');
    const report = await running;
    expect(report.cancelled).toBe(true);
    expect(report.failed).toEqual([]);
    expect(lines).toContain('SIGTERM: stopping; aborting 1 multipart upload(s) in progress');
    expect(proxy!.requests.some((request) => request.method === 'DELETE')).toBe(true);
    // With one lane and the large file first, no small file was started.
    expect(report.uploaded).toEqual([]);
    const uploads = await awsJson<{ Uploads?: unknown[] }>(moto!, ['s3api', 'list-multipart-uploads', '--bucket', BUCKET], REGION);
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
