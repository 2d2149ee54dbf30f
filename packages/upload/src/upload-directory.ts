import { cacheControlFor } from './cache-control.js';
import { contentTypeFor, DEFAULT_CONTENT_TYPES } from './content-types.js';
import { describeError, explainFatal, type Target } from './fatal-errors.js';
import { createLimiter } from './limiter.js';
import { listFiles, type LocalFile, type SkippedFile } from './list-files.js';
import { type OptionLabels, type ResolvedOptions, resolveOptions, type UploadOptions } from './options.js';
import { Progress } from './progress.js';
import { putMultipart } from './put-multipart.js';
import { putObject } from './put-object.js';
import type { Send } from './s3-operations.js';
import { configuredEndpoint, S3Requests } from './s3-requests.js';
import type { ObjectMetadata, UploadContext, UploadedObject } from './upload-context.js';

const MiB = 1024 * 1024;

export interface FailedFile {
  relativePath: string;
  key: string;
  reason: string;
}

export interface UploadReport {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  /** Sorted by key. */
  uploaded: UploadedObject[];
  failed: FailedFile[];
  skipped: SkippedFile[];
  /** Set when an error that every other file would hit too (credentials, bucket, network, TLS) stopped the run. */
  stopped: { relativePath: string; explanation: string } | undefined;
  /** The run's AbortSignal fired. */
  cancelled: boolean;
  /** Files and bytes found under the directory, and the run's duration. */
  files: number;
  bytes: number;
  seconds: number;
}

/** Uploads every file under `options.dir` to s3://bucket/prefix; resolves with what went up and what did not. Throws SettingError for a bad option or directory. */
export async function uploadDirectory(options: UploadOptions): Promise<UploadReport> {
  return upload(resolveOptions(options));
}

/** uploadDirectory for options already resolved (the bin names environment variables in its messages). */
export async function upload(options: ResolvedOptions, labels?: OptionLabels): Promise<UploadReport> {
  const { bucket, prefix, region, log, signal } = options;
  const { files, skipped } = await listFiles(options.dir, labels?.dir ?? 'dir');
  const partSize = options.partSizeMiB * MiB;
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const endpoint = options.endpoint ?? configuredEndpoint();
  const target: Target = { bucket, prefix, region, endpoint };
  log(
    `uploading ${files.length} files (${bytes} bytes) from ${options.dir} to s3://${bucket}/${prefix}${endpoint ? ` via ${endpoint}` : ''}, ` +
      `${options.concurrency} requests at a time, multipart above ${options.partSizeMiB} MiB`,
  );
  const report: UploadReport = { bucket, prefix, uploaded: [], failed: [], skipped, stopped: undefined, cancelled: false, files: files.length, bytes, seconds: 0 };
  const progress = new Progress(files.length, bytes);
  const s3 = await S3Requests.create({ bucket, region, endpoint: options.endpoint, concurrency: options.concurrency, maxAttempts: options.maxAttempts, signal });
  const timer = options.progressSeconds > 0 ? setInterval(() => log(`progress: ${progress.line()}`), options.progressSeconds * 1000).unref() : undefined;
  const openUploads = new Set<string>();
  const onAbort = (): void => log(`${typeof signal?.reason === 'string' ? signal.reason : 'cancelled'}: stopping; aborting ${openUploads.size} multipart upload(s) in progress`);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      log(`credentials: ${await s3.credentialsSource()}`);
    } catch (error) {
      report.stopped = { relativePath: files[0]?.relativePath ?? '', explanation: explainFatal(error, target) ?? describeError(error) };
      return report;
    }
    const gate = firstRequestGate(s3, (error) => explainFatal(error, target) !== undefined);
    const context: UploadContext = {
      send: gate.send,
      limit: createLimiter(options.concurrency),
      partSize,
      queueSize: options.queueSize,
      sha256: options.sha256,
      openUploads,
      onBytes: (count) => (progress.bytesDone += count),
      warn: log,
    };
    const contentTypes = { ...DEFAULT_CONTENT_TYPES, ...options.contentTypes };
    const uploadOne = async (file: LocalFile): Promise<void> => {
      const object: ObjectMetadata = {
        key: prefix + file.relativePath,
        size: file.size,
        contentType: contentTypeFor(file.relativePath, contentTypes),
        cacheControl: cacheControlFor(file.relativePath, options.cacheControl),
      };
      try {
        const uploaded = file.size > partSize ? await putMultipart(context, file, object) : await putObject(context, file, object);
        report.uploaded.push(uploaded);
        progress.filesDone += 1;
        log(`uploaded ${uploaded.key} (${uploaded.size} bytes)`);
      } catch (error) {
        if (signal?.aborted || report.stopped) {
          return; // cancelled, or in flight when the run stopped: counted as not uploaded
        }
        const explanation = explainFatal(error, target);
        if (explanation) {
          report.stopped = { relativePath: file.relativePath, explanation };
        } else {
          report.failed.push({ relativePath: file.relativePath, key: object.key, reason: describeError(error) });
          log(`FAILED ${object.key}: ${describeError(error)}`);
        }
      }
    };
    await runLanes(schedule(files, partSize), options.concurrency, gate, uploadOne, () => report.stopped !== undefined || signal?.aborted === true);
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    report.cancelled = signal?.aborted === true;
    report.seconds = progress.seconds();
    report.uploaded.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Keep-alive sockets would hold the process open.
    s3.destroy();
  }
  return report;
}

/**
 * Large files first (the longest jobs should not start last), largest first;
 * then the others in listing order.
 */
function schedule(files: readonly LocalFile[], partSize: number): LocalFile[] {
  const large = files.filter((file) => file.size > partSize).sort((a, b) => b.size - a.size);
  return [...large, ...files.filter((file) => file.size <= partSize)];
}

/**
 * `lanes` workers take the files in turn. The first starts alone; the others
 * once the run's first request has been answered, and only if it did not fail
 * fatally: if the credentials, bucket or endpoint are wrong, that is one failed
 * request rather than one per lane.
 */
async function runLanes(
  files: LocalFile[],
  lanes: number,
  gate: { firstFailedFatally: Promise<boolean>; release(): void },
  uploadOne: (file: LocalFile) => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  let next = 0;
  const lane = async (first: boolean): Promise<void> => {
    if (!first && (await gate.firstFailedFatally)) {
      return;
    }
    while (!stopped() && next < files.length) {
      await uploadOne(files[next++] as LocalFile);
      if (first) {
        gate.release(); // in case that file failed before sending anything
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, files.length) }, (_, index) => lane(index === 0)));
}

/** S3Requests' send, and whether the run's first request (after the SDK's retries) failed fatally. */
function firstRequestGate(s3: S3Requests, isFatal: (error: unknown) => boolean): { send: Send; firstFailedFatally: Promise<boolean>; release(): void } {
  let settle: (fatal: boolean) => void = () => undefined;
  const firstFailedFatally = new Promise<boolean>((resolve) => (settle = resolve));
  let first = true;
  const send: Send = (request, options) => {
    const answer = s3.send(request, options);
    if (first) {
      first = false;
      answer.then(
        () => settle(false),
        (error: unknown) => settle(isFatal(error)),
      );
    }
    return answer;
  };
  return { send, firstFailedFatally, release: () => settle(false) };
}
