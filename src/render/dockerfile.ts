import { ENV, ENV_DEFAULTS, MANIFEST_FILE, NUMBER_SETTINGS } from '@keyless-build/upload/settings';
import type { KeylessBuildConfig } from '../core/config';
import { OUT_DIR, SECRET_ID, SECRET_TARGET, UPLOAD_STAGE } from '../core/constants';
import { templates } from './templates.generated';

/** The Dockerfile (templates/Dockerfile.hbs): build, upload with the secret mounted, runtime. */
export function renderDockerfile(config: KeylessBuildConfig, marker?: string): string {
  return templates.Dockerfile!({
    marker,
    baseImage: config.baseImage,
    uploadDir: config.uploadDir,
    uploadStage: UPLOAD_STAGE,
    secretId: SECRET_ID,
    secretTarget: SECRET_TARGET,
    outDir: OUT_DIR,
    manifest: MANIFEST_FILE,
    whereArgs: whereArgs(config),
    tuningArgs: Object.values(NUMBER_SETTINGS).map((setting) => `${setting.env}=`),
  });
}

/**
 * The uploader's "where" settings as ARG lines, named as the uploader reads them: no default
 * for what the workflow must pass (bucket, region), the uploader's own default otherwise, the
 * upload directory from the parameters.
 */
function whereArgs(config: KeylessBuildConfig): string[] {
  return [ENV.bucket, ENV.prefix, ENV.region, ENV.dir].map((name) => {
    if (name === ENV.dir) return `${name}=${config.uploadDir}`;
    const fallback = ENV_DEFAULTS[name];
    return fallback === undefined ? name : `${name}=${fallback}`;
  });
}
