/**
 * The image's runtime command: a stand-in for your application.
 *
 * The Dockerfile copies the manifest that the upload step wrote into this
 * stage, which is what makes BuildKit run the upload at all. This sample only
 * reports it; replace it with your own app.
 */
import { readFile } from 'node:fs/promises';

interface Manifest {
  bucket: string;
  prefix: string;
  objects: { key: string; size: number }[];
}

const MANIFEST = 'upload-manifest.json';

// No top-level await: the script also compiles as CommonJS.
async function report(): Promise<void> {
  try {
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Manifest;
    const bytes = manifest.objects.reduce((sum, object) => sum + object.size, 0);
    console.log(`${manifest.objects.length} objects (${bytes} bytes) were uploaded to s3://${manifest.bucket}/${manifest.prefix}`);
  } catch (error) {
    console.error(`cannot read ${MANIFEST} in ${process.cwd()}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

void report();
