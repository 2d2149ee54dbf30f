/**
 * A local npm registry (verdaccio) for the tests: this repository's packages are published to it
 * from `npm pack`, as they would be to the public registry, and every other package is proxied
 * from the registry npm is configured with. A generated repo then installs `@keyless-build/upload`
 * and `create-keyless-build` exactly as a user's does, from a registry, not from a path.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from './local-server';

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
  /** Publishes a tarball made by `npm pack`. */
  publish(tarball: string): void;
  log(): string;
  stop(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
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
    command: bin,
    args: (port) => ['--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    readyPath: '/-/ping',
  });
  const url = `${server.url}/`;
  const host = url.replace(/^http:/, '');
  return {
    url,
    log: server.log,
    publish(tarball) {
      // verdaccio lets anyone publish these names; npm still wants a token to send.
      const result = spawnSync('npm', ['publish', tarball, '--registry', url, `--${host}:_authToken=keyless-build-test`, '--access', 'public'], {
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`npm publish ${tarball} to ${url} failed:\n${result.stdout}\n${result.stderr}`);
    },
    async stop() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
