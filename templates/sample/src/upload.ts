/**
 * Uploads the files under UPLOAD_DIR to s3://S3_BUCKET/S3_PREFIX.
 *
 * It runs inside `docker build`, in the step that mounts the upload role's
 * short-lived credentials as a BuildKit secret. It reads its configuration
 * from the environment only (the Dockerfile turns build args into env), lets
 * the AWS SDK's default credential chain find the secret through
 * AWS_SHARED_CREDENTIALS_FILE, and writes a manifest of what it uploaded.
 *
 * Exit codes: 0 all files uploaded, 1 an upload failed, 2 configuration error.
 *
 * This file is yours: edit it freely, the generator does not overwrite it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readdir, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

interface Config {
  bucket: string;
  /** '' or a prefix ending in '/', never starting with '/'. */
  prefix: string;
  region: string;
  uploadDir: string;
  concurrency: number;
  manifestPath: string;
  /** Set when AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL points at an S3-compatible endpoint. */
  endpoint: string | undefined;
}

/** A problem the user fixes by changing the build's environment; exits 2. */
class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_UPLOAD_DIR = 'public';
const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;
const DEFAULT_MANIFEST = 'upload-manifest.json';

/** Trimmed value, or undefined when unset or blank (an empty build arg means "not given"). */
function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

function readConfig(): Config {
  return {
    bucket: readBucket(),
    prefix: readPrefix(),
    region: readRegion(),
    uploadDir: env('UPLOAD_DIR') ?? DEFAULT_UPLOAD_DIR,
    concurrency: readConcurrency(),
    manifestPath: env('UPLOAD_MANIFEST') ?? DEFAULT_MANIFEST,
    endpoint: readEndpoint(),
  };
}

function readBucket(): string {
  const bucket = env('S3_BUCKET');
  if (!bucket) {
    throw new ConfigError(
      'S3_BUCKET is not set: pass the bucket name as a build arg (docker build --build-arg S3_BUCKET=my-bucket).',
    );
  }
  // A common slip is passing a URI or an ARN; S3 wants the bare name.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(
      `S3_BUCKET="${bucket}" is not a bucket name: use the bare name (3-63 characters: a-z, 0-9, '.', '-'), not an s3:// URI or an ARN.`,
    );
  }
  return bucket;
}

function readPrefix(): string {
  // Keys never start with '/', and the prefix is a "folder", so it ends with one.
  const prefix = (env('S3_PREFIX') ?? '').replace(/^\/+/, '');
  if (prefix === '' || prefix.endsWith('/')) {
    return prefix;
  }
  return `${prefix}/`;
}

function readRegion(): string {
  const region = env('AWS_REGION');
  if (!region) {
    throw new ConfigError(
      "AWS_REGION is not set: pass the bucket's region as a build arg (e.g. --build-arg AWS_REGION=ap-northeast-1).",
    );
  }
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(region)) {
    throw new ConfigError(`AWS_REGION="${region}" does not look like a region: use a code such as ap-northeast-1.`);
  }
  return region;
}

function readConcurrency(): number {
  const raw = env('UPLOAD_CONCURRENCY');
  if (raw === undefined) {
    return DEFAULT_CONCURRENCY;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_CONCURRENCY) {
    throw new ConfigError(
      `UPLOAD_CONCURRENCY="${raw}" is invalid: use a whole number from 1 to ${MAX_CONCURRENCY}, or leave it unset for ${DEFAULT_CONCURRENCY}.`,
    );
  }
  return value;
}

/**
 * The SDK itself reads AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL (service-specific
 * first); we only look at them to validate early and to switch to path-style
 * addressing, which local emulators (moto, MinIO, LocalStack) need because
 * `<bucket>.127.0.0.1` does not resolve.
 */
function readEndpoint(): string | undefined {
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const value = env(name);
    if (value === undefined) {
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`${name}="${value}" is not a URL: use e.g. http://127.0.0.1:5000, or unset it to use AWS.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${name}="${value}" must start with http:// or https://.`);
    }
    return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Finding the files
// ---------------------------------------------------------------------------

interface LocalFile {
  /** Path to read from (symlinks already resolved). */
  absolutePath: string;
  /** Path relative to UPLOAD_DIR with '/' separators: the key suffix. */
  relativePath: string;
  size: number;
}

async function listFiles(uploadDir: string): Promise<LocalFile[]> {
  const root = await resolveUploadDir(uploadDir);
  const files: LocalFile[] = [];
  await walk(root, root, files);
  if (files.length === 0) {
    throw new ConfigError(
      `UPLOAD_DIR="${uploadDir}" contains no files: build the site into it before this step, or point UPLOAD_DIR at the output directory.`,
    );
  }
  return files;
}

async function resolveUploadDir(uploadDir: string): Promise<string> {
  const absolute = path.resolve(uploadDir);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) {
    throw new ConfigError(
      `UPLOAD_DIR="${uploadDir}" does not exist (resolved to ${absolute}): create it, or set UPLOAD_DIR to the directory to upload.`,
    );
  }
  if (!info.isDirectory()) {
    throw new ConfigError(`UPLOAD_DIR="${uploadDir}" is not a directory: set UPLOAD_DIR to the directory to upload.`);
  }
  // Real path, so that symlink targets can be checked against it.
  return realpath(absolute);
}

async function walk(root: string, dir: string, files: LocalFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Sorted, so that logs and the manifest are stable from build to build.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, entryPath, files);
    } else if (entry.isSymbolicLink()) {
      const target = await symlinkTarget(root, entryPath);
      if (target) {
        files.push(await localFile(root, entryPath, target));
      }
    } else if (entry.isFile()) {
      files.push(await localFile(root, entryPath, entryPath));
    } else {
      // A FIFO or socket would block the read forever.
      console.warn(`skip ${path.relative(process.cwd(), entryPath)}: not a regular file`);
    }
  }
}

/**
 * A symlink is uploaded as the file it points to, but only when that file is
 * inside UPLOAD_DIR: following links out of it could publish anything in the
 * build context. Links to directories are not followed: their target, being
 * inside UPLOAD_DIR, is walked anyway, and not following them rules out loops.
 */
async function symlinkTarget(root: string, link: string): Promise<string | undefined> {
  const target = await realpath(link).catch(() => undefined);
  const shown = path.relative(process.cwd(), link);
  if (!target) {
    console.warn(`skip ${shown}: broken symlink`);
    return undefined;
  }
  if (target !== root && !target.startsWith(root + path.sep)) {
    console.warn(`skip ${shown}: symlink points outside the upload directory`);
    return undefined;
  }
  if ((await stat(target)).isDirectory()) {
    return undefined;
  }
  return target;
}

async function localFile(root: string, entryPath: string, readFrom: string): Promise<LocalFile> {
  return {
    absolutePath: readFrom,
    relativePath: path.relative(root, entryPath).split(path.sep).join('/'),
    size: (await stat(readFrom)).size,
  };
}

// ---------------------------------------------------------------------------
// Object metadata
// ---------------------------------------------------------------------------

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

function contentType(fileName: string): string {
  return CONTENT_TYPES[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * A name such as `app.3f2a9c1b.js` or `chunk-0d4e5f6a7b.css` changes whenever
 * its content does, so it can be cached forever. The hash must contain a
 * letter: a digits-only segment is more often a date or a version
 * (`report-20240131.pdf`), and caching that for a year would be the costly mistake.
 */
const CONTENT_HASH = /[.-](?=[0-9a-f]*[a-f])[0-9a-f]{8,}\./i;

function cacheControl(fileName: string): string {
  const base = path.basename(fileName).toLowerCase();
  if (base.endsWith('.html')) {
    // Pages name the hashed assets; browsers must always revalidate them.
    return 'no-cache';
  }
  if (CONTENT_HASH.test(base)) {
    return 'public, max-age=31536000, immutable';
  }
  return 'public, max-age=300';
}

/**
 * Recorded in the manifest so that a later step can verify an object: the
 * ETag is not a content hash for multipart uploads. (The SDK separately sends
 * a CRC32 checksum that S3 verifies on arrival.)
 */
async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------
// Uploading
// ---------------------------------------------------------------------------

interface UploadedObject {
  key: string;
  size: number;
  contentType: string;
  cacheControl: string;
  sha256: string;
  etag: string | undefined;
}

interface FailedFile {
  file: LocalFile;
  reason: string;
}

/** An error that every other upload would hit too, so the run stops at the first one. */
interface FatalError {
  file: LocalFile;
  explanation: string;
}

function createClient(config: Config): S3Client {
  return new S3Client({
    region: config.region,
    // No `credentials`: the default chain reads AWS_SHARED_CREDENTIALS_FILE,
    // which the Dockerfile points at the BuildKit secret.
    retryMode: 'standard',
    maxAttempts: 5,
    forcePathStyle: config.endpoint !== undefined,
  });
}

async function uploadFile(client: S3Client, config: Config, file: LocalFile): Promise<UploadedObject> {
  const key = config.prefix + file.relativePath;
  const object = {
    key,
    size: file.size,
    contentType: contentType(file.relativePath),
    cacheControl: cacheControl(file.relativePath),
    sha256: await sha256(file.absolutePath),
  };
  // lib-storage sends one PutObject for small bodies and a multipart upload
  // (5 MiB parts) for large ones; on failure it aborts the multipart upload
  // so that no billed, invisible parts are left behind.
  const upload = new Upload({
    client,
    params: {
      Bucket: config.bucket,
      Key: key,
      Body: createReadStream(file.absolutePath),
      ContentLength: file.size,
      ContentType: object.contentType,
      CacheControl: object.cacheControl,
    },
    leavePartsOnError: false,
  });
  const result = await upload.done();
  return { ...object, etag: result.ETag?.replace(/"/g, '') };
}

/** Runs `worker` over `items` with at most `limit` in flight; stops taking new items once `shouldStop()`. */
async function runPool<T>(items: readonly T[], limit: number, shouldStop: () => boolean, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !shouldStop()) {
      const item = items[next++] as T;
      await worker(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

interface RunResult {
  uploaded: UploadedObject[];
  failed: FailedFile[];
  fatal: FatalError | undefined;
}

async function uploadAll(client: S3Client, config: Config, files: readonly LocalFile[]): Promise<RunResult> {
  const result: RunResult = { uploaded: [], failed: [], fatal: undefined };
  // After a fatal error no new file starts. The few already in flight are
  // left to settle rather than aborted: Upload.abort() does not cancel the
  // HTTP request underneath, and destroying the client under it would make
  // the SDK retry on a reset connection, which is the storm we want to avoid.
  await runPool(files, config.concurrency, () => result.fatal !== undefined, async (file) => {
    try {
      const object = await uploadFile(client, config, file);
      result.uploaded.push(object);
      console.log(`uploaded ${object.key} (${object.size} bytes)`);
    } catch (error) {
      if (result.fatal) {
        return; // Was in flight when the run stopped: counted as not uploaded.
      }
      const explanation = explainFatal(error, config);
      if (explanation) {
        // Every other file would fail the same way.
        result.fatal = { file, explanation };
        return;
      }
      result.failed.push({ file, reason: describeError(error) });
      console.error(`FAILED ${config.prefix}${file.relativePath}: ${describeError(error)}`);
    }
  });
  return result;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Errors that mean "these credentials cannot write here", whatever the file. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidToken',
  'SignatureDoesNotMatch',
  'AccessDenied',
]);

/** Errors about the bucket or region rather than the file. */
const BUCKET_ERRORS = new Set(['NoSuchBucket', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

/**
 * Node's codes for "the endpoint cannot be reached at all". The SDK has
 * already retried the request, so every other file would only repeat that.
 */
const NETWORK_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function errorCode(error: unknown): string | undefined {
  const code: unknown = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Name and message only: SDK errors also carry the raw response, which is noise in a CI log. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}

/** Why the whole run must stop, or undefined when only this file failed. */
function explainFatal(error: unknown, config: Config): string | undefined {
  const name = errorName(error);
  const target = `s3://${config.bucket}/${config.prefix}`;
  if (CREDENTIAL_ERRORS.has(name)) {
    return [
      `The upload credentials were rejected or not found (${describeError(error)}). Check:`,
      `  - the secret mount: ${credentialsFileStatus()}`,
      '  - the assume-role step in the workflow ran in this job, and its session (one hour at most) has not expired',
      `  - the upload role's policy allows s3:PutObject (and the multipart actions) on arn:aws:s3:::${config.bucket}/${config.prefix}*`,
      '    and the bucket policy does not deny that role',
    ].join('\n');
  }
  if (BUCKET_ERRORS.has(name)) {
    return [
      `Cannot upload to ${target} (${describeError(error)}). Check:`,
      `  - the bucket "${config.bucket}" exists (S3_BUCKET is the bare bucket name)`,
      `  - AWS_REGION=${config.region} is the bucket's region`,
    ].join('\n');
  }
  if (NETWORK_ERRORS.has(errorCode(error) ?? '')) {
    const where = config.endpoint ?? `the S3 endpoint of ${config.region}`;
    return `Cannot reach ${where} (${describeError(error)}): check the build's network access${config.endpoint ? ' and AWS_ENDPOINT_URL(_S3)' : ''}.`;
  }
  return undefined;
}

/** Where the SDK looked for credentials, without revealing any of them. */
function credentialsFileStatus(): string {
  const file = process.env['AWS_SHARED_CREDENTIALS_FILE'];
  const notes: string[] = [];
  if (!file) {
    notes.push('AWS_SHARED_CREDENTIALS_FILE is not set, so the SDK looked in ~/.aws/credentials');
  } else {
    notes.push(`AWS_SHARED_CREDENTIALS_FILE=${file} ${describeCredentialsFile(file)}`);
  }
  if (process.env['AWS_ACCESS_KEY_ID']) {
    notes.push('AWS_ACCESS_KEY_ID is set in the environment and takes precedence over the file');
  }
  return notes.join('; ');
}

function describeCredentialsFile(file: string): string {
  try {
    // Synchronous is fine: this runs once, on the way out.
    const { size } = statSync(file);
    return size === 0
      ? 'is empty (did the workflow write it before `docker build`?)'
      : `is present (${size} bytes; it needs a [default] profile with aws_access_key_id, aws_secret_access_key and aws_session_token)`;
  } catch {
    return 'does not exist (is the RUN step mounting the secret with --mount=type=secret, and is the secret passed to docker build?)';
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

interface Manifest {
  bucket: string;
  prefix: string;
  objects: UploadedObject[];
}

/** Checked before uploading, so that a typo does not surface only after the whole upload. */
async function checkManifestDir(manifestPath: string): Promise<void> {
  const dir = path.dirname(path.resolve(manifestPath));
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ConfigError(
      `UPLOAD_MANIFEST="${manifestPath}" is in a directory that does not exist (${dir}): create it, or leave UPLOAD_MANIFEST unset for ${DEFAULT_MANIFEST}.`,
    );
  }
}

async function writeManifest(config: Config, uploaded: UploadedObject[]): Promise<void> {
  const manifest: Manifest = {
    bucket: config.bucket,
    prefix: config.prefix,
    objects: [...uploaded].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
  await writeFile(config.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

function reportFailure(result: RunResult, total: number): void {
  if (result.fatal) {
    const { file, explanation } = result.fatal;
    console.error(`\nstopped after ${file.relativePath} failed; the other files would fail the same way.\n${explanation}`);
  }
  for (const { file, reason } of result.failed) {
    console.error(`failed: ${file.relativePath} (${reason})`);
  }
  const notUploaded = total - result.uploaded.length;
  console.error(`\n${notUploaded} of ${total} files were not uploaded; no manifest was written.`);
}

async function main(): Promise<number> {
  const started = Date.now();
  const config = readConfig();
  const files = await listFiles(config.uploadDir);
  await checkManifestDir(config.manifestPath);
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const via = config.endpoint ? ` via ${config.endpoint}` : '';
  console.log(
    `uploading ${files.length} files (${totalBytes} bytes) from ${config.uploadDir} to s3://${config.bucket}/${config.prefix}${via}, ${config.concurrency} at a time`,
  );

  const client = createClient(config);
  let result: RunResult;
  try {
    result = await uploadAll(client, config, files);
  } finally {
    client.destroy(); // Close keep-alive sockets so the process can exit.
  }

  if (result.fatal || result.failed.length > 0) {
    reportFailure(result, files.length);
    return 1;
  }
  await writeManifest(config, result.uploaded);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`done: ${files.length} files, ${totalBytes} bytes in ${seconds} s; manifest: ${config.manifestPath}`);
  return 0;
}

// A promise chain rather than top-level await, so that the script also compiles as CommonJS
// (an existing projen project that adds the KeylessBuild component may not be ESM).
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(`upload failed: ${describeError(error)}`);
      process.exitCode = 1;
    }
  },
);
