import { writeFile } from 'node:fs/promises';

import type { UploadReport } from './upload-directory.js';

/** The manifest the bin writes: what the image's later stages (and attestations) rely on. */
export interface Manifest {
  bucket: string;
  prefix: string;
  objects: UploadReport['uploaded'];
}

export async function writeManifest(file: string, report: UploadReport): Promise<void> {
  const manifest: Manifest = { bucket: report.bucket, prefix: report.prefix, objects: report.uploaded };
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
