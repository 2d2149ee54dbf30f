import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

import { crc32Base64 } from './crc32.js';
import type { LocalFile } from './list-files.js';
import { putObject as sendPutObject } from './s3-operations.js';
import { changedWhileUploading, type ObjectMetadata, type UploadContext, type UploadedObject } from './upload-context.js';

/**
 * A file no larger than one part goes as one PutObject from memory, with its
 * CRC32, which S3 verifies: it rejects a body that does not match. A retry
 * sends the same bytes, so what arrives is what was checksummed.
 */
export function putObject(context: UploadContext, file: LocalFile, object: ObjectMetadata): Promise<UploadedObject> {
  return context.limit(async () => {
    const body = await readFile(file.absolutePath);
    if (body.length !== file.size) {
      throw changedWhileUploading(file, `listed with ${file.size} bytes, read ${body.length}`);
    }
    const checksum = crc32Base64(crc32(body));
    const sha256 = context.sha256 ? createHash('sha256').update(body).digest('hex') : undefined;
    const etag = await sendPutObject(context.send, object, body, checksum);
    context.onBytes(body.length);
    return { ...object, crc32: checksum, ...(sha256 && { sha256 }), etag };
  });
}
