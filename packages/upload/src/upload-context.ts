import type { LocalFile } from './list-files.js';
import type { Send } from './s3-operations.js';

/** One object of the run: what S3 keeps, and the manifest records. */
export interface UploadedObject {
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
  /** Hex SHA-256 of the file, when asked for. */
  sha256?: string;
  etag: string | undefined;
}

/** What the functions that put one file share. */
export interface UploadContext {
  /** Sends one S3 request with retries (and the first request's bookkeeping). */
  send: Send;
  warn(line: string): void;
  /** Bounds the requests in flight; a body is read only once its request has its turn, so it also bounds memory. */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  partSize: number;
  queueSize: number;
  sha256: boolean;
  /** Multipart uploads created and not yet completed or aborted. */
  openUploads: Set<string>;
  onBytes(bytes: number): void;
}

export type ObjectMetadata = Pick<UploadedObject, 'key' | 'size' | 'contentType' | 'cacheControl'>;

/** An error for a file whose size is no longer the listed one: the manifest would record the wrong size. */
export function changedWhileUploading(file: LocalFile, detail: string): Error {
  return new Error(`${file.relativePath} changed while it was being uploaded (${detail}): upload once the build has finished writing it`);
}
