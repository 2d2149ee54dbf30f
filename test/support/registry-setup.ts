/**
 * vitest globalSetup of the suites that install generated repos: starts the local npm registry,
 * publishes this repository's two packages to it as built (`npm pack` of the workspace), and
 * points every npm the tests start at it (`npm_config_registry`, which the test processes
 * inherit). A generated repo's `npm install` then takes `@keyless-build/upload` from a registry,
 * as a user's does, and every other package through the registry's proxy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REGISTRY_STORAGE_VARIABLE, startLocalRegistry, visibleDate } from './local-registry';
import { pack } from './tools';

const ROOT = resolve(__dirname, '..', '..');

export async function setup(): Promise<() => Promise<void>> {
  const registry = await startLocalRegistry();
  const packed = mkdtempSync(join(tmpdir(), 'keyless-build-packed-'));
  try {
    // The uploader first: the generator's package depends on it. Dated so that npm's `before`
    // (test/support/npm-before.ts), which hides versions published after it, sees them.
    registry.publish(pack(join(ROOT, 'packages', 'upload'), packed), visibleDate());
    registry.publish(pack(ROOT, packed), visibleDate());
  } catch (error) {
    await registry.stop();
    throw error;
  }
  process.env.npm_config_registry = registry.url;
  process.env[REGISTRY_STORAGE_VARIABLE] = registry.storage;
  return async () => {
    await registry.stop();
    rmSync(packed, { recursive: true, force: true });
  };
}
