/**
 * Small helpers of the package's tests. The checksums are computed with Node's own
 * hash and CRC32, apart from the package's code, so that a test compares the package
 * against an independent result.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

/** Writes a file, making its folders. */
export function writeFile(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CRC32 as S3 reports it (ChecksumCRC32): big-endian bytes in base64. */
export function crc32Base64(data: Buffer | string): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data));
  return bytes.toString('base64');
}
