import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, relative } from 'node:path';

/**
 * The path of a command-line tool the tests need, from PATH or Go's bin folder.
 * A missing tool fails the test with the command that installs it: it never skips.
 */
export function requireTool(name: string, install: string): string {
  const goBin = process.env.GOBIN || join(process.env.GOPATH || join(homedir(), 'go'), 'bin');
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), goBin]) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed; install it with: ${install}`);
}

export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The result of a command that must succeed; a failure throws with its output. */
export function must<T extends CommandResult>(result: T, what: string): T {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** `npm pack` of the package in `dir` into `destination`; the tarball's path. */
export function pack(dir: string, destination: string): string {
  const name = must(run('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: dir }), 'npm pack').stdout.trim().split('\n').pop()!;
  return join(destination, name);
}

/** A tarball of `npm pack` unpacked into `dir`, changed by `change` (given the package folder), and packed again; the new tarball's path. */
export function repack(tarball: string, dir: string, change: (packageDir: string) => void): string {
  mkdirSync(dir, { recursive: true });
  must(run('tar', ['-xzf', tarball, '-C', dir]), 'tar');
  change(join(dir, 'package'));
  return pack(join(dir, 'package'), dir);
}

export type TreeSnapshot = Map<string, { content: string; mode: number }>;

/** Every file below dir except node_modules and .git: path -> content and permission bits. */
export function snapshotTree(dir: string): TreeSnapshot {
  const files: TreeSnapshot = new Map();
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      if (name === 'node_modules' || name === '.git') continue;
      const full = join(current, name);
      const stats = statSync(full);
      if (stats.isDirectory()) walk(full);
      else files.set(relative(dir, full), { content: readFileSync(full, 'utf8'), mode: stats.mode & 0o777 });
    }
  };
  walk(dir);
  return files;
}
