/**
 * The environment settings of the upload step, their defaults and ranges, and
 * the manifest's file name: the one list the bin reads and the generator
 * renders into the Dockerfile's ARGs.
 *
 * Dependency-free and CommonJS (.cts), so that a CommonJS program can
 * `require` it synchronously and an ES module can `import` it alike.
 */

/** Written by the bin (UPLOAD_MANIFEST's default) and copied into the image. */
export const MANIFEST_FILE = 'upload-manifest.json';

/** The directory uploaded when UPLOAD_DIR is unset. */
export const DEFAULT_UPLOAD_DIR = 'public';

/** A whole-number setting: its variable, default and allowed range. */
export interface NumberSetting {
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** What it sets, for READMEs (the generated repo's renders its table from these). */
  readonly description: string;
}

// Defaults of the uploader the package replaces, measured with its bench:
// 32 requests in flight saturate a local S3 server on 2 cores and keep a real
// S3 endpoint (tens of ms away) busy; 8 MiB parts x 4 keep memory per large
// file at 32 MiB. S3's minimum part size is 5 MiB.
export const NUMBER_SETTINGS = {
  concurrency: { env: 'UPLOAD_CONCURRENCY', default: 32, min: 1, max: 256, description: 'requests in flight at once' },
  partSizeMiB: { env: 'UPLOAD_PART_SIZE_MIB', default: 8, min: 5, max: 512, description: 'files larger than this go as multipart uploads in parts of this size (MiB)' },
  queueSize: { env: 'UPLOAD_QUEUE_SIZE', default: 4, min: 1, max: 64, description: 'parts of one file in flight at once' },
  maxAttempts: { env: 'UPLOAD_MAX_ATTEMPTS', default: 6, min: 1, max: 20, description: 'tries per request, the first included' },
  progressSeconds: { env: 'UPLOAD_PROGRESS_SECONDS', default: 10, min: 0, max: 3600, description: 'seconds between progress lines; 0 for none' },
  // Off by default: S3 verifies each object's CRC32 itself; SHA-256 costs about
  // 0.6 s of CPU per GiB, worth it when a later step attests digests.
  sha256: { env: 'UPLOAD_SHA256', default: 0, min: 0, max: 1, description: "1: also record each file's SHA-256 in the manifest" },
} as const satisfies Record<string, NumberSetting>;

/** Every environment variable the bin reads, in the order a Dockerfile would declare them. */
export const ENV = {
  bucket: 'S3_BUCKET',
  prefix: 'S3_PREFIX',
  region: 'AWS_REGION',
  dir: 'UPLOAD_DIR',
  manifest: 'UPLOAD_MANIFEST',
  concurrency: NUMBER_SETTINGS.concurrency.env,
  partSizeMiB: NUMBER_SETTINGS.partSizeMiB.env,
  queueSize: NUMBER_SETTINGS.queueSize.env,
  maxAttempts: NUMBER_SETTINGS.maxAttempts.env,
  progressSeconds: NUMBER_SETTINGS.progressSeconds.env,
  sha256: NUMBER_SETTINGS.sha256.env,
} as const;

/** Each variable's value when unset; undefined where there is none (the bucket and region must be given). */
export const ENV_DEFAULTS: Readonly<Record<string, string | undefined>> = {
  S3_BUCKET: undefined,
  S3_PREFIX: '',
  AWS_REGION: undefined,
  UPLOAD_DIR: DEFAULT_UPLOAD_DIR,
  UPLOAD_MANIFEST: MANIFEST_FILE,
  ...Object.fromEntries(Object.values(NUMBER_SETTINGS).map((setting) => [setting.env, String(setting.default)])),
};
