/**
 * Runs the real, compiled CLI (bin/*.js -> lib/) as a child process, either with plain
 * pipes (no terminal) or inside a pseudo-terminal made by util-linux `script`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

export const ROOT = resolve(__dirname, '..', '..');
export const CREATE_BIN = join(ROOT, 'bin', 'create-keyless-build.js');
export const KEYLESS_BIN = join(ROOT, 'bin', 'keyless-build.js');

/** What `npm create` would set; tests pass it explicitly so the outer `npx vitest` cannot leak in. */
export const NPM_USER_AGENT = 'npm/10.8.2 node/v20.20.2 linux x64 workspaces/false';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails with a clear message when the lib/ file the bins load has not been built. */
export function assertBuilt(): void {
  const required = /require\('\.\.\/(lib\/[^']+)'\)/.exec(readFileSync(CREATE_BIN, 'utf8'))?.[1] ?? 'lib/cli.js';
  if (!existsSync(join(ROOT, required))) {
    throw new Error(`${required} is missing: run \`npx projen compile\` before these tests`);
  }
}

/** A fresh empty directory under the OS temp dir. */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ckb-cli-test-'));
}

/** A gh configuration directory with no account: a gh on this machine is signed out for the CLI under test. */
const SIGNED_OUT_GH = mkdtempSync(join(tmpdir(), 'ckb-gh-signed-out-'));

/**
 * The environment of every run: ours, minus anything that changes the CLI's behaviour. create
 * looks the repository's ids up with gh or the GitHub API: no token, and a gh without an account,
 * so that no test reaches GitHub (a test that wants a look-up passes its stand-ins in `extra`).
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_user_agent: NPM_USER_AGENT, GH_CONFIG_DIR: SIGNED_OUT_GH };
  for (const name of ['CREATE_KEYLESS_BUILD_SPEC', 'GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL', 'GH_HOST', 'GH_ENTERPRISE_TOKEN']) delete env[name];
  return { ...env, ...extra };
}

/** Runs a bin with stdin, stdout and stderr as pipes, so the CLI sees no terminal. */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string>; bin?: string }): CliResult {
  const result = spawnSync(process.execPath, [options.bin ?? CREATE_BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    input: '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file below dir (directories omitted), as sorted relative paths; `.git` is skipped. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') walk(full);
      } else {
        found.push(relative(dir, full));
      }
    }
  };
  walk(dir);
  return found.sort();
}

/** The permission bits of a file, e.g. 0o444. */
export function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

export interface TerminalSession {
  /** Waits until `text` appears in the output after the previous match; fails with the screen text. */
  expect(text: string, timeoutMs?: number): Promise<void>;
  /** Sends keys as typed on the terminal ("\r" is Enter, "\x7f" is Backspace). */
  type(keys: string): void;
  /** Resolves with the CLI's exit code (script -e passes it through). */
  readonly exited: Promise<number | null>;
  /** Everything printed so far, escape sequences removed. */
  screen(): string;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs create-keyless-build attached to a real pseudo-terminal, so stdin and stdout are TTYs.
 * `script` is fed through a pipe; the pty it creates starts 0 columns wide (stdin is no
 * terminal to copy the size from), so `stty` gives it a usual size first.
 */
export function runInTerminal(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): TerminalSession {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('util-linux `script` is needed for the interactive tests: apt-get install bsdutils');
  }
  const command = ['stty cols 120 rows 40 &&', 'exec', ...[process.execPath, CREATE_BIN, ...args].map(shellQuote)].join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd,
    env: cliEnv({ TERM: 'xterm-256color', ...options.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let searchFrom = 0;
  let closed = false;
  const screen = () => stripVTControlCharacters(raw);
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolveExit, rejectExit) => {
    child.on('error', rejectExit);
    child.on('close', (code) => {
      closed = true;
      resolveExit(code);
      for (const listener of listeners) listener();
    });
  });

  const expect = (text: string, timeoutMs = 15_000) =>
    new Promise<void>((resolveWait, rejectWait) => {
      const check = () => {
        const at = screen().indexOf(text, searchFrom);
        if (at >= 0) {
          searchFrom = at + text.length;
          done();
          resolveWait();
        } else if (closed) {
          done();
          rejectWait(new Error(`the CLI exited (${child.exitCode ?? child.signalCode}) before printing ${JSON.stringify(text)}. Screen:\n${screen()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        child.kill();
        rejectWait(new Error(`${JSON.stringify(text)} did not appear within ${timeoutMs} ms. Screen:\n${screen()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return { expect, type: (keys) => child.stdin.write(keys), exited, screen };
}
