/**
 * podman as the image builder: chroot isolation (no daemon, no user namespaces needed), host
 * network so RUN steps reach moto on the loopback interface.
 */
import { RunResult, run } from '../../support/moto';
import { requireTool } from '../../support/tools';

export const PODMAN_INSTALL = 'apt-get install podman (./scripts/install-test-tools.sh)';

export function requirePodman(): string {
  return requireTool('podman', PODMAN_INSTALL);
}

export interface BuildOptions {
  context: string;
  dockerfile: string;
  tag: string;
  buildArgs?: readonly string[];
  /** `--secret` values, e.g. `id=upload-credentials,src=/tmp/x.ini`. */
  secrets?: readonly string[];
  target?: string;
}

/**
 * `podman build` without layer caching: buildah's cache key ignores secrets and the base image's
 * ENV, so a cached upload step would hide exactly the changes these tests make.
 */
export function podmanBuild(options: BuildOptions): Promise<RunResult> {
  const args = ['build', '--isolation=chroot', '--network=host', '--layers=false', '--no-cache', '--pull=never'];
  for (const arg of options.buildArgs ?? []) args.push('--build-arg', arg);
  for (const secret of options.secrets ?? []) args.push('--secret', secret);
  if (options.target) args.push('--target', options.target);
  args.push('-f', options.dockerfile, '-t', options.tag, options.context);
  return run('podman', args, { timeoutMs: 600_000 });
}

export async function podman(args: readonly string[], timeoutMs = 300_000): Promise<string> {
  const result = await run('podman', args, { timeoutMs });
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  }
  return result.stdout;
}

/** Removes images this suite tagged; a missing one is not an error (it may never have been built). */
export async function removeImages(tags: readonly string[]): Promise<void> {
  if (tags.length === 0) return;
  await run('podman', ['rmi', '--force', '--ignore', ...tags]);
}

/** Gives an image another name (e.g. the one a Dockerfile's FROM names). */
export async function tagImage(image: string, name: string): Promise<void> {
  await podman(['tag', image, name]);
}
