/**
 * Uploads the files under UPLOAD_DIR to s3://S3_BUCKET/S3_PREFIX.
 *
 * It runs inside `docker build`, in the step that mounts the upload role's
 * short-lived credentials as a BuildKit secret. It reads its configuration
 * from the environment only (the Dockerfile turns build args into env), finds
 * the secret through AWS_SHARED_CREDENTIALS_FILE as the AWS SDK's default
 * credential chain would, and writes a manifest of what it uploaded.
 *
 * Exit codes: 0 all files uploaded, 1 an upload failed, 2 configuration error.
 *
 * It needs s3:PutObject only (and s3:AbortMultipartUpload, to clean up after
 * a failed multipart upload): it never lists or reads the bucket.
 *
 * Tuning (environment; see the README): UPLOAD_CONCURRENCY, UPLOAD_PART_SIZE_MIB,
 * UPLOAD_QUEUE_SIZE, UPLOAD_MAX_ATTEMPTS, UPLOAD_PROGRESS_SECONDS, UPLOAD_SHA256.
 *
 * This file is yours: edit it freely, the generator does not overwrite it.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

import { ConnectionPool, type Credentials, SigV4, UNSIGNED_PAYLOAD, encodeKey, requestHead, uriEncode } from './s3-http.js';
import { plainCredentials, plainEndpoint } from './sdk-shortcut.js';

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

interface Config {
  bucket: string;
  /** '' or a prefix ending in '/', never starting with '/'. */
  prefix: string;
  region: string;
  uploadDir: string;
  /** Requests in flight at once (and open connections). */
  concurrency: number;
  /** Files larger than this go as a multipart upload in parts of this size. */
  partSize: number;
  /** Parts of one multipart upload in flight at once. */
  queueSize: number;
  /** Tries per request, the first included. */
  maxAttempts: number;
  /** Seconds between progress lines; 0 for none. */
  progressSeconds: number;
  /** Also record each file's SHA-256 in the manifest. */
  sha256: boolean;
  manifestPath: string;
  /** Set when AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL points at an S3-compatible endpoint. */
  endpoint: string | undefined;
}

/** A problem the user fixes by changing the build's environment; exits 2. */
class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_UPLOAD_DIR = 'public';
const DEFAULT_MANIFEST = 'upload-manifest.json';
const MiB = 1024 * 1024;

/** A whole-number setting: its variable, default and allowed range. */
interface Knob {
  name: string;
  fallback: number;
  min: number;
  max: number;
}

// Defaults measured with bench/upload in the generator's repository: 32
// requests in flight saturate a local S3 server on 2 cores and keep a real
// S3 endpoint (tens of ms away) busy; 8 MiB parts x 4 keep memory per large
// file at 32 MiB.
const CONCURRENCY: Knob = { name: 'UPLOAD_CONCURRENCY', fallback: 32, min: 1, max: 256 };
const PART_SIZE_MIB: Knob = { name: 'UPLOAD_PART_SIZE_MIB', fallback: 8, min: 5, max: 512 };
const QUEUE_SIZE: Knob = { name: 'UPLOAD_QUEUE_SIZE', fallback: 4, min: 1, max: 64 };
const MAX_ATTEMPTS: Knob = { name: 'UPLOAD_MAX_ATTEMPTS', fallback: 6, min: 1, max: 20 };
const PROGRESS_SECONDS: Knob = { name: 'UPLOAD_PROGRESS_SECONDS', fallback: 10, min: 0, max: 3600 };
// Off by default: S3 verifies each object's CRC32 itself; SHA-256 costs about
// 0.6 s of CPU per GiB, worth it when a later step attests the digests.
const SHA256: Knob = { name: 'UPLOAD_SHA256', fallback: 0, min: 0, max: 1 };

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
    concurrency: readKnob(CONCURRENCY),
    partSize: readKnob(PART_SIZE_MIB) * MiB,
    queueSize: readKnob(QUEUE_SIZE),
    maxAttempts: readKnob(MAX_ATTEMPTS),
    progressSeconds: readKnob(PROGRESS_SECONDS),
    sha256: readKnob(SHA256) === 1,
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

function readKnob({ name, fallback, min, max }: Knob): number {
  const raw = env(name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name}="${raw}" is invalid: use a whole number from ${min} to ${max}, or leave it unset for ${fallback}.`);
  }
  return value;
}

/**
 * AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (service-specific first, as the
 * SDK reads them): validated early, handed to the S3 endpoint rules, and
 * a switch to path-style addressing, which local emulators (moto, MinIO,
 * LocalStack) need because `<bucket>.127.0.0.1` does not resolve.
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
  await walk(root, root, '', files);
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

/**
 * Lists the files under `dir`, whose path relative to UPLOAD_DIR is
 * `relativeDir` ('' or ending in '/'): the relative paths, which become the
 * keys, are built as the walk goes rather than computed back from each path.
 */
async function walk(root: string, dir: string, relativeDir: string, files: LocalFile[]): Promise<void> {
  // Synchronous, as localFile()'s stat: nothing else runs while the files are listed.
  const entries = readdirSync(dir, { withFileTypes: true });
  // Sorted, so that logs and the manifest are stable from build to build.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const entryPath = dir + path.sep + entry.name;
    const relativePath = relativeDir + entry.name;
    if (entry.isDirectory()) {
      await walk(root, entryPath, `${relativePath}/`, files);
    } else if (entry.isSymbolicLink()) {
      const target = await symlinkTarget(root, entryPath);
      if (target) {
        files.push(localFile(relativePath, target));
      }
    } else if (entry.isFile()) {
      files.push(localFile(relativePath, entryPath));
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

/**
 * Synchronous stat: nothing else runs while the files are listed, and for
 * thousands of files the promise of each asynchronous stat costs more than
 * the stat itself.
 */
function localFile(relativePath: string, readFrom: string): LocalFile {
  return { absolutePath: readFrom, relativePath, size: statSync(readFrom).size };
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

/** Content-Type by extension; add yours here. Anything else is application/octet-stream. */
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

/**
 * Cache-Control by path (relative to UPLOAD_DIR): the first rule whose test
 * matches wins. Edit these to suit your site, e.g. a rule for `/^assets\//`
 * if your bundler puts only hashed files there.
 */
const CACHE_RULES: readonly { test: (relativePath: string) => boolean; cacheControl: string }[] = [
  // Pages name the hashed assets; browsers must always revalidate them.
  { test: (file) => /\.html?$/i.test(file), cacheControl: 'no-cache' },
  { test: (file) => CONTENT_HASH.test(path.posix.basename(file)), cacheControl: 'public, max-age=31536000, immutable' },
  { test: () => true, cacheControl: 'public, max-age=300' },
];

function cacheControl(relativePath: string): string {
  return CACHE_RULES.find((rule) => rule.test(relativePath))?.cacheControl ?? 'no-cache';
}

// ---------------------------------------------------------------------------
// Uploading
// ---------------------------------------------------------------------------

interface UploadedObject {
  key: string;
  size: number;
  contentType: string;
  cacheControl: string;
  /**
   * CRC32 of the whole object (base64, as S3 reports it): S3 checked it on
   * arrival and keeps it, so a later step can compare it with
   * `aws s3api head-object --checksum-mode ENABLED` without downloading the
   * object. (The ETag is not a content hash for multipart uploads.)
   */
  crc32: string;
  /** Hex SHA-256 of the file, when UPLOAD_SHA256=1. */
  sha256?: string;
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

/** Idle time on the socket, not the request's duration: a stalled connection fails and is retried instead of hanging the build. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Where the requests go, and the credentials they are signed with. */
interface Access {
  endpoint: URL;
  credentials: () => Promise<Credentials>;
  /** For the log: where the credentials come from. */
  source: string;
  close(): void;
}

/**
 * The credentials and endpoint of the AWS SDK's rules: its default
 * credential chain (which reads AWS_SHARED_CREDENTIALS_FILE, where the
 * Dockerfile points at the BuildKit secret, and refreshes credentials that
 * expire) and its S3 endpoint rules (virtual-hosted or path-style, FIPS,
 * dual-stack). In the plain cases (see sdk-shortcut.ts: static keys, no
 * profile settings, a bucket name without dots) both answers are known
 * without loading the SDK; otherwise its S3 client is loaded for them. That
 * client sends no request: S3Writer does.
 */
async function resolveAccess(config: Config): Promise<Access> {
  const readText = (file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const plain = plainCredentials(process.env, readText);
  const endpoint = plainEndpoint({ bucket: config.bucket, region: config.region, endpoint: config.endpoint }, process.env, readText);
  if (plain && endpoint) {
    const { credentials } = plain;
    return { endpoint, credentials: async () => credentials, source: plain.source, close: () => undefined };
  }
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: config.region, forcePathStyle: config.endpoint !== undefined });
  try {
    const resolved = client.config.endpointProvider({
      Bucket: config.bucket,
      Region: config.region,
      ForcePathStyle: config.endpoint !== undefined,
      Endpoint: config.endpoint,
      UseFIPS: await client.config.useFipsEndpoint(),
      UseDualStack: await client.config.useDualstackEndpoint(),
      Accelerate: false,
    });
    return {
      endpoint: new URL(resolved.url.href),
      credentials: () => client.config.credentials(),
      source: "the AWS SDK's default credential chain",
      close: () => client.destroy(),
    };
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/**
 * Files up to this size are read synchronously: from the page cache that takes
 * microseconds, less than the promise machinery of an asynchronous read.
 */
const SYNC_READ_MAX = MiB;

/**
 * Buffers for request bodies (files read whole, and multipart parts), shared
 * by every lane. A buffer goes back as soon as the socket has taken its bytes,
 * while its request still waits for S3's answer, and lanes take turns to read
 * and send (see uploadAll): so thousands of files go through a few buffers,
 * already mapped and warm in the CPU's caches, rather than one per request in
 * flight. The bytes are read again for a retry (FileBody).
 */
class BodyPool {
  private readonly free: Buffer[] = [];

  /** A buffer of at least `size` bytes: the last one given back that is large enough, or a new one. */
  take(size: number): Buffer {
    for (let index = this.free.length - 1; index >= 0; index--) {
      const buffer = this.free[index] as Buffer;
      if (buffer.length >= size) {
        this.free.splice(index, 1);
        return buffer;
      }
    }
    return Buffer.allocUnsafe(Math.max(size, 64 * 1024));
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }
}

/** A request body for one try, and what to call once the socket has taken (or dropped) its bytes. */
interface BodyForTry {
  bytes: Buffer;
  written?: () => void;
}

/** Where a body's bytes come from: `readInto` fills the start of a buffer of at least `capacity` bytes and returns them. */
interface BodySource {
  capacity: number;
  readInto(buffer: Buffer): Promise<Buffer>;
  file: LocalFile;
}

/**
 * A file's bytes, or a part's, as the body of a PUT. The first try sends the
 * bytes read for the checksum; each retry reads them again, into a buffer of
 * its own, and refuses them if they no longer have that checksum. Each try's
 * buffer goes back to the pool once the socket has taken it.
 */
class FileBody {
  private constructor(
    private readonly source: BodySource,
    private readonly pool: BodyPool,
    private firstTry: BodyForTry | undefined,
    readonly crc32: number,
  ) {}

  static async read(source: BodySource, pool: BodyPool): Promise<FileBody> {
    const firstTry = await readPooled(source, pool);
    return new FileBody(source, pool, firstTry, crc32(firstTry.bytes));
  }

  /** The bytes as first read, for a digest (before the first try, whose buffer may then be reused). */
  get firstBytes(): Buffer {
    if (!this.firstTry) {
      throw new Error('FileBody.firstBytes after the first try');
    }
    return this.firstTry.bytes;
  }

  async forTry(): Promise<BodyForTry> {
    const first = this.firstTry;
    if (first) {
      this.firstTry = undefined;
      return first;
    }
    const again = await readPooled(this.source, this.pool);
    if (crc32(again.bytes) !== this.crc32) {
      again.written();
      throw new Error(`${this.source.file.relativePath} changed while it was being uploaded: upload once the build has finished writing it`);
    }
    return again;
  }
}

/** Reads `source` into a buffer of `pool`; `written` gives the buffer back. */
async function readPooled(source: BodySource, pool: BodyPool): Promise<{ bytes: Buffer; written: () => void }> {
  const buffer = pool.take(source.capacity);
  try {
    return { bytes: await source.readInto(buffer), written: () => pool.give(buffer) };
  } catch (error) {
    pool.give(buffer);
    throw error;
  }
}

/**
 * A lane's side of the run's first request, which goes alone: if the
 * credentials, bucket or endpoint are wrong, that is one failed request
 * (with its retries) rather than one per lane.
 */
interface FirstRequest {
  /** Resolves when the lane may read and send its file: false when the run has stopped. */
  ready(): Promise<boolean>;
  /** Wraps each request: the first one's answer lets the other lanes send, and an error no file can get past stops the run. */
  gate<T>(request: Promise<T>): Promise<T>;
}

/**
 * A file no larger than one part goes as one PUT from memory, with its CRC32
 * in a signed x-amz-checksum-crc32 header: S3 rejects a body that does not
 * match it. Undefined when the run stopped before the lane's turn came (see
 * FirstRequest).
 */
async function putSmallFile(
  s3: S3Writer,
  config: Config,
  file: LocalFile,
  object: ObjectMetadata,
  bodies: BodyPool,
  first: FirstRequest,
): Promise<UploadedObject | undefined> {
  if (!(await first.ready())) {
    return undefined;
  }
  const body = await FileBody.read({ file, capacity: file.size + 1, readInto: (buffer) => readWhole(file, buffer) }, bodies);
  const checksum = crc32Base64(body.crc32);
  const sha256 = config.sha256 ? createHash('sha256').update(body.firstBytes).digest('hex') : undefined;
  const etag = await first.gate(s3.putObject(object, body, checksum));
  return { ...object, size: file.size, crc32: checksum, ...(sha256 && { sha256 }), etag };
}

/**
 * Reads the whole of `file` into `buffer` (one byte larger than the listed
 * size, to notice a file that grew) and returns the part that holds it.
 */
async function readWhole(file: LocalFile, buffer: Buffer): Promise<Buffer> {
  const wanted = file.size + 1;
  let filled = 0;
  if (file.size <= SYNC_READ_MAX) {
    const fd = openSync(file.absolutePath, 'r');
    try {
      for (let read = -1; read !== 0 && filled < wanted; filled += read) {
        read = readSync(fd, buffer, filled, wanted - filled, filled);
      }
    } finally {
      closeSync(fd);
    }
  } else {
    const handle = await open(file.absolutePath, 'r');
    try {
      for (let read = -1; read !== 0 && filled < wanted; filled += read) {
        ({ bytesRead: read } = await handle.read(buffer, filled, wanted - filled, filled));
      }
    } finally {
      await handle.close();
    }
  }
  if (filled !== file.size) {
    throw new Error(`${file.relativePath} changed while it was being uploaded (listed with ${file.size} bytes): upload once the build has finished writing it`);
  }
  return buffer.subarray(0, filled);
}

// ---------------------------------------------------------------------------
// S3 requests without the SDK's client
// ---------------------------------------------------------------------------

/** An error response from S3, named after its <Code> (e.g. SlowDown, ExpiredToken) as the SDK names its errors. */
class S3ResponseError extends Error {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    /** RequestTimeTooSkewed after the clock was corrected: the next try is signed right. */
    readonly clockCorrected = false,
  ) {
    super(message);
    this.name = code;
  }
}

/** Node's codes for a connection that broke or timed out: the request is sent again. */
const TRANSIENT_NETWORK_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPROTO']);

/** S3 error codes worth a retry although their status is below 500. */
const RETRYABLE_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestLimitExceeded']);

function isRetryable(error: unknown): boolean {
  if (error instanceof S3ResponseError) {
    return error.status >= 500 || error.status === 429 || RETRYABLE_CODES.has(error.name) || error.clockCorrected;
  }
  return TRANSIENT_NETWORK_ERRORS.has(errorCode(error) ?? '');
}

/**
 * The AWS SDKs' retry quota (standard mode): a retry spends tokens, a
 * success gives some back. While S3 answers most requests, every failure
 * gets its retries; when it fails nearly everything, the quota runs out and
 * requests fail at their first error instead of each making
 * UPLOAD_MAX_ATTEMPTS tries.
 */
class RetryQuota {
  private static readonly CAPACITY = 500;
  private static readonly RETRY_COST = 5;
  private static readonly TIMEOUT_COST = 10;
  private tokens = RetryQuota.CAPACITY;

  /** Tokens taken for retrying after `error`, or 0 when the quota is spent. */
  take(error: unknown): number {
    const cost = errorCode(error) === 'ETIMEDOUT' ? RetryQuota.TIMEOUT_COST : RetryQuota.RETRY_COST;
    if (this.tokens < cost) {
      return 0;
    }
    this.tokens -= cost;
    return cost;
  }

  /** A request succeeded after spending `spent` tokens on retries (0: at its first try). */
  succeeded(spent: number): void {
    this.tokens = Math.min(RetryQuota.CAPACITY, this.tokens + (spent > 0 ? spent : 1));
  }
}

/** Local clock error beyond which S3 refuses a signature (RequestTimeTooSkewed). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Every request of the upload: PutObject, and CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload and AbortMultipartUpload, signed with
 * SigV4 (s3-http.ts) with the credentials resolveAccess() found (from the
 * SDK, they are cached by it and refreshed before they expire), sent over keep-alive
 * connections of their own. Each file's bytes go with their CRC32 in a signed header.
 *
 * Retries follow the SDK's standard mode: up to UPLOAD_MAX_ATTEMPTS tries
 * with exponential backoff and full jitter for 5xx, throttling and broken
 * connections, within a shared retry quota; any other 4xx (bad credentials,
 * no such bucket) fails at once. A clock that is off by more than S3 allows
 * is corrected from S3's Date header, as the SDK does.
 */
class S3Writer {
  private readonly quota = new RetryQuota();

  private constructor(
    private readonly endpoint: URL,
    private readonly pool: ConnectionPool,
    private readonly signer: SigV4,
    private readonly credentials: () => Promise<Credentials>,
    private readonly maxAttempts: number,
  ) {}

  static create(access: Access, config: Config): S3Writer {
    const { endpoint, credentials } = access;
    return new S3Writer(endpoint, new ConnectionPool(endpoint, REQUEST_TIMEOUT_MS), new SigV4(config.region), credentials, config.maxAttempts);
  }

  /** Settles once the first request's bytes have been handed to the network (see ConnectionPool.firstSent). */
  firstRequestSent(): Promise<void> {
    return this.pool.firstSent;
  }

  /** Opens the connections that `requests` requests in flight will use, ahead of them (see ConnectionPool.prepare). */
  prepareConnections(requests: number): void {
    this.pool.prepare(requests);
  }

  /** PutObject: `body` as `object`, with its CRC32 (base64), Content-Type and Cache-Control; returns the ETag. */
  async putObject(object: ObjectMetadata, body: FileBody, crc32: string): Promise<string | undefined> {
    const response = await this.request('PUT', object.key, '', body, UNSIGNED_PAYLOAD, { 'content-type': object.contentType, ...checksumHeaders(crc32) }, object.cacheControl);
    return unquote(response.headers['etag']);
  }

  /**
   * CreateMultipartUpload, as an upload whose checksum is the CRC32 of the
   * whole object (FULL_OBJECT), which S3 checks at completion; returns the UploadId.
   */
  async createMultipartUpload(object: ObjectMetadata): Promise<string> {
    const response = await this.request('POST', object.key, 'uploads=', EMPTY, EMPTY_SHA256, {
      'content-type': object.contentType,
      'x-amz-checksum-algorithm': 'CRC32',
      'x-amz-checksum-type': 'FULL_OBJECT',
    }, object.cacheControl);
    const uploadId = xmlField(response.body, 'UploadId');
    if (!uploadId) {
      throw new Error(`CreateMultipartUpload for ${object.key} returned no UploadId`);
    }
    return uploadId;
  }

  /** UploadPart: part `partNumber` of the multipart upload `uploadId`, with its CRC32; returns the part's ETag, quotes kept for the completion. */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: FileBody, crc32: string): Promise<string> {
    // The canonical query string: names sorted, values encoded as in a path segment.
    const response = await this.request('PUT', key, `partNumber=${partNumber}&uploadId=${uriEncode(uploadId)}`, body, UNSIGNED_PAYLOAD, checksumHeaders(crc32));
    const etag = response.headers['etag'];
    if (!etag) {
      throw new Error(`UploadPart ${partNumber} of ${key} returned no ETag`);
    }
    return etag;
  }

  /** CompleteMultipartUpload with the parts in order and the whole object's CRC32; returns the object's ETag. */
  async completeMultipartUpload(key: string, uploadId: string, parts: readonly { etag: string; crc32: string }[], crc32: string): Promise<string | undefined> {
    const xml =
      '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      parts.map((part, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${escapeXml(part.etag)}</ETag><ChecksumCRC32>${part.crc32}</ChecksumCRC32></Part>`).join('') +
      '</CompleteMultipartUpload>';
    const body = Buffer.from(xml);
    const response = await this.request('POST', key, `uploadId=${uriEncode(uploadId)}`, body, createHash('sha256').update(body).digest('hex'), {
      'content-type': 'application/xml',
      'x-amz-checksum-crc32': crc32,
      'x-amz-checksum-type': 'FULL_OBJECT',
    });
    return unquote(xmlField(response.body, 'ETag'));
  }

  /** AbortMultipartUpload: S3 drops the parts it holds. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.request('DELETE', key, `uploadId=${uriEncode(uploadId)}`, EMPTY, EMPTY_SHA256, {});
  }

  /** Destroys the connections, so that the process can exit. */
  close(): void {
    this.pool.destroy();
  }

  /** Sends one request, with retries; returns the answer (2xx) or throws an S3ResponseError. */
  private async request(
    method: string,
    key: string,
    query: string,
    body: Buffer | FileBody,
    payloadHash: string,
    signedHeaders: Record<string, string>,
    cacheControl?: string,
  ): Promise<{ headers: Record<string, string>; body: string }> {
    const path = `${this.endpoint.pathname.replace(/\/$/, '')}/${encodeKey(key)}`;
    let spent = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.send(method, path, query, body, payloadHash, signedHeaders, cacheControl);
        this.quota.succeeded(spent);
        return response;
      } catch (error) {
        const cost = attempt < this.maxAttempts && isRetryable(error) ? this.quota.take(error) : 0;
        if (cost === 0) {
          throw error;
        }
        spent += cost;
        // Full jitter over 100 ms x 2^attempt, at most 20 s, as the SDK's standard retry mode.
        await sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
      }
    }
  }

  private async send(
    method: string,
    path: string,
    query: string,
    body: Buffer | FileBody,
    payloadHash: string,
    signedHeaders: Record<string, string>,
    cacheControl: string | undefined,
  ): Promise<{ headers: Record<string, string>; body: string }> {
    const { bytes, written } = Buffer.isBuffer(body) ? { bytes: body, written: undefined } : await body.forTry();
    const headers: Record<string, string> = { host: this.endpoint.host, 'content-length': String(bytes.length), ...signedHeaders };
    // Signed again on each try: the signature carries the time.
    this.signer.sign(await this.credentials(), method, path, query, headers, payloadHash);
    if (cacheControl !== undefined) {
      // Not signed, as the SDK does not sign it: caches and proxies may rewrite Cache-Control.
      headers['cache-control'] = cacheControl;
    }
    const response = await this.pool.request(requestHead(method, query ? `${path}?${query}` : path, headers), bytes, written);
    const text = response.body.length > 0 ? response.body.toString('utf8') : '';
    // CompleteMultipartUpload can fail after its 200 status line has gone out: the error is then in the body.
    if (response.status >= 200 && response.status < 300 && !text.includes('<Error>')) {
      return { headers: response.headers, body: text };
    }
    const error = responseError(response.status < 300 ? 500 : response.status, text);
    if (this.learnClockOffset(response.headers['date']) && error.name === 'RequestTimeTooSkewed') {
      throw new S3ResponseError(error.name, error.message, error.status, true);
    }
    throw error;
  }

  /** Adopts the server's clock when ours is off by more than S3 allows; true when it changed. */
  private learnClockOffset(date: string | undefined): boolean {
    const serverTime = date ? Date.parse(date) : Number.NaN;
    const offset = serverTime - Date.now();
    if (Number.isNaN(serverTime) || Math.abs(offset - this.signer.clockOffsetMs) < MAX_CLOCK_SKEW_MS) {
      return false;
    }
    this.signer.clockOffsetMs = offset;
    return true;
  }
}

/** The S3 error in an XML error body, e.g. <Error><Code>SlowDown</Code><Message>...</Message></Error>. */
function responseError(status: number, xml: string): S3ResponseError {
  return new S3ResponseError(xmlField(xml, 'Code') ?? `Http${status}`, xmlField(xml, 'Message') ?? `HTTP ${status}`, status);
}

/** The text of the first <name> element in an S3 answer, entities decoded. */
function xmlField(xml: string, name: string): string | undefined {
  const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return text?.replace(/&(?:(quot|apos|lt|gt|amp)|#(\d+)|#x([0-9a-f]+));/gi, (entity, name?: string, decimal?: string, hex?: string) => {
    if (name) {
      return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[name.toLowerCase()] ?? entity;
    }
    return String.fromCodePoint(decimal ? Number(decimal) : Number.parseInt(hex as string, 16));
  });
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An ETag without its quotes, as the manifest records it. */
function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
}

/**
 * The body's CRC32, signed: S3 verifies it and rejects a body that does not
 * match, so the payload itself goes as UNSIGNED-PAYLOAD rather than with a
 * SHA-256 over the same bytes (TLS protects it on the way to AWS).
 */
function checksumHeaders(crc32: string): Record<string, string> {
  // x-amz-sdk-checksum-algorithm as the SDK sends it; some S3-compatible servers keep the checksum only with it.
  return { 'x-amz-checksum-crc32': crc32, 'x-amz-sdk-checksum-algorithm': 'CRC32' };
}

const EMPTY = Buffer.alloc(0);
/** SHA-256 of an empty body, the payload hash of requests without one. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * S3 allows at most 10,000 parts, so a very large file gets parts larger
 * than UPLOAD_PART_SIZE_MIB (rounded up to whole MiB).
 */
const MAX_PARTS = 10_000;

function partSizeFor(config: Config, fileSize: number): number {
  return Math.max(config.partSize, Math.ceil(fileSize / MAX_PARTS / MiB) * MiB);
}

/** Multipart uploads created and not yet completed or aborted, for a cancelled run to abort. */
const openMultipartUploads = new Set<{ key: string; uploadId: string }>();

/**
 * A cancelled run (Ctrl-C, or SIGTERM from whatever runs the build) aborts the
 * multipart uploads it started: S3 keeps, and bills, the parts of an
 * incomplete upload until it is aborted. SIGKILL cannot be handled; a
 * lifecycle rule (AbortIncompleteMultipartUpload) on the bucket covers that.
 */
function abortOpenUploadsOnSignal(s3: S3Writer): void {
  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    process.once(signal, () => {
      const uploads = [...openMultipartUploads];
      flushLog();
      console.error(`${signal}: stopping; aborting ${uploads.length} multipart upload(s) in progress`);
      void Promise.allSettled(uploads.map((upload) => s3.abortMultipartUpload(upload.key, upload.uploadId))).then((results) => {
        results.forEach((outcome, index) => {
          if (outcome.status === 'rejected') {
            console.error(`could not abort the multipart upload of ${uploads[index]?.key} (${describeError(outcome.reason)}): delete it, or let a lifecycle rule do so`);
          }
        });
        process.exit(exitCode);
      });
    });
  }
}

/**
 * A larger file goes as a multipart upload with up to `queueSize` parts in
 * flight, sent like a single PutObject (see S3Writer). Each byte is read
 * once (again only for a retry, see FileBody), into a buffer of the pool, and
 * hashed with CRC32 (zlib, several GB/s) once:
 *
 * - each part carries its CRC32 in a signed x-amz-checksum-crc32 header; S3
 *   verifies it and rejects a part that does not match, so the part's
 *   payload goes as UNSIGNED-PAYLOAD rather than with a SHA-256 over the
 *   same bytes (TLS protects it on the way to AWS);
 * - the upload is a FULL_OBJECT checksum upload: the CRC32 of the whole file,
 *   combined from the parts' CRC32s without reading anything again, goes
 *   with CompleteMultipartUpload, S3 checks it against the parts it holds and
 *   keeps it as the object's checksum, as for a single PutObject.
 *
 * On any failure the upload is aborted once the parts in flight have
 * settled, so that no billed, invisible parts are left behind.
 */
async function putLargeFile(
  s3: S3Writer,
  config: Config,
  file: LocalFile,
  object: ObjectMetadata,
  bodies: BodyPool,
  first: FirstRequest,
  onBytes: (bytes: number) => void,
): Promise<UploadedObject | undefined> {
  if (!(await first.ready())) {
    return undefined;
  }
  const handle = await open(file.absolutePath, 'r');
  try {
    const upload = { key: object.key, uploadId: await first.gate(s3.createMultipartUpload(object)) };
    openMultipartUploads.add(upload);
    try {
      const { parts, crc32: whole, sha256 } = await uploadParts(s3, config, handle, file, upload, bodies, onBytes);
      const checksum = crc32Base64(whole);
      const etag = await s3.completeMultipartUpload(upload.key, upload.uploadId, parts, checksum);
      return { ...object, crc32: checksum, ...(sha256 && { sha256 }), etag };
    } catch (error) {
      await s3.abortMultipartUpload(upload.key, upload.uploadId).catch((abortError: unknown) => {
        console.error(`could not abort the multipart upload of ${object.key} (${describeError(abortError)}): delete it, or let a lifecycle rule do so`);
      });
      throw error;
    } finally {
      openMultipartUploads.delete(upload);
    }
  } finally {
    await handle.close();
  }
}

interface UploadedPart {
  etag: string;
  /** Base64, as S3 takes it. */
  crc32: string;
  crcValue: number;
  length: number;
}

/** Uploads every part of `file`; returns them in order with the whole file's CRC32 (and SHA-256 when asked for). */
async function uploadParts(
  s3: S3Writer,
  config: Config,
  handle: FileHandle,
  file: LocalFile,
  upload: { key: string; uploadId: string },
  bodies: BodyPool,
  onBytes: (bytes: number) => void,
): Promise<{ parts: UploadedPart[]; crc32: number; sha256: string | undefined }> {
  const partSize = partSizeFor(config, file.size);
  const partCount = Math.ceil(file.size / partSize);
  const wholeFile = config.sha256 ? createHash('sha256') : undefined;
  const parts: UploadedPart[] = [];
  let nextPart = 1;
  let failed = false;
  // Parts are read one after the other, in order (the SHA-256, when asked
  // for, needs them so); while one part is read, the others are on the wire.
  let reading: Promise<unknown> = Promise.resolve();

  const lane = async (): Promise<void> => {
    while (!failed && nextPart <= partCount) {
      const partNumber = nextPart++;
      const offset = (partNumber - 1) * partSize;
      const length = Math.min(partSize, file.size - offset);
      const read = reading.then(async () => {
        const body = await FileBody.read({ file, capacity: length, readInto: (buffer) => readFully(handle, buffer, length, offset, file) }, bodies);
        wholeFile?.update(body.firstBytes);
        return body;
      });
      reading = read.catch(() => undefined);
      const body = await read;
      const checksum = crc32Base64(body.crc32);
      const etag = await s3.uploadPart(upload.key, upload.uploadId, partNumber, body, checksum);
      parts[partNumber - 1] = { etag, crc32: checksum, crcValue: body.crc32, length };
      onBytes(length);
    }
  };
  const lanes = Array.from({ length: Math.min(config.queueSize, partCount) }, () =>
    lane().catch((error: unknown) => {
      failed = true; // the other lanes start no new part
      throw error;
    }),
  );
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejected) {
    throw rejected.reason;
  }
  const whole = parts.reduce((crc, part) => crc32Combine(crc, part.crcValue, part.length), 0);
  return { parts, crc32: whole, sha256: wholeFile?.digest('hex') };
}

/** Reads `length` bytes at `offset` into the start of `buffer`; a file that shrank is an error, not a short part. */
async function readFully(handle: FileHandle, buffer: Buffer, length: number, offset: number, file: LocalFile): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) {
      throw new Error(`${file.relativePath} shrank while it was being uploaded (expected ${file.size} bytes)`);
    }
    filled += bytesRead;
  }
  return buffer.subarray(0, length);
}

/** A CRC32 as S3 writes it (x-amz-checksum-crc32): the 4 bytes, big-endian, in base64. */
function crc32Base64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc);
  return bytes.toString('base64');
}

/** The CRC32 polynomial, reflected, as zlib uses it. */
const CRC32_POLY = 0xedb88320;

/** a(x) * b(x) modulo the CRC32 polynomial: zlib's multmodp. */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
    if (a & bit) {
      product ^= b;
    }
    b = b & 1 ? (b >>> 1) ^ CRC32_POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0..31: zlib's x2n_table. */
const X2N: readonly number[] = (() => {
  const table = [0x40000000]; // x^1
  for (let k = 1; k < 32; k++) {
    table.push(multModP(table[k - 1] as number, table[k - 1] as number));
  }
  return table;
})();

/**
 * The CRC32 of A followed by B from crc32(A), crc32(B) and B's length, as
 * zlib's crc32_combine: the whole file's CRC32 without a second pass over it.
 */
function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  // x^(8 * lengthB): one factor x^(2^k) per bit k of the length in bits.
  let factor = 0x80000000; // x^0
  for (let k = 3, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) {
      factor = multModP(X2N[k % 32] as number, factor);
    }
  }
  return (multModP(factor, crcA) ^ crcB) >>> 0;
}

type ObjectMetadata = Omit<UploadedObject, 'crc32' | 'sha256' | 'etag'>;

function metadata(config: Config, file: LocalFile): ObjectMetadata {
  return {
    key: config.prefix + file.relativePath,
    size: file.size,
    contentType: contentType(file.relativePath),
    cacheControl: cacheControl(file.relativePath),
  };
}

/**
 * Lines for stdout, written a batch at a time: with thousands of small files,
 * a write per line costs a good share of the CPU of their uploads.
 */
const pendingLines: string[] = [];
let flushTimer: NodeJS.Timeout | undefined;

function logLine(line: string): void {
  pendingLines.push(line);
  flushTimer ??= setTimeout(flushLog, 250).unref();
}

/** Writes the pending lines; called before anything goes to stderr, so that the two stay in order. */
function flushLog(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pendingLines.length > 0) {
    process.stdout.write(`${pendingLines.join('\n')}\n`);
    pendingLines.length = 0;
  }
}

/** Files, bytes and rate so far, printed as plain lines (CI logs do not render progress bars). */
class Progress {
  private filesDone = 0;
  private bytesDone = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly totalFiles: number,
    private readonly totalBytes: number,
  ) {}

  start(everySeconds: number): void {
    if (everySeconds > 0) {
      this.timer = setInterval(() => logLine(`progress: ${this.line()}`), everySeconds * 1000);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  addBytes(bytes: number): void {
    this.bytesDone += bytes;
  }

  addFile(): void {
    this.filesDone += 1;
  }

  seconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  line(): string {
    const seconds = Math.max(this.seconds(), 0.001);
    return (
      `${this.filesDone}/${this.totalFiles} files, ${formatBytes(this.bytesDone)}/${formatBytes(this.totalBytes)}, ` +
      `${(this.filesDone / seconds).toFixed(1)} files/s, ${formatBytes(this.bytesDone / seconds)}/s`
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${Math.round(bytes)} B`;
  }
  if (bytes < MiB) {
    return `${(bytes / 1024).toFixed(1)} KiB`;
  }
  if (bytes < 1024 * MiB) {
    return `${(bytes / MiB).toFixed(1)} MiB`;
  }
  return `${(bytes / 1024 / MiB).toFixed(2)} GiB`;
}

interface RunResult {
  uploaded: UploadedObject[];
  failed: FailedFile[];
  fatal: FatalError | undefined;
}

/**
 * Which file a free lane takes next. Large files go first (the longest jobs
 * should not start last), but only `maxLarge` at once: each holds up to
 * `queueSize` parts in memory and on the wire. Small files fill the other lanes.
 */
class Schedule {
  private readonly large: LocalFile[];
  private readonly small: LocalFile[];
  private largeInFlight = 0;
  private readonly maxLarge: number;

  constructor(files: readonly LocalFile[], config: Config) {
    this.large = files.filter((file) => file.size > config.partSize).sort((a, b) => b.size - a.size);
    this.small = files.filter((file) => file.size <= config.partSize).reverse();
    this.large.reverse(); // pop() takes from the end
    if (this.large.length === 0) {
      // The run's first request is then a PutObject that every other lane
      // waits for (see FirstRequest): the smallest file's is answered soonest.
      this.small.push(...this.small.splice(indexOfSmallest(this.small), 1));
    }
    this.maxLarge = Math.max(1, Math.floor(config.concurrency / config.queueSize));
  }

  /** The next file this lane may take, or undefined when it has nothing to do. */
  take(): { file: LocalFile; large: boolean } | undefined {
    if (this.large.length > 0 && this.largeInFlight < this.maxLarge) {
      this.largeInFlight += 1;
      return { file: this.large.pop() as LocalFile, large: true };
    }
    const file = this.small.pop();
    return file ? { file, large: false } : undefined;
  }

  doneLarge(): void {
    this.largeInFlight -= 1;
  }
}

/** The index of the smallest of `files` (the first of equals); 0 when there are none. */
function indexOfSmallest(files: readonly LocalFile[]): number {
  let smallest = 0;
  files.forEach((file, index) => {
    if (file.size < (files[smallest] as LocalFile).size) {
      smallest = index;
    }
  });
  return smallest;
}

/** How many requests the lanes will have in flight at most: one per small file, up to UPLOAD_QUEUE_SIZE parts per large one. */
function requestsInFlight(config: Config, files: readonly LocalFile[]): number {
  let requests = 0;
  for (const file of files) {
    requests += file.size > config.partSize ? Math.min(config.queueSize, Math.ceil(file.size / partSizeFor(config, file.size))) : 1;
    if (requests >= config.concurrency) {
      return config.concurrency;
    }
  }
  return requests;
}

async function uploadAll(
  s3: S3Writer,
  config: Config,
  files: readonly LocalFile[],
  progress: Progress,
): Promise<RunResult> {
  const result: RunResult = { uploaded: [], failed: [], fatal: undefined };
  const schedule = new Schedule(files, config);
  let stopping = false;

  // The first request goes alone (see FirstRequest). For a multipart upload
  // it is CreateMultipartUpload.
  let answered = false;
  let firstSettled: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    firstSettled = () => {
      answered = true;
      resolve();
    };
  });
  const gate = async <T>(request: Promise<T>): Promise<T> => {
    try {
      return await request;
    } catch (error) {
      if (explainFatal(error, config)) {
        stopping = true; // before any waiting lane resumes
      }
      throw error;
    } finally {
      firstSettled();
    }
  };

  // The first lane sends at once; every other lane waits for the first
  // request's answer, then each in a task of its own, so that one lane reads
  // and sends its file before the next reads (they share the body buffers).
  const firstLane: FirstRequest = { ready: async () => !stopping, gate };
  const otherLanes: FirstRequest = {
    ready: async () => {
      if (!answered) {
        await first;
        await nextTurn();
      }
      return !stopping;
    },
    gate,
  };
  const bodies = new BodyPool();

  const uploadOne = async (file: LocalFile, large: boolean, turn: FirstRequest): Promise<void> => {
    const object = metadata(config, file);
    try {
      const uploaded = large
        ? await putLargeFile(s3, config, file, object, bodies, turn, (bytes) => progress.addBytes(bytes))
        : await putSmallFile(s3, config, file, object, bodies, turn);
      if (!uploaded) {
        return; // Not sent: the first request stopped the run.
      }
      if (!large) {
        progress.addBytes(uploaded.size);
      }
      progress.addFile();
      result.uploaded.push(uploaded);
      logLine(`uploaded ${uploaded.key} (${uploaded.size} bytes)`);
    } catch (error) {
      if (result.fatal) {
        return; // Was in flight when the run stopped: counted as not uploaded.
      }
      const explanation = explainFatal(error, config);
      if (explanation) {
        // Every other file would fail the same way.
        stopping = true;
        result.fatal = { file, explanation };
        return;
      }
      result.failed.push({ file, reason: describeError(error) });
      flushLog();
      console.error(`FAILED ${object.key}: ${describeError(error)}`);
    }
  };

  // After a fatal error no new file starts. The few already in flight are
  // left to settle rather than cut off: destroying their connections would
  // only make them retry on a reset connection, which is the storm we want
  // to avoid (a multipart upload cut off this way still aborts itself).
  const lane = async (turn: FirstRequest): Promise<void> => {
    for (let job = schedule.take(); job && !stopping; job = schedule.take()) {
      await uploadOne(job.file, job.large, turn);
      if (job.large) {
        schedule.doneLarge();
      }
    }
  };
  const lanes = [lane(firstLane)];
  // The other lanes, and the connections they will use, start once the first
  // request has gone out (or failed), so that they do not hold it up.
  await Promise.race([s3.firstRequestSent(), first]);
  s3.prepareConnections(requestsInFlight(config, files));
  for (let index = 1; index < Math.min(config.concurrency, files.length); index++) {
    lanes.push(lane(otherLanes));
  }
  await Promise.all(lanes);
  return result;
}

/**
 * Resolves in the check phase of the event loop, after pending I/O; the
 * promise jobs queued meanwhile run before the next such callback.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
 * Node's codes for "the endpoint cannot be reached at all". The request has
 * already been retried, so every other file would only repeat that.
 */
const NETWORK_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

/** Node's codes for a server certificate it does not trust: no retry or other file would do better. */
const TLS_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

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
  const code = errorCode(error) ?? '';
  const where = config.endpoint ?? `the S3 endpoint of ${config.region}`;
  if (NETWORK_ERRORS.has(code)) {
    return `Cannot reach ${where} (${describeError(error)}): check the build's network access${config.endpoint ? ' and AWS_ENDPOINT_URL(_S3)' : ''}.`;
  }
  if (TLS_ERRORS.has(code) || code.startsWith('ERR_TLS_')) {
    return (
      `The TLS certificate of ${where} was not accepted (${code}: ${error instanceof Error ? error.message : String(error)}): check ` +
      `${config.endpoint ? 'AWS_ENDPOINT_URL(_S3) and ' : ''}the build's proxy; a private certificate authority goes in NODE_EXTRA_CA_CERTS.`
    );
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
  const config = readConfig();
  const files = await listFiles(config.uploadDir);
  await checkManifestDir(config.manifestPath);
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const via = config.endpoint ? ` via ${config.endpoint}` : '';
  console.log(
    `uploading ${files.length} files (${totalBytes} bytes) from ${config.uploadDir} to s3://${config.bucket}/${config.prefix}${via}, ` +
      `${config.concurrency} requests at a time, multipart above ${config.partSize / MiB} MiB`,
  );

  const access = await resolveAccess(config);
  console.log(`credentials: ${access.source}; endpoint: ${access.endpoint.href}`);
  const progress = new Progress(files.length, totalBytes);
  let result: RunResult;
  let s3: S3Writer | undefined;
  try {
    s3 = S3Writer.create(access, config);
    abortOpenUploadsOnSignal(s3);
    progress.start(config.progressSeconds);
    result = await uploadAll(s3, config, files, progress);
  } finally {
    progress.stop();
    flushLog();
    // Close keep-alive sockets so the process can exit.
    s3?.close();
    access.close();
  }

  if (result.fatal || result.failed.length > 0) {
    reportFailure(result, files.length);
    return 1;
  }
  await writeManifest(config, result.uploaded);
  console.log(`done: ${files.length} files, ${totalBytes} bytes in ${progress.seconds().toFixed(1)} s (${progress.line()}); manifest: ${config.manifestPath}`);
  return 0;
}

// A promise chain rather than top-level await, so that the script also compiles as CommonJS
// (an existing projen project that adds the KeylessBuild component may not be ESM).
main().then(
  (code) => {
    process.exitCode = code;
    // Everything is closed and written: exiting here saves the runtime's
    // teardown (about 4 ms), unless output is still queued for a slow reader.
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) {
      process.exit();
    }
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
