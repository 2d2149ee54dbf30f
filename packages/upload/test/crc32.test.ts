/** crc32Combine against zlib's CRC32 of the concatenation (the multipart FULL_OBJECT checksum rests on it). */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Base64, crc32Combine } from '../dist/crc32.js';

describe('crc32Combine', () => {
  it.each([0, 1, 3, 4096, 5 * 1024 * 1024 + 17])('equals the CRC32 of A then B, B of %i bytes', (lengthB) => {
    const a = randomBytes(1000);
    const b = randomBytes(lengthB);
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
  });

  it('negative control: a length off by one gives another CRC32', () => {
    const a = randomBytes(100);
    const b = randomBytes(100);
    expect(crc32Combine(crc32(a), crc32(b), b.length + 1)).not.toBe(crc32(Buffer.concat([a, b])));
  });

  it('folds many parts in order', () => {
    const parts = Array.from({ length: 7 }, (_, i) => randomBytes(1000 + i * 333));
    const combined = parts.reduce((crc, part) => crc32Combine(crc, crc32(part), part.length), 0);
    expect(combined).toBe(crc32(Buffer.concat(parts)));
  });

  it('writes the CRC32 as S3 does: 4 bytes big-endian, base64', () => {
    expect(crc32Base64(0x12345678)).toBe(Buffer.from([0x12, 0x34, 0x56, 0x78]).toString('base64'));
  });
});
