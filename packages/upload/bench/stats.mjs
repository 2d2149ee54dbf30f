// The helpers of the generator's bench/stats.mjs that this benchmark uses.

import { rmSync } from 'node:fs';

export function count(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: ${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `main`, then `cleanup`; removes the work folder on success and keeps it, printed, on failure,
 * which sets exit code 1.
 */
export async function runBench(work, main, cleanup = async () => {}) {
  let failed = true;
  try {
    await main();
    failed = false;
  } catch (error) {
    console.error(`\nbench FAILED: ${error.message}`);
    console.error(`(kept ${work} for inspection)`);
    process.exitCode = 1;
  } finally {
    await cleanup();
    if (!failed) rmSync(work, { recursive: true, force: true });
  }
}
