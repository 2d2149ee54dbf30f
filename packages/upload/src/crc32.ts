/** A CRC32 as S3 writes it (x-amz-checksum-crc32): the 4 bytes, big-endian, in base64. */
export function crc32Base64(crc: number): string {
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
 * zlib's crc32_combine (which Node does not expose): the whole file's CRC32,
 * which S3 checks at CompleteMultipartUpload, without a second pass over it.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  // x^(8 * lengthB): one factor x^(2^k) per bit k of the length in bits.
  let factor = 0x80000000; // x^0
  for (let k = 3, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) {
      factor = multModP(X2N[k % 32] as number, factor);
    }
  }
  return (multModP(factor, crcA) ^ crcB) >>> 0;
}
