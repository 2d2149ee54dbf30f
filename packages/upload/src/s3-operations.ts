import { createHash } from 'node:crypto';

import type { S3Answer, S3Request } from './s3-requests.js';
import { escapeXml, xmlField } from './s3-xml.js';

/** Sends one request (with retries); `cancellable: false` for the aborts that must go out after a cancel. */
export type Send = (request: S3Request, options?: { cancellable?: boolean }) => Promise<S3Answer>;

/**
 * The body's CRC32, in a signed header: S3 verifies it and rejects a body that
 * does not match, so the payload is signed as UNSIGNED-PAYLOAD rather than with
 * a SHA-256 over the same bytes (TLS protects it on the way to AWS). The
 * algorithm goes too, as the SDK sends it: some S3-compatible servers keep the
 * checksum only with it.
 */
function checksumHeaders(crc32: string): Record<string, string> {
  return { 'x-amz-checksum-crc32': crc32, 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
}

/** An ETag without its quotes, as the manifest records it. */
export function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
}

/** PutObject: `body` with its CRC32 (base64), Content-Type and Cache-Control; returns the ETag. */
export async function putObject(send: Send, object: { key: string; contentType: string; cacheControl: string }, body: Buffer, crc32: string): Promise<string | undefined> {
  const answer = await send({
    method: 'PUT',
    key: object.key,
    headers: { 'content-type': object.contentType, 'cache-control': object.cacheControl, ...checksumHeaders(crc32) },
    body,
  });
  return unquote(answer.headers['etag']);
}

/** CreateMultipartUpload, as an upload whose checksum is the CRC32 of the whole object (FULL_OBJECT), which S3 checks at completion; returns the UploadId. */
export async function createMultipartUpload(send: Send, object: { key: string; contentType: string; cacheControl: string }): Promise<string> {
  const answer = await send({
    method: 'POST',
    key: object.key,
    query: { uploads: '' },
    headers: {
      'content-type': object.contentType,
      'cache-control': object.cacheControl,
      'x-amz-checksum-algorithm': 'CRC32',
      'x-amz-checksum-type': 'FULL_OBJECT',
    },
  });
  const uploadId = xmlField(answer.body, 'UploadId');
  if (!uploadId) {
    throw new Error(`CreateMultipartUpload for ${object.key} returned no UploadId`);
  }
  return uploadId;
}

/** UploadPart with its CRC32; returns the part's ETag, quotes kept for the completion. */
export async function uploadPart(send: Send, key: string, uploadId: string, partNumber: number, body: Buffer, crc32: string): Promise<string> {
  const answer = await send({ method: 'PUT', key, query: { partNumber: String(partNumber), uploadId }, headers: checksumHeaders(crc32), body });
  const etag = answer.headers['etag'];
  if (!etag) {
    throw new Error(`UploadPart ${partNumber} of ${key} returned no ETag`);
  }
  return etag;
}

/** CompleteMultipartUpload with the parts in order and the whole object's CRC32; returns the object's ETag. */
export async function completeMultipartUpload(
  send: Send,
  key: string,
  uploadId: string,
  parts: readonly { etag: string; crc32: string }[],
  crc32: string,
): Promise<string | undefined> {
  const xml =
    '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    parts.map((part, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${escapeXml(part.etag)}</ETag><ChecksumCRC32>${part.crc32}</ChecksumCRC32></Part>`).join('') +
    '</CompleteMultipartUpload>';
  const body = Buffer.from(xml);
  const answer = await send({
    method: 'POST',
    key,
    query: { uploadId },
    headers: {
      'content-type': 'application/xml',
      'x-amz-checksum-crc32': crc32,
      'x-amz-checksum-type': 'FULL_OBJECT',
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    },
    body,
  });
  return unquote(xmlField(answer.body, 'ETag'));
}

/** AbortMultipartUpload: S3 drops the parts it holds. Goes out even after a cancel. */
export async function abortMultipartUpload(send: Send, key: string, uploadId: string): Promise<void> {
  await send({ method: 'DELETE', key, query: { uploadId } }, { cancellable: false });
}
