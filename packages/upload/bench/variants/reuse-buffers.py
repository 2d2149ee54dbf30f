# Each of the limiter's `concurrency` slots keeps the buffer its last body was read into, for the next body.
p='src/limiter.ts'; s='''/** A turn's buffer, kept for the next task of the same slot: bodies are read into memory that is already mapped. */
export interface Slot {
  take(size: number): Buffer;
}

function newSlot(): Slot {
  let buffer: Buffer | undefined;
  return {
    take(size) {
      if (!buffer || buffer.length < size) {
        buffer = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
      }
      return buffer.subarray(0, size);
    },
  };
}

/** Runs at most `max` tasks at once, each with a slot of its own; the others wait their turn. */
export function createLimiter(max: number): <T>(task: (slot: Slot) => Promise<T>) => Promise<T> {
  const free: Slot[] = Array.from({ length: max }, newSlot);
  const waiting: (() => void)[] = [];
  return async (task) => {
    while (free.length === 0) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    const slot = free.pop() as Slot;
    try {
      return await task(slot);
    } finally {
      free.push(slot);
      waiting.shift()?.();
    }
  };
}
'''
open(p,'w').write(s)
p='src/upload-context.ts'; s=open(p).read()
s=s.replace("  limit: <T>(task: () => Promise<T>) => Promise<T>;","  limit: <T>(task: (slot: Slot) => Promise<T>) => Promise<T>;")
s=s.replace("import type { Send } from './s3-operations.js';","import type { Slot } from './limiter.js';\nimport type { Send } from './s3-operations.js';")
open(p,'w').write(s)
p='src/put-object.ts'; s=open(p).read()
s=s.replace("import { readFile } from 'node:fs/promises';","import { open } from 'node:fs/promises';")
s=s.replace("""  return context.limit(async () => {
    const body = await readFile(file.absolutePath);""","""  return context.limit(async (slot) => {
    const body = await readWhole(file.absolutePath, slot.take(file.size + 1));""")
s+='''
/** The file read into `buffer` (one byte more than the listed size, to notice a file that grew). */
async function readWhole(path: string, buffer: Buffer): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    let filled = 0;
    for (let read = -1; read !== 0 && filled < buffer.length; filled += read) {
      ({ bytesRead: read } = await handle.read(buffer, filled, buffer.length - filled, filled));
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
'''
open(p,'w').write(s)
p='src/put-multipart.ts'; s=open(p).read()
old="""      parts[partNumber - 1] = await context.limit(async () => {
        const body = await readPart(handle, file, offset, length);"""
assert old in s
s=s.replace(old,"""      parts[partNumber - 1] = await context.limit(async (slot) => {
        const body = await readPart(handle, file, offset, slot.take(length));""")
s=s.replace("async function readPart(handle: FileHandle, file: LocalFile, offset: number, length: number): Promise<Buffer> {\n  const buffer = Buffer.allocUnsafe(length);","async function readPart(handle: FileHandle, file: LocalFile, offset: number, buffer: Buffer): Promise<Buffer> {\n  const length = buffer.length;")
open(p,'w').write(s)
