import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';

import { crc32Base64, crc32Combine } from './crc32.js';
import type { LocalFile } from './list-files.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, uploadPart } from './s3-operations.js';
import { changedWhileUploading, type ObjectMetadata, type UploadContext, type UploadedObject } from './upload-context.js';

const MiB = 1024 * 1024;
/** S3 allows at most 10,000 parts, so a very large file gets parts larger than the setting (whole MiB). */
const MAX_PARTS = 10_000;

interface UploadedPart {
  etag: string;
  crc32: number;
  length: number;
}

/**
 * A larger file goes as a multipart upload, up to `queueSize` parts in
 * flight, each with its CRC32, which S3 verifies. It is a FULL_OBJECT checksum
 * upload: the CRC32 of the whole file, combined from the parts', goes with
 * CompleteMultipartUpload; S3 checks it and keeps it as the object's checksum,
 * as for a PutObject. On any failure (or a cancelled run) the upload is
 * aborted, so that no billed, invisible parts are left behind.
 */
export async function putMultipart(context: UploadContext, file: LocalFile, object: ObjectMetadata): Promise<UploadedObject> {
  const uploadId = await context.limit(() => createMultipartUpload(context.send, object));
  context.openUploads.add(uploadId);
  const handle = await open(file.absolutePath, 'r');
  try {
    const parts = await uploadParts(context, handle, file, object.key, uploadId);
    const whole = crc32Base64(parts.reduce((crc, part) => crc32Combine(crc, part.crc32, part.length), 0));
    const sha256 = context.sha256 ? await sha256OfFile(file.absolutePath) : undefined;
    const etag = await context.limit(() =>
      completeMultipartUpload(context.send, object.key, uploadId, parts.map((part) => ({ etag: part.etag, crc32: crc32Base64(part.crc32) })), whole),
    );
    return { ...object, crc32: whole, ...(sha256 && { sha256 }), etag };
  } catch (error) {
    await abortMultipartUpload(context.send, object.key, uploadId).catch((abortError: unknown) => {
      context.warn(`could not abort the multipart upload of ${object.key} (${String(abortError)}): delete it, or let a lifecycle rule do so`);
    });
    throw error;
  } finally {
    context.openUploads.delete(uploadId);
    await handle.close();
  }
}

/** Every part of `file`, in order; the parts in flight stop at the first failure. */
async function uploadParts(context: UploadContext, handle: FileHandle, file: LocalFile, key: string, uploadId: string): Promise<UploadedPart[]> {
  const partSize = Math.max(context.partSize, Math.ceil(file.size / MAX_PARTS / MiB) * MiB);
  const partCount = Math.ceil(file.size / partSize);
  const parts: UploadedPart[] = [];
  let nextPart = 1;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && nextPart <= partCount) {
      const partNumber = nextPart++;
      const offset = (partNumber - 1) * partSize;
      const length = Math.min(partSize, file.size - offset);
      parts[partNumber - 1] = await context.limit(async () => {
        const body = await readPart(handle, file, offset, length);
        const checksum = crc32(body);
        const etag = await uploadPart(context.send, key, uploadId, partNumber, body, crc32Base64(checksum));
        context.onBytes(length);
        return { etag, crc32: checksum, length };
      });
    }
  };
  const lanes = Array.from({ length: Math.min(context.queueSize, partCount) }, () =>
    lane().catch((error: unknown) => {
      failed = true;
      throw error;
    }),
  );
  const rejected = (await Promise.allSettled(lanes)).find((outcome) => outcome.status === 'rejected');
  if (rejected) {
    throw rejected.reason;
  }
  return parts;
}

/** `length` bytes at `offset`; a file that shrank is an error, not a short part. */
async function readPart(handle: FileHandle, file: LocalFile, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  for (let filled = 0; filled < length; ) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) {
      throw changedWhileUploading(file, `shrank below the listed ${file.size} bytes`);
    }
    filled += bytesRead;
  }
  return buffer;
}

/** A second pass over the file, only when UPLOAD_SHA256 asks for it: parts are read in no fixed order. */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
