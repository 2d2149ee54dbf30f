import type { CacheControlRule } from './cache-control.js';
import { describeError } from './fatal-errors.js';
import { writeManifest } from './manifest.js';
import { ENV_LABELS, readEnvironment } from './read-environment.js';
import { SettingError } from './setting-error.js';
import { upload, type UploadReport } from './upload-directory.js';

/** The user's rules, merged over the defaults. */
export interface UploadRules {
  /** Content-Type by extension (`.ext` -> type), over DEFAULT_CONTENT_TYPES. */
  contentTypes?: Readonly<Record<string, string>>;
  /** Cache-Control rules tried before DEFAULT_CACHE_CONTROL. */
  cacheControl?: readonly CacheControlRule[];
}

/** Exit code per signal: 128 + its number, as a shell reports it. */
const SIGNALS = { SIGTERM: 143, SIGINT: 130 } as const;

/**
 * What the bin does, for the generated repo's own script: reads the settings
 * from the environment, uploads with `rules`, prints progress, writes the
 * manifest. Sets and returns the exit code: 0 all uploaded, 1 a file failed
 * (named), 2 a setting is wrong (the variable, the value and the fix).
 * SIGTERM and SIGINT abort the multipart uploads in progress (exit 143, 130).
 */
export async function runUpload(rules: UploadRules = {}, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const controller = new AbortController();
  const handlers = Object.keys(SIGNALS).map((signal) => {
    const handler = (): void => controller.abort(signal);
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  let code: number;
  try {
    code = await run(rules, env, controller.signal);
  } catch (error) {
    if (error instanceof SettingError) {
      console.error(`configuration error: ${error.message}`);
      code = 2;
    } else {
      console.error(`upload failed: ${describeError(error)}`);
      code = 1;
    }
  } finally {
    handlers.forEach((remove) => remove());
  }
  process.exitCode = code;
  return code;
}

async function run(rules: UploadRules, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  const { options, manifestPath } = await readEnvironment(env);
  const report = await upload(
    { ...options, ...rules, log: (line) => process.stdout.write(`${line}\n`), signal },
    ENV_LABELS,
  );
  for (const { relativePath, reason } of report.skipped) {
    console.warn(`skip ${relativePath}: ${reason}`);
  }
  if (report.cancelled) {
    return SIGNALS[signal.reason as keyof typeof SIGNALS] ?? 1;
  }
  if (report.stopped || report.failed.length > 0) {
    reportFailure(report);
    return 1;
  }
  await writeManifest(manifestPath, report);
  console.log(`done: ${report.files} files, ${report.bytes} bytes in ${report.seconds.toFixed(1)} s; manifest: ${manifestPath}`);
  return 0;
}

function reportFailure(report: UploadReport): void {
  if (report.stopped) {
    const { relativePath, explanation } = report.stopped;
    console.error(`\nstopped after ${relativePath} failed; the other files would fail the same way.\n${explanation}`);
  }
  for (const { relativePath, reason } of report.failed) {
    console.error(`failed: ${relativePath} (${reason})`);
  }
  console.error(`\n${report.files - report.uploaded.length} of ${report.files} files were not uploaded; no manifest was written.`);
}
