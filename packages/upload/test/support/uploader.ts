/**
 * The package's bin as the Dockerfile runs it, built from this workspace
 * (`npm run build` before the tests: see package.json), against moto.
 */
import { fileURLToPath } from 'node:url';
import { type RunResult, isolatedEnv, run } from '../../../../test/support/moto.js';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** The environment of the bin: moto's fake credentials in a shared-credentials file only, `undefined` removes a variable. */
export function binEnv(base: Record<string, string>, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env = isolatedEnv(base);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  return env;
}

/** Runs the bin with `env` in `cwd`. */
export function runBin(env: Record<string, string>, cwd: string, timeoutMs = 120_000): Promise<RunResult> {
  return run(process.execPath, [BIN], { cwd, env, timeoutMs });
}

export function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
