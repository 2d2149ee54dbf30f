/**
 * Real container engines for the end-to-end suite, private to one run and stopped by it:
 *
 * - containerd: its own (socket, root, state under <work>/containerd), so that dockerd never
 *   picks up a system containerd at /run/containerd/containerd.sock, as dockerd 20.10 would;
 * - dockerd (Debian's docker.io): no iptables, no bridge, overlay2, its own data/exec roots and
 *   socket, an empty daemon.json of its own instead of /etc/docker/daemon.json;
 * - buildkitd (built by ./scripts/install-engines.sh): the OCI worker with runc and the overlayfs
 *   snapshotter, the containerd worker off, host network for RUN steps, and the local registry
 *   reached over plain HTTP;
 * - docker-registry (Debian's distribution 2.8) on a free loopback port, no auth.
 *
 * Every daemon logs to a file under <work>/logs; `stop()` ends them all (SIGTERM, then SIGKILL),
 * ends the container shims they left, and unmounts whatever is still mounted below <work>.
 *
 * DOCKER_CONFIG is <work>/docker-config, whose cli-plugins/docker-buildx is a symlink to the
 * plugin install-engines.sh built, so buildx builders created in a run stay in that run.
 * Needs root (dockerd, runc, overlay mounts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync,
  fstatSync, rmdirSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { RunResult, isolatedEnv, mustRun, run } from '../../support/moto';
import { freePort } from '../../support/local-server';
import { requireTool } from '../../support/tools';

export const BUILDKIT_VERSION = 'v0.35.1';
export const BUILDX_VERSION = 'v0.39.1';
export const ENGINES_INSTALL = './scripts/install-engines.sh';

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 40;

export interface Engines {
  /** unix:///<work>/docker/docker.sock */
  dockerHost: string;
  /** The DOCKER_CONFIG folder of this run, with the buildx plugin. */
  dockerConfig: string;
  /** unix:///<work>/buildkit/buildkitd.sock */
  buildkitEndpoint: string;
  /** e.g. '127.0.0.1:41234' (plain HTTP, no auth) */
  registry: string;
  registryStorage: string;
  buildkitRoot: string;
  dockerDataRoot: string;
  /** The buildkitd.toml this run wrote. */
  buildkitConfig: string;
  /** Where each daemon's output goes: containerd.log, dockerd.log, buildkitd.log, registry.log. */
  logDir: string;
  /** DOCKER_HOST, DOCKER_CONFIG, BUILDKIT_HOST and PATH (buildctl's folder and Go's bin first). */
  env: Record<string, string>;
  /** Ends every daemon and unmounts what they left below work; safe to call more than once. */
  stop(): Promise<void>;
}

interface Paths {
  buildkitBin: string;
  buildkitd: string;
  buildctl: string;
  /** BuildKit's Dockerfile frontend, built from the same source (what `docker/dockerfile:1` runs). */
  dockerfileFrontend: string;
  buildxPlugin: string;
  goBin: string;
}

export function dockerfileFrontendPath(): string {
  return enginePaths().dockerfileFrontend;
}

function dataDir(): string {
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'keyless-build');
}

function enginePaths(): Paths {
  const buildkitBin = join(dataDir(), `buildkit-${BUILDKIT_VERSION}`, 'bin');
  const goPath = (process.env.GOPATH || join(homedir(), 'go')).split(delimiter)[0];
  return {
    buildkitBin,
    buildkitd: join(buildkitBin, 'buildkitd'),
    buildctl: join(buildkitBin, 'buildctl'),
    dockerfileFrontend: join(buildkitBin, 'dockerfile-frontend'),
    buildxPlugin: join(dataDir(), 'docker-config', 'cli-plugins', 'docker-buildx'),
    goBin: process.env.GOBIN || join(goPath, 'bin'),
  };
}

/**
 * Fails, naming the install script, when a binary the engines need is missing. Nothing is
 * skipped: a test that needs the engines fails without them.
 */
export function requireEngines(): void {
  const install = `${ENGINES_INSTALL} (as root)`;
  for (const tool of ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'runc', 'docker-registry', 'docker']) {
    requireTool(tool, install);
  }
  const paths = enginePaths();
  for (const [name, path] of [
    [`buildkitd ${BUILDKIT_VERSION}`, paths.buildkitd],
    [`buildctl ${BUILDKIT_VERSION}`, paths.buildctl],
    [`dockerfile-frontend ${BUILDKIT_VERSION}`, paths.dockerfileFrontend],
    [`docker-buildx ${BUILDX_VERSION}`, paths.buildxPlugin],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${name} is not installed (no ${path}); install it with: ${install}`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the container engines (dockerd, buildkitd with runc) need root; run the end-to-end suite as root');
  }
}

interface Daemon {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
  /** undefined while it runs. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = LOG_TAIL_LINES): string {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return `(no log at ${file}: ${(error as Error).message})`;
  }
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return `--- last ${lines} lines of ${file} ---\n${tail}`;
}

function startDaemon(name: string, command: string, args: readonly string[], logDir: string, env: NodeJS.ProcessEnv): Daemon {
  const logFile = join(logDir, `${name}.log`);
  // A file, not a pipe: a daemon that logs a lot would stall on a pipe nobody drains.
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `### ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, [...args], { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const daemon: Daemon = { name, child, logFile, exited: Promise.resolve() };
  daemon.exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      daemon.exit = { code, signal };
      resolveExit();
    });
    child.once('error', (error) => {
      daemon.exit = { code: null, signal: null };
      writeFileSync(logFile, `### ${name} could not start: ${error.message}\n`, { flag: 'a' });
      resolveExit();
    });
  });
  return daemon;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls `ready` until it answers true; a daemon that exits or never gets ready fails with its log's tail. */
async function waitReady(daemon: Daemon, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (daemon.exit) {
      throw new Error(`${daemon.name} exited (code ${daemon.exit.code}, signal ${daemon.exit.signal}) before ${what}:\n${logTail(daemon.logFile)}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${daemon.name}: ${what} did not happen within ${START_TIMEOUT_MS} ms:\n${logTail(daemon.logFile)}`);
    }
    await sleep(200);
  }
}

async function answers(command: string, args: readonly string[], env: Record<string, string>): Promise<boolean> {
  const result = await run(command, args, { env, timeoutMs: 10_000 });
  return result.code === 0;
}

/** Whether a unix socket takes connections. */
function socketAccepts(path: string): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect(path);
    socket.once('connect', () => { socket.destroy(); resolveAccepts(true); });
    socket.once('error', () => resolveAccepts(false));
  });
}

/** Mount points at or below `dir`, the most recent first (so nested and stacked mounts come off in order). */
export function mountsBelow(dir: string): string[] {
  const decode = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => decode(line.split(' ')[4]))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .reverse();
}

async function unmountBelow(dir: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const points = mountsBelow(dir);
    if (points.length === 0) return;
    for (const point of points) {
      const result = await run('umount', [point]);
      if (result.code !== 0) await run('umount', ['-l', point]);
    }
  }
  const left = mountsBelow(dir);
  if (left.length > 0) throw new Error(`still mounted below ${dir} after unmounting: ${left.join(', ')}`);
}

/** Helper processes the daemons started that outlive them (container shims, runc), found by `work` in their command line. */
function strayProcesses(work: string): number[] {
  const helper = /^(containerd|containerd-shim.*|dockerd|docker-proxy|docker-init|runc|buildkitd|buildkit-.*|docker-registry)$/;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (!helper.test(comm)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((arg) => arg === work || arg.includes(`${work}/`))) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The cgroup folders of this run's containers: dockerd's (`docker/<id>`) and buildkitd's RUN steps (`buildkit/<id>`). */
function containerCgroups(dockerDataRoot: string, buildkitRoot: string): string[] {
  const subdirs = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    } catch {
      return [];
    }
  };
  const relative = [
    ...subdirs(join(dockerDataRoot, 'containers')).map((id) => join('docker', id)),
    ...subdirs(join(buildkitRoot, 'runc-overlayfs', 'executor')).map((id) => join('buildkit', id)),
  ];
  const hierarchies = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => /^cgroup2?$/.test(fields[fields.indexOf('-') + 1] ?? ''))
    .map((fields) => fields[4]);
  return hierarchies.flatMap((hierarchy) => relative.map((dir) => join(hierarchy, dir))).filter((dir) => existsSync(dir));
}

/**
 * Container processes left when dockerd or buildkitd died without cleaning up (a crash, a
 * SIGKILL): found by the cgroups of their container ids, killed, and their cgroups removed.
 */
async function killContainerProcesses(dockerDataRoot: string, buildkitRoot: string): Promise<void> {
  const cgroups = containerCgroups(dockerDataRoot, buildkitRoot);
  if (cgroups.length === 0) return;
  const pidsIn = () => [...new Set(cgroups.flatMap((dir) => {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }))].filter(alive);
  const deadline = Date.now() + 10_000;
  let pids: number[];
  while ((pids = pidsIn()).length > 0) {
    if (Date.now() > deadline) throw new Error(`container processes survived SIGKILL: ${pids.join(', ')}`);
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await sleep(100);
  }
  for (const dir of cgroups) {
    try { rmdirSync(dir); } catch { /* zombies not yet reaped keep it busy a moment; not worth failing for */ }
  }
}

/** Whether the process runs: a zombie (ended, waiting for init to reap it) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.exit || daemon.child.pid === undefined) return;
  const note = (text: string) => writeFileSync(daemon.logFile, `### ${new Date().toISOString()} ${text}\n`, { flag: 'a' });
  note('stop: SIGTERM');
  daemon.child.kill('SIGTERM');
  // buildkitd waits for running builds' clients, dockerd for its containers; both give up
  // waiting at a third SIGTERM (their "forcing shutdown"), and SIGKILL is the last resort.
  const timers = [
    setTimeout(() => {
      note(`stop: still running ${STOP_GRACE_MS} ms after SIGTERM: two more SIGTERMs`);
      daemon.child.kill('SIGTERM');
      setTimeout(() => daemon.child.kill('SIGTERM'), 100).unref();
    }, STOP_GRACE_MS),
    setTimeout(() => {
      note(`stop: still running ${STOP_TIMEOUT_MS} ms after SIGTERM: SIGKILL`);
      daemon.child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS),
  ];
  await daemon.exited;
  for (const timer of timers) clearTimeout(timer);
}

async function killStrays(work: string): Promise<void> {
  let pids = strayProcesses(work);
  if (pids.length === 0) return;
  for (const pid of pids) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  const deadline = Date.now() + 5_000;
  while ((pids = pids.filter(alive)).length > 0 && Date.now() < deadline) await sleep(100);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  const killDeadline = Date.now() + 5_000;
  while ((pids = pids.filter(alive)).length > 0 && Date.now() < killDeadline) await sleep(100);
  if (pids.length > 0) throw new Error(`processes below ${work} survived SIGKILL: ${pids.join(', ')}`);
}

function buildkitToml(paths: { root: string; otelSocket: string; runc: string; registry: string }): string {
  return [
    `root = ${JSON.stringify(paths.root)}`,
    '',
    '[otel]',
    // Its default, /run/buildkit/otel-grpc.sock, would be shared with any other buildkitd.
    `  socketPath = ${JSON.stringify(paths.otelSocket)}`,
    '',
    '[cdi]',
    '  disabled = true',
    '',
    '[worker.oci]',
    '  enabled = true',
    '  snapshotter = "overlayfs"',
    `  binary = ${JSON.stringify(paths.runc)}`,
    // RUN steps share the host's network: services the tests start on 127.0.0.1 are reachable.
    '  networkMode = "host"',
    '  gc = false',
    '',
    '[worker.containerd]',
    '  enabled = false',
    '',
    // Plain HTTP. (`insecure = true` means HTTPS with an unverified certificate; BuildKit's docs say
    // not to set both.)
    `[registry.${JSON.stringify(paths.registry)}]`,
    '  http = true',
    '',
    // Docker Hub cannot be reached: the local registry mirrors it, as a company's mirror would,
    // so the generated Dockerfile's `FROM node:<major>-slim` is built unchanged.
    '[registry."docker.io"]',
    `  mirrors = [${JSON.stringify(paths.registry)}]`,
    '',
  ].join('\n');
}

function containerdToml(dir: string, socket: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    // Kubernetes' CRI is not needed, and would look for CNI in /etc and /opt.
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    '',
    '[ttrpc]',
    `  address = ${JSON.stringify(`${socket}.ttrpc`)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(dir, 'opt'))}`,
    '',
  ].join('\n');
}

function registryYaml(storage: string, address: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${JSON.stringify(address)}`,
    '',
  ].join('\n');
}

/**
 * Starts containerd, dockerd, docker-registry and buildkitd with all their state below `work`
 * (an existing folder of this run's own), and waits until each answers. A start that fails
 * half-way stops what it had started (and unmounts) before it throws.
 */
export async function startEngines(work: string): Promise<Engines> {
  requireEngines();
  work = resolve(work);
  const paths = enginePaths();
  const runc = requireTool('runc', ENGINES_INSTALL);

  const logDir = join(work, 'logs');
  const containerdDir = join(work, 'containerd');
  const dockerDir = join(work, 'docker');
  const buildkitDir = join(work, 'buildkit');
  const registryDir = join(work, 'registry');
  const dockerConfig = join(work, 'docker-config');
  for (const dir of [logDir, containerdDir, dockerDir, buildkitDir, registryDir, join(dockerConfig, 'cli-plugins')]) {
    mkdirSync(dir, { recursive: true });
  }
  const pluginLink = join(dockerConfig, 'cli-plugins', 'docker-buildx');
  if (!existsSync(pluginLink)) symlinkSync(paths.buildxPlugin, pluginLink);
  if (!existsSync(join(dockerConfig, 'config.json'))) writeFileSync(join(dockerConfig, 'config.json'), '{}\n');

  const containerdSocket = join(containerdDir, 'containerd.sock');
  const dockerSocket = join(dockerDir, 'docker.sock');
  const buildkitSocket = join(buildkitDir, 'buildkitd.sock');
  const dockerHost = `unix://${dockerSocket}`;
  const buildkitEndpoint = `unix://${buildkitSocket}`;
  const dockerDataRoot = join(dockerDir, 'data');
  const buildkitRoot = join(buildkitDir, 'root');
  const registryStorage = join(registryDir, 'storage');
  // unix sockets take at most 107 bytes of path.
  for (const socket of [containerdSocket, `${containerdSocket}.ttrpc`, dockerSocket, buildkitSocket]) {
    if (Buffer.byteLength(socket) > 100) throw new Error(`${socket} is too long for a unix socket; use a shorter work folder`);
  }

  const path = [paths.buildkitBin, paths.goBin, process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].join(delimiter);
  const env: Record<string, string> = {
    DOCKER_HOST: dockerHost,
    DOCKER_CONFIG: dockerConfig,
    BUILDKIT_HOST: buildkitEndpoint,
    PATH: path,
  };
  // What the daemons see: the host's environment without any docker or buildkit client setting.
  const daemonEnv: NodeJS.ProcessEnv = { PATH: path };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(DOCKER_|BUILDKIT|BUILDX_|CONTAINERD_|NOTIFY_SOCKET$)/.test(name) && name !== 'PATH') daemonEnv[name] = value;
  }
  const clientEnv: Record<string, string> = { ...(daemonEnv as Record<string, string>), ...env };

  const daemons: Daemon[] = [];
  let stopping: Promise<void> | undefined;
  const killOnExit = () => {
    for (const daemon of daemons) if (!daemon.exit) daemon.child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: string[] = [];
      // Containers still there are removed at once (SIGKILL), rather than waiting out dockerd's
      // shutdown timeout for each.
      const dockerd = daemons.find((daemon) => daemon.name === 'dockerd');
      if (dockerd && !dockerd.exit) {
        const containers = await run('docker', ['ps', '-aq'], { env: clientEnv, timeoutMs: 10_000 }).catch(() => undefined);
        const ids = containers?.code === 0 ? containers.stdout.split('\n').filter(Boolean) : [];
        if (ids.length > 0) await run('docker', ['rm', '-f', ...ids], { env: clientEnv, timeoutMs: 30_000 }).catch(() => undefined);
      }
      // buildkitd and dockerd first (dockerd needs containerd to stop its containers), containerd last.
      for (const name of ['buildkitd', 'dockerd', 'registry', 'containerd']) {
        const daemon = daemons.find((candidate) => candidate.name === name);
        if (daemon) await stopDaemon(daemon);
      }
      try { await killContainerProcesses(dockerDataRoot, buildkitRoot); } catch (error) { errors.push((error as Error).message); }
      try { await killStrays(work); } catch (error) { errors.push((error as Error).message); }
      try { await unmountBelow(work); } catch (error) { errors.push((error as Error).message); }
      process.removeListener('exit', killOnExit);
      if (errors.length > 0) throw new Error(`stopping the engines under ${work}: ${errors.join('; ')}`);
    })();
    return stopping;
  };

  try {
    writeFileSync(join(containerdDir, 'config.toml'), containerdToml(containerdDir, containerdSocket));
    const containerd = startDaemon('containerd', 'containerd', ['--config', join(containerdDir, 'config.toml'), '--log-level', 'info'], logDir, daemonEnv);
    daemons.push(containerd);

    const registryPort = await freePort();
    const registry = `127.0.0.1:${registryPort}`;
    writeFileSync(join(registryDir, 'config.yml'), registryYaml(registryStorage, registry));
    const registryDaemon = startDaemon('registry', 'docker-registry', ['serve', join(registryDir, 'config.yml')], logDir, daemonEnv);
    daemons.push(registryDaemon);

    await waitReady(containerd, `containerd listened on ${containerdSocket}`, () => socketAccepts(containerdSocket));

    writeFileSync(join(dockerDir, 'daemon.json'), '{}\n');
    const dockerd = startDaemon('dockerd', 'dockerd', [
      '--config-file', join(dockerDir, 'daemon.json'),
      '--containerd', containerdSocket,
      '--data-root', dockerDataRoot,
      '--exec-root', join(dockerDir, 'exec'),
      '--pidfile', join(dockerDir, 'dockerd.pid'),
      '-H', dockerHost,
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--bridge=none',
      '--userland-proxy=false',
      '--storage-driver=overlay2',
      // Containers still running at stop() get this long after SIGTERM (the default is 15 s).
      '--shutdown-timeout=5',
    ], logDir, daemonEnv);
    daemons.push(dockerd);

    const buildkitConfig = join(buildkitDir, 'buildkitd.toml');
    writeFileSync(buildkitConfig, buildkitToml({ root: buildkitRoot, otelSocket: join(buildkitDir, 'otel-grpc.sock'), runc, registry }));
    const buildkitd = startDaemon('buildkitd', paths.buildkitd, [
      '--config', buildkitConfig,
      '--root', buildkitRoot,
      '--addr', buildkitEndpoint,
      '--oci-worker=true',
      '--oci-worker-binary', runc,
      '--oci-worker-snapshotter', 'overlayfs',
      '--containerd-worker=false',
    ], logDir, daemonEnv);
    daemons.push(buildkitd);

    await waitReady(registryDaemon, `GET http://${registry}/v2/ answered 200`, async () => {
      const response = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(1_000) });
      return response.status === 200;
    });
    await waitReady(dockerd, `docker version answered on ${dockerHost}`, () => answers('docker', ['version'], clientEnv));
    await waitReady(buildkitd, `buildctl debug workers answered on ${buildkitEndpoint}`, () =>
      answers(paths.buildctl, ['--addr', buildkitEndpoint, 'debug', 'workers'], clientEnv));

    return {
      dockerHost,
      dockerConfig,
      buildkitEndpoint,
      registry,
      registryStorage,
      buildkitRoot,
      dockerDataRoot,
      buildkitConfig,
      logDir,
      env,
      stop,
    };
  } catch (error) {
    try {
      await stop();
    } catch (stopError) {
      (error as Error).message += `\n(and stopping what had started failed: ${(stopError as Error).message})`;
    }
    throw error;
  }
}

/** The environment a docker / buildx / buildctl command of this run gets. */
export function enginesEnv(engines: Pick<Engines, 'env'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(DOCKER_|BUILDKIT_HOST$|BUILDX_)/.test(name)) env[name] = value;
  }
  return { ...env, ...engines.env };
}

/**
 * Empties BuildKit's state (layer cache, cache mounts, build history): what the new builder of a
 * GitHub-hosted job starts with, so only the cache a workflow imports can make a run faster.
 */
export async function emptyBuilder(engines: Pick<Engines, 'env'>): Promise<void> {
  await mustRun('buildctl', ['prune', '--all'], { env: isolatedEnv(engines.env) });
}

/** `docker <args>` against this run's dockerd and DOCKER_CONFIG; a non-zero exit throws with the output. */
export async function docker(engines: Pick<Engines, 'env'>, args: readonly string[], timeoutMs = 300_000): Promise<RunResult> {
  const result = await run('docker', args, { env: enginesEnv(engines), timeoutMs });
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

export interface SmokeTestResult {
  /** The images pushed: `<registry>/keyless-smoke-scratch:<tag>`, `<registry>/busybox:<tag>`, `<registry>/keyless-smoke-secret:<tag>`. */
  images: string[];
  seconds: Record<string, number>;
}

/**
 * Checks the engines the way a workflow uses them: a buildx builder with the remote driver on
 * buildkitd; a `FROM scratch` image built and pushed to the registry; a busybox base image
 * made with `docker import` and `docker push`ed; and an image built `FROM` it whose RUN step
 * reads a required build secret, pushed too. The builder is removed afterwards; `work` gets the
 * build contexts.
 */
export async function smokeTest(engines: Engines, work: string): Promise<SmokeTestResult> {
  const busybox = requireTool('busybox', 'apt-get install busybox-static (./scripts/install-test-tools.sh)');
  const tag = randomBytes(4).toString('hex');
  const builder = `keyless-smoke-${tag}`;
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await action();
    } finally {
      seconds[name] = (Date.now() - started) / 1000;
    }
  };

  const scratchDir = join(work, 'smoke-scratch');
  mkdirSync(scratchDir, { recursive: true });
  writeFileSync(join(scratchDir, 'hello.txt'), `hello ${tag}\n`);
  writeFileSync(join(scratchDir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');

  // A static busybox as the whole root file system.
  const rootfs = join(work, 'smoke-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'cat', 'ls', 'echo', 'sleep']) {
    if (!existsSync(join(rootfs, 'bin', applet))) symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  const rootfsTar = join(work, 'smoke-rootfs.tar');
  const tar = await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', rootfsTar, '.']);
  if (tar.code !== 0) throw new Error(`tar exited ${tar.code}: ${tar.stderr}`);

  const secretValue = `keyless-smoke-secret-${randomBytes(8).toString('hex')}`;
  const secretFile = join(work, 'smoke-secret.txt');
  writeFileSync(secretFile, secretValue, { mode: 0o600 });
  const secretDir = join(work, 'smoke-secret');
  mkdirSync(secretDir, { recursive: true });
  const base = `${engines.registry}/busybox:${tag}`;
  writeFileSync(join(secretDir, 'Dockerfile'), [
    `FROM ${base}`,
    'RUN --mount=type=secret,id=s,required=true cat /run/secrets/s',
    '',
  ].join('\n'));

  const scratchImage = `${engines.registry}/keyless-smoke-scratch:${tag}`;
  const secretImage = `${engines.registry}/keyless-smoke-secret:${tag}`;
  await timed('buildx create', () => docker(engines, ['buildx', 'create', '--name', builder, '--driver', 'remote', engines.buildkitEndpoint]));
  try {
    await timed('build scratch + push', () =>
      docker(engines, ['buildx', 'build', '--builder', builder, '--progress=plain', '--push', '-t', scratchImage, scratchDir]));
    await timed('docker import + push busybox', async () => {
      await docker(engines, ['import', rootfsTar, base]);
      await docker(engines, ['push', base]);
    });
    const build = await timed('build RUN secret + push', () => docker(engines, [
      'buildx', 'build', '--builder', builder, '--progress=plain', '--push',
      '--secret', `id=s,src=${secretFile}`, '-t', secretImage, secretDir,
    ]));
    if (!build.stderr.includes(secretValue)) {
      throw new Error(`the RUN step did not print the secret:\n${build.stderr}`);
    }
  } finally {
    await run('docker', ['buildx', 'rm', builder], { env: enginesEnv(engines) });
  }

  for (const image of [scratchImage, base, secretImage]) {
    const [repository, reference] = image.slice(engines.registry.length + 1).split(':');
    const response = await fetch(`http://${engines.registry}/v2/${repository}/manifests/${reference}`, {
      method: 'HEAD',
      headers: {
        accept: [
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ].join(', '),
      },
    });
    if (response.status !== 200) throw new Error(`the registry has no ${image} (HEAD manifest answered ${response.status})`);
  }
  return { images: [scratchImage, base, secretImage], seconds };
}
