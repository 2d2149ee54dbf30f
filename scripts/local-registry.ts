/**
 * A local npm registry with this checkout's two packages published, for installing a repo made
 * with `npm run example` (or `create-keyless-build`) on this machine before they are on the
 * public registry. Runs until Ctrl-C:
 *
 *   npx projen compile && npx tsx scripts/local-registry.ts    # npm run registry
 *   # in another terminal:
 *   cd example && npm_config_registry=http://127.0.0.1:4873/ npm install && npx projen
 *
 * Every other package is proxied from the registry npm is configured with. The tests use the same
 * registry (test/support/registry-setup.ts), on a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalRegistry } from '../test/support/local-registry';
import { pack } from '../test/support/tools';

const PORT = Number(process.env.KEYLESS_BUILD_REGISTRY_PORT ?? 4873);
const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  const registry = await startLocalRegistry({ port: PORT });
  const packed = mkdtempSync(join(tmpdir(), 'keyless-build-packed-'));
  const stop = async () => {
    await registry.stop();
    rmSync(packed, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  try {
    // The uploader first: the generator depends on it.
    for (const dir of [join(root, 'packages', 'upload'), root]) registry.publish(pack(dir, packed));
  } catch (error) {
    await registry.stop();
    throw error;
  }
  console.log(`published @keyless-build/upload and create-keyless-build to ${registry.url}`);
  console.log(`install with it: npm_config_registry=${registry.url} npm install (Ctrl-C stops the registry)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
