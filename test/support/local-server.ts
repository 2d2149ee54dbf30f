/**
 * A server process for the tests (moto, the local npm registry): started on a free loopback
 * port, its output in a log file, ready once it answers HTTP, stopped with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 30_000;

export interface LocalServer {
  /** e.g. http://127.0.0.1:43127 */
  readonly url: string;
  /** What the server printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface ServerSpec {
  /** For messages, e.g. "moto". */
  readonly name: string;
  /** Where to listen; a free port when not given. */
  readonly port?: number;
  readonly command: string;
  /** The arguments, given the port to listen on. */
  readonly args: (port: number) => readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** A path that answers HTTP once the server is up. */
  readonly readyPath: string;
}

/** Starts the server and waits until it answers; a server that exits or never answers fails with its log. */
export async function startLocalServer(spec: ServerSpec): Promise<LocalServer> {
  const port = spec.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // A file, not a pipe: a server that logs every request would stall on a pipe nobody drains.
  const logDir = mkdtempSync(join(tmpdir(), `${spec.name}-`));
  const logFile = join(logDir, 'server.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(spec.command, [...spec.args(port)], { stdio: ['ignore', logFd, logFd], env: spec.env ?? process.env });
  closeSync(logFd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => { exitCode = code; resolve(); }));
  const log = () => readFileSync(logFile, 'utf8');

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(logDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) {
      const output = log();
      await stop();
      throw new Error(`${spec.name} exited (code ${exitCode}) before answering:\n${output}`);
    }
    if (Date.now() > deadline) {
      const output = log();
      await stop();
      throw new Error(`${spec.name} did not answer on ${url} within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    try {
      await fetch(`${url}${spec.readyPath}`, { signal: AbortSignal.timeout(1_000) });
      return { url, log, stop }; // Any HTTP answer means the server is up.
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A port that was free a moment ago; the OS picks it, so parallel runs do not collide. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
