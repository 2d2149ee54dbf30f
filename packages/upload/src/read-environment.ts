import { stat } from 'node:fs/promises';
import path from 'node:path';

import { checkWhole, type OptionLabels, type ResolvedOptions, resolveOptions } from './options.js';
import { SettingError } from './setting-error.js';
import { ENV, MANIFEST_FILE, NUMBER_SETTINGS } from './settings.cjs';

/** Messages name the environment variable, not the option. */
export const ENV_LABELS: OptionLabels = ENV;

/** Trimmed value, or undefined when unset or blank (an empty build arg means "not given"). */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The settings of the bin (and of runUpload) from the environment, checked
 * before anything is sent: a SettingError names the variable, its value and the fix.
 */
export async function readEnvironment(env: NodeJS.ProcessEnv): Promise<{ options: ResolvedOptions; manifestPath: string }> {
  const number = (name: keyof typeof NUMBER_SETTINGS): number => checkWhole(ENV[name], read(env, ENV[name]), NUMBER_SETTINGS[name]);
  const options = resolveOptions(
    {
      bucket: read(env, ENV.bucket) ?? '',
      region: read(env, ENV.region) ?? '',
      prefix: read(env, ENV.prefix),
      dir: read(env, ENV.dir),
      concurrency: number('concurrency'),
      partSizeMiB: number('partSizeMiB'),
      queueSize: number('queueSize'),
      maxAttempts: number('maxAttempts'),
      progressSeconds: number('progressSeconds'),
      sha256: number('sha256') === 1,
    },
    ENV_LABELS,
  );
  checkEndpoints(env);
  const manifestPath = read(env, ENV.manifest) ?? MANIFEST_FILE;
  await checkManifestDir(manifestPath);
  return { options, manifestPath };
}

/** The SDK reads these itself; checked here so that a typo is a clear message, not an odd request. */
function checkEndpoints(env: NodeJS.ProcessEnv): void {
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const value = read(env, name);
    if (value === undefined) {
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SettingError(`${name}="${value}" is not a URL: use e.g. http://127.0.0.1:5000, or unset it to use AWS.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SettingError(`${name}="${value}" must start with http:// or https://.`);
    }
  }
}

/** Checked before uploading, so that a typo does not surface only after the whole upload. */
async function checkManifestDir(manifestPath: string): Promise<void> {
  const dir = path.dirname(path.resolve(manifestPath));
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new SettingError(
      `${ENV.manifest}="${manifestPath}" is in a directory that does not exist (${dir}): create it, or leave ${ENV.manifest} unset for ${MANIFEST_FILE}.`,
    );
  }
}
