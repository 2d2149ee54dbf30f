import type { KeylessBuildConfig } from '../core/config';
import { OUT_DIR, SECRET_ID, SECRET_TARGET, UPLOAD_MANIFEST } from '../core/constants';
import { templates } from './templates.generated';

/** The Dockerfile (templates/Dockerfile.hbs): build, upload with the secret mounted, runtime. */
export function renderDockerfile(config: KeylessBuildConfig, marker?: string): string {
  return templates.Dockerfile!({
    marker,
    baseImage: config.baseImage,
    uploadDir: config.uploadDir,
    secretId: SECRET_ID,
    secretTarget: SECRET_TARGET,
    outDir: OUT_DIR,
    manifest: UPLOAD_MANIFEST,
  });
}
