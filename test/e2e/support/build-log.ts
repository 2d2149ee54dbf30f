/**
 * Reads a job log act printed: how long each step took (act's `[1.2s]` after each result), and
 * what BuildKit's plain progress says of the build's vertices (`#N [stage k/n] RUN ...`,
 * `#N CACHED`, `#N DONE 1.2s`).
 */

/** Each step act ran ("Main", "Post"), with its wall time in seconds, in the order of the log. */
export function stepSeconds(log: string): { step: string; phase: string; seconds: number }[] {
  const steps: { step: string; phase: string; seconds: number }[] = [];
  for (const line of log.split('\n')) {
    const match = /(?:Success|Failure) - (Main|Post|Pre) (.+?) \[([\d.]+)(ms|s)\]$/u.exec(line);
    if (match) steps.push({ step: match[2]!.trim(), phase: match[1]!, seconds: Number(match[3]) / (match[4] === 'ms' ? 1000 : 1) });
  }
  return steps;
}

/** The vertex number BuildKit gave the first step whose name matches, e.g. `[build 4/6] RUN ... npm ci`. */
function vertexOf(log: string, name: RegExp): string {
  for (const match of log.matchAll(/#(\d+) (\[[^\]]+\] [^\n]*|exporting [^\n]*|importing [^\n]*)/g)) {
    if (name.test(match[2]!)) return match[1]!;
  }
  throw new Error(`no build step matching ${name} in the build log:\n${log}`);
}

/** Whether the build's `npm ci` (the build stage's) came from the cache. */
export function npmCiCached(log: string): boolean {
  return log.includes(`#${vertexOf(log, /^\[build \d+\/\d+\] RUN .*npm ci/)} CACHED`);
}

/**
 * The seconds BuildKit reports for a vertex: the last `DONE` of it (a vertex whose layers come
 * from an imported cache reports again after each layer it extracts), 0 when CACHED.
 */
export function vertexSeconds(log: string, name: RegExp): number {
  const vertex = vertexOf(log, name);
  const done = [...log.matchAll(new RegExp(`#${vertex} DONE ([\\d.]+)s`, 'g'))].at(-1);
  return done ? Number(done[1]) : 0;
}
