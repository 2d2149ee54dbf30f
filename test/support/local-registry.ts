/**
 * A local npm registry (verdaccio) for the tests: this repository's packages are published to it
 * from `npm pack`, as they would be to the public registry, and every other package is proxied
 * from the registry npm is configured with. A generated repo then installs `@keyless-build/upload`
 * and `create-keyless-build` exactly as a user's does, from a registry, not from a path.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from './local-server';
import { testEnvironment } from './npm-before';

/** 6.8.0 runs on Node 20; 6.10 needs Node 22. */
export const VERDACCIO_VERSION = '6.8.0';

/** Where scripts/install-test-tools.sh installs verdaccio. */
export function verdaccioBin(): string {
  const dataHome = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const bin = join(dataHome, 'keyless-build', `verdaccio-${VERDACCIO_VERSION}`, 'node_modules', '.bin', 'verdaccio');
  if (!existsSync(bin)) throw new Error(`verdaccio ${VERDACCIO_VERSION} is not installed at ${bin}: run ./scripts/install-test-tools.sh`);
  return bin;
}

/** The packages this repository publishes: served from the local registry only, never proxied. */
const OWN_PACKAGES = ['create-keyless-build', '@keyless-build/*'];

export interface LocalRegistry {
  /** e.g. http://127.0.0.1:43127/ (npm's registry setting). */
  readonly url: string;
  /** Publishes a tarball made by `npm pack` (see publish() below). */
  publish(tarball: string, publishedAt?: Date): void;
  /** verdaccio's storage folder. */
  readonly storage: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts verdaccio on 127.0.0.1, on `port` or a free one. */
export async function startLocalRegistry(options: { port?: number } = {}): Promise<LocalRegistry> {
  const bin = verdaccioBin();
  const upstream = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim() || 'https://registry.npmjs.org/';
  const home = mkdtempSync(join(tmpdir(), 'keyless-build-registry-'));
  mkdirSync(join(home, 'storage'));
  const ownRules = OWN_PACKAGES.map((name) => `  '${name}':\n    access: $all\n    publish: $anonymous $authenticated\n`).join('');
  writeFileSync(
    join(home, 'config.yaml'),
    [
      `storage: ${join(home, 'storage')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      '    timeout: 60s',
      'packages:',
      ownRules.trimEnd(),
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const server = await startLocalServer({
    name: 'verdaccio',
    port: options.port,
    command: bin,
    args: (port) => ['--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    readyPath: '/-/ping',
  });
  const url = `${server.url}/`;
  return {
    url,
    log: server.log,
    storage: join(home, 'storage'),
    publish: (tarball, publishedAt) => publish({ url, storage: join(home, 'storage') }, tarball, publishedAt),
    async stop() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Where a running test registry is: set by registry-setup.ts for the test processes. */
export const REGISTRY_STORAGE_VARIABLE = 'KEYLESS_BUILD_TEST_REGISTRY_STORAGE';

/**
 * Publishes a tarball made by `npm pack`. With `publishedAt`, the package's publish times are
 * set to that date, so that npm's `before` filter (test/support/npm-before.ts), which drops
 * every version published after its date, lets a package published now through.
 */
export function publish(registry: { url: string; storage: string }, tarball: string, publishedAt?: Date): void {
  const host = registry.url.replace(/^http:/, '');
  // verdaccio lets anyone publish these names; npm still wants a token to send.
  const result = spawnSync('npm', ['publish', tarball, '--registry', registry.url, `--${host}:_authToken=keyless-build-test`, '--access', 'public', '--json'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm publish ${tarball} to ${registry.url} failed:\n${result.stdout}\n${result.stderr}`);
  if (!publishedAt) return;
  // npm 11 prints { "<name>": { name, version, ... } }; older versions print the inner object.
  const printed = JSON.parse(result.stdout) as Record<string, unknown>;
  const name = typeof printed.name === 'string' ? printed.name : (Object.values(printed)[0] as { name: string }).name;
  // verdaccio keeps each package's metadata in its storage folder and reads it on every request.
  const metadata = join(registry.storage, name, 'package.json');
  const packument = JSON.parse(readFileSync(metadata, 'utf8')) as { time: Record<string, string> };
  for (const key of Object.keys(packument.time)) packument.time[key] = publishedAt.toISOString();
  writeFileSync(metadata, JSON.stringify(packument));
}

/** The publish date npm's `before` setting of the tests lets through: a minute before it. */
export function visibleDate(): Date {
  // The tests' own setting (vitest's env), also where vitest has not applied it (a globalSetup).
  return new Date(new Date(testEnvironment.npm_config_before).getTime() - 60_000);
}

/** Publishes to the registry registry-setup.ts started for this test run. */
export function publishToTestRegistry(tarball: string): void {
  publish({ url: testRegistry(), storage: process.env[REGISTRY_STORAGE_VARIABLE]! }, tarball, visibleDate());
}

/** The registry registry-setup.ts started for this test run. */
export function testRegistry(): string {
  const url = process.env.npm_config_registry;
  if (!url || !process.env[REGISTRY_STORAGE_VARIABLE]) throw new Error('no test registry: it is started by test/support/registry-setup.ts (the globalSetup of the integration and e2e suites)');
  return url;
}
