import type { CacheControlRule } from './cache-control.js';
import { SettingError } from './setting-error.js';
import { DEFAULT_UPLOAD_DIR, NUMBER_SETTINGS, type NumberSetting } from './settings.cjs';

/** What `uploadDirectory` takes. Only `bucket` and `region` are required. */
export interface UploadOptions {
  bucket: string;
  region: string;
  /** Directory to upload; default `public`. */
  dir?: string;
  /** Key prefix ("folder"); a trailing '/' is added and leading ones dropped. Default: none. */
  prefix?: string;
  /** Content-Type by extension (`.ext` -> type), merged over DEFAULT_CONTENT_TYPES. */
  contentTypes?: Readonly<Record<string, string>>;
  /** Cache-Control rules tried before DEFAULT_CACHE_CONTROL; the first match wins. */
  cacheControl?: readonly CacheControlRule[];
  /** An S3-compatible endpoint (addressed path-style). Default: the SDK's (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS). */
  endpoint?: string;
  /** Requests in flight at once (1-256, default 32). */
  concurrency?: number;
  /** Files larger than this go multipart, in parts of this size (5-512, default 8). */
  partSizeMiB?: number;
  /** Parts of one file in flight at once (1-64, default 4). */
  queueSize?: number;
  /** Tries per request, the first included (1-20, default 6). */
  maxAttempts?: number;
  /** Seconds between progress lines given to `log`; 0 for none (default 10). */
  progressSeconds?: number;
  /** Also record each file's SHA-256 (default false). */
  sha256?: boolean;
  /** Receives one line per uploaded file, warnings and progress lines. Default: no output. */
  log?: (line: string) => void;
  /** Stops the run: no new file starts, requests in flight are cancelled and open multipart uploads aborted. */
  signal?: AbortSignal;
}

/** How a check names each option in its message: the option itself, or the environment variable it came from. */
export type OptionLabels = Readonly<Record<'bucket' | 'region' | 'dir' | 'prefix' | keyof typeof NUMBER_SETTINGS, string>>;

const OPTION_LABELS: OptionLabels = {
  bucket: 'bucket',
  region: 'region',
  dir: 'dir',
  prefix: 'prefix',
  concurrency: 'concurrency',
  partSizeMiB: 'partSizeMiB',
  queueSize: 'queueSize',
  maxAttempts: 'maxAttempts',
  progressSeconds: 'progressSeconds',
  sha256: 'sha256',
};

export interface ResolvedOptions extends Required<Omit<UploadOptions, 'endpoint' | 'signal' | 'log'>> {
  endpoint: string | undefined;
  signal: AbortSignal | undefined;
  log: (line: string) => void;
}

/** Checks every option and fills in the defaults; a SettingError names the option (as `labels` calls it), its value and the fix. */
export function resolveOptions(options: UploadOptions, labels: OptionLabels = OPTION_LABELS): ResolvedOptions {
  const number = (name: keyof typeof NUMBER_SETTINGS, value: number | boolean | undefined): number =>
    checkWhole(labels[name], typeof value === 'boolean' ? Number(value) : value, NUMBER_SETTINGS[name]);
  return {
    bucket: checkBucket(labels.bucket, options.bucket),
    region: checkRegion(labels.region, options.region),
    dir: options.dir || DEFAULT_UPLOAD_DIR,
    prefix: checkPrefix(labels.prefix, options.prefix ?? ''),
    contentTypes: options.contentTypes ?? {},
    cacheControl: options.cacheControl ?? [],
    endpoint: options.endpoint,
    concurrency: number('concurrency', options.concurrency),
    partSizeMiB: number('partSizeMiB', options.partSizeMiB),
    queueSize: number('queueSize', options.queueSize),
    maxAttempts: number('maxAttempts', options.maxAttempts),
    progressSeconds: number('progressSeconds', options.progressSeconds),
    sha256: number('sha256', options.sha256) === 1,
    log: options.log ?? (() => undefined),
    signal: options.signal,
  };
}

/** A whole number in the setting's range; `value` may be the raw text of an environment variable. */
export function checkWhole(label: string, value: number | string | undefined, setting: NumberSetting): number {
  if (value === undefined) {
    return setting.default;
  }
  const text = String(value);
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < setting.min || number > setting.max) {
    throw new SettingError(
      `${label}="${text}" is invalid: use a whole number from ${setting.min} to ${setting.max}, or leave it unset for ${setting.default}.`,
    );
  }
  return number;
}

function checkBucket(label: string, bucket: string | undefined): string {
  if (!bucket) {
    throw new SettingError(`${label} is not set: pass the bucket name as a build arg (docker build --build-arg ${label}=my-bucket).`);
  }
  // A common slip is passing a URI or an ARN; S3 wants the bare name.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new SettingError(
      `${label}="${bucket}" is not a bucket name: use the bare name (3-63 characters: a-z, 0-9, '.', '-'), not an s3:// URI or an ARN.`,
    );
  }
  return bucket;
}

function checkRegion(label: string, region: string | undefined): string {
  if (!region) {
    throw new SettingError(`${label} is not set: pass the bucket's region as a build arg (e.g. --build-arg ${label}=ap-northeast-1).`);
  }
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(region)) {
    throw new SettingError(`${label}="${region}" does not look like a region: use a code such as ap-northeast-1.`);
  }
  return region;
}

/** '' or a prefix ending in '/', never starting with one. */
function checkPrefix(label: string, raw: string): string {
  const prefix = raw.replace(/^\/+/, '');
  // S3 would store such keys, but browsers and CDNs resolve '.' and '..' away, and control characters break URLs and logs.
  if (/[\x00-\x1f\x7f\\]/.test(prefix) || prefix.split('/').some((segment) => segment === '.' || segment === '..') || prefix.includes('//')) {
    throw new SettingError(
      `${label}="${raw}" is not a usable key prefix: use '/'-separated names without '.', '..', empty segments, backslashes or control characters, e.g. site/v1.`,
    );
  }
  if (Buffer.byteLength(prefix) > 512) {
    throw new SettingError(`${label}="${raw.slice(0, 40)}..." is ${Buffer.byteLength(prefix)} bytes: S3 keys hold at most 1024, so keep the prefix under 512.`);
  }
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
