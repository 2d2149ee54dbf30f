/** Prints each step of the end-to-end run with its wall time, so a slow or stuck step is visible. */
const started = Date.now();

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export async function step<T>(label: string, action: () => Promise<T> | T): Promise<T> {
  const start = Date.now();
  process.stdout.write(`[e2e +${seconds(start - started)}] ${label} ...\n`);
  try {
    const value = await action();
    process.stdout.write(`[e2e +${seconds(Date.now() - started)}] ${label}: ok in ${seconds(Date.now() - start)}\n`);
    return value;
  } catch (error) {
    process.stdout.write(`[e2e +${seconds(Date.now() - started)}] ${label}: FAILED after ${seconds(Date.now() - start)}\n`);
    throw error;
  }
}
