// Benchmark, not a test: the generated upload script (templates/sample/src/upload.ts) against
// `aws s3 cp --recursive` and s5cmd, and against the S3 server's own ceiling measured with a raw
// parallel-PUT load generator (loadgen/). Run `npx projen bench:upload`. See bench/upload/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, median, runBench } from '../stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = count('BENCH_RUNS', 3, 1);
const KiB = 1024;
const MiB = 1024 * KiB;
const WORKLOADS = [
  { name: '2000 x 8 KiB', dir: 'small', files: 2000, size: 8 * KiB },
  { name: '200 x 1 MiB', dir: 'medium', files: 200, size: MiB },
  { name: '2 x 256 MiB', dir: 'large', files: 2, size: 256 * MiB },
].filter((workload) => !process.env.BENCH_WORKLOADS || process.env.BENCH_WORKLOADS.split(',').includes(workload.dir));
const LOADGEN_CONCURRENCY = [16, 64, 256];
const TARGETS = { awsSmall: 3, s5cmd: 1, ceiling: 0.8 };
const BUCKET = 'bench';
const REGION = 'us-east-1';
// A throwaway server's root login, never a real credential.
const ACCESS_KEY = 'benchadmin';
const SECRET_KEY = 'bench-secret-not-a-credential';

const work = mkdtempSync(join(tmpdir(), 'keyless-bench-upload-'));
// The server keeps its objects in RAM when it can, so that the disk is not what is measured.
const serverDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/keyless-bench-minio-') : join(work, 'minio');
let server;
await runBench(work, main, async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(serverDir, { recursive: true, force: true });
});

async function main() {
  const tools = findTools();
  const loadBefore = loadavg();
  console.log(`machine: ${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`);
  console.log(`server: ${tools.minioVersion}; peers: ${tools.awsVersion}; s5cmd ${tools.s5cmdVersion}\n`);

  const loadgen = join(work, 'loadgen');
  mustRun('go build loadgen', 'go', ['build', '-o', loadgen, '.'], { cwd: join(root, 'bench', 'upload', 'loadgen') });
  const project = buildUploader();
  const endpoint = await startMinio(tools.minio);
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
      name: 'ceiling (raw PUT)',
      // Best of a few concurrencies: the server's limit, not the generator's.
      command: (dir, prefix) =>
        LOADGEN_CONCURRENCY.map((concurrency, i) => ({
          file: loadgen,
          args: ['-endpoint', endpoint, '-bucket', BUCKET, '-prefix', `${prefix}c${concurrency}-${i}/`, '-dir', dir, '-concurrency', String(concurrency)],
          env: peerEnv,
          prefix: `${prefix}c${concurrency}-${i}/`,
        })),
    },
    {
      name: 'ours (upload.js)',
      command: (dir, prefix) => [{ file: process.execPath, args: ['dist/upload.js'], cwd: project, env: { ...ourEnv, UPLOAD_DIR: dir, S3_PREFIX: prefix }, prefix }],
    },
    {
      name: 's5cmd cp',
      command: (dir, prefix) => [{ file: tools.s5cmd, args: ['--endpoint-url', endpoint, '--log', 'error', 'cp', `${dir}/`, `s3://${BUCKET}/${prefix}`], env: peerEnv, prefix }],
    },
    {
      name: 'aws s3 cp --recursive',
      command: (dir, prefix) => [
        { file: tools.aws, args: ['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${BUCKET}/${prefix}`], env: peerEnv, prefix },
      ],
    },
  ];

  const rows = [];
  for (const workload of WORKLOADS) {
    const dir = generate(workload);
    const seconds = new Map(contenders.map((contender) => [contender.name, []]));
    for (let run = 0; run < RUNS; run++) {
      // Rotate the order each round, so that no contender always runs first (or after the slowest).
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(run + k) % contenders.length];
        const prefix = `${workload.dir}/${slug(contender.name)}/${run}/`;
        const attempts = contender.command(dir, prefix).map((step) => {
          const elapsed = timed(contender.name, step);
          const uploaded = s5cmdCount(tools.s5cmd, endpoint, peerEnv, step.prefix);
          if (uploaded !== workload.files) {
            throw new Error(`${contender.name} uploaded ${uploaded} of ${workload.files} objects under ${step.prefix}`);
          }
          s5cmd('rm', `s3://${BUCKET}/${step.prefix}*`);
          return elapsed;
        });
        seconds.get(contender.name).push(Math.min(...attempts));
      }
    }
    for (const contender of contenders) {
      rows.push({ workload, contender: contender.name, seconds: median(seconds.get(contender.name)) });
    }
  }
  rmSync(join(work, 'data'), { recursive: true, force: true });

  printTable(rows);
  const loadAfter = loadavg();
  console.log(`\nload average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; median of ${RUNS} runs per cell`);
}

function printTable(rows) {
  const header = ['workload', 'tool', 'median s', 'objects/s', 'MB/s', 'vs ceiling'];
  const body = rows.map(({ workload, contender, seconds }) => {
    const ceiling = rows.find((row) => row.workload === workload && row.contender.startsWith('ceiling')).seconds;
    const megabytes = (workload.files * workload.size) / 1e6;
    return [workload.name, contender, seconds.toFixed(2), (workload.files / seconds).toFixed(1), (megabytes / seconds).toFixed(1), `${((100 * ceiling) / seconds).toFixed(0)}%`];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width, i) => (i < 2 ? ` ${'-'.repeat(width)} ` : ` ${'-'.repeat(width - 1)}: `)).join('|')}|`);
  body.forEach((row) => console.log(line(row)));

  console.log('\nratios (speed of ours / speed of the other; higher is better):');
  for (const workload of WORKLOADS) {
    const time = (prefix) => rows.find((row) => row.workload === workload && row.contender.startsWith(prefix)).seconds;
    const ours = time('ours');
    const checks = [
      ['aws s3 cp', time('aws') / ours, workload.dir === 'small' ? TARGETS.awsSmall : undefined],
      ['s5cmd', time('s5cmd') / ours, TARGETS.s5cmd],
      ['ceiling', time('ceiling') / ours, TARGETS.ceiling],
    ];
    const cells = checks.map(([peer, ratio, target]) => {
      const verdict = target === undefined ? 'no target' : ratio >= target ? `target ${target}x met` : `TARGET ${target}x NOT MET`;
      return `vs ${peer} ${ratio.toFixed(2)}x (${verdict})`;
    });
    console.log(`  ${workload.name.padEnd(13)} ${cells.join('; ')}`);
  }
}

/** Spawns `step` and returns its wall time in seconds; fails on a non-zero exit. */
function timed(name, step) {
  const started = process.hrtime.bigint();
  const result = spawnSync(step.file, step.args, { cwd: step.cwd, env: step.env, encoding: 'utf8', maxBuffer: 256 * MiB, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${name} exited ${result.status ?? result.signal}\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-4000)}`);
  }
  return seconds;
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

/** The plain generated repo, built as the image builds it; returns its directory. */
function buildUploader() {
  if (!existsSync(join(root, 'lib', 'cli.bundle.js'))) throw new Error('lib/ is not built: run `npx projen compile` first');
  const project = join(work, 'project');
  mustRun('create-keyless-build', process.execPath, [
    join(root, 'bin', 'create-keyless-build.js'),
    project,
    '--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/bench', '--bucket', BUCKET,
    '--no-projen', '--no-install', '--no-git',
  ]);
  mustRun('npm install', 'npm', ['install', '--no-audit', '--no-fund'], { cwd: project });
  mustRun('npm run build', 'npm', ['run', 'build'], { cwd: project });
  return project;
}

async function startMinio(minio) {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = join(work, 'minio.log');
  writeFileSync(log, '');
  server = spawn(minio, ['server', serverDir, '--address', `127.0.0.1:${port}`, '--quiet'], {
    env: { ...cleanEnv(), MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY, MINIO_BROWSER: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr.on('data', (chunk) => writeFileSync(log, chunk, { flag: 'a' }));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`minio exited ${server.exitCode}: ${readFileSync(log, 'utf8')}`);
    try {
      const response = await fetch(`${endpoint}/minio/health/ready`);
      if (response.ok) return endpoint;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`minio did not answer on ${endpoint}: ${readFileSync(log, 'utf8')}`);
}

function findTools() {
  const gobin = join(spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout?.trim() || join(process.env.HOME ?? '', 'go'), 'bin');
  const which = (name) => {
    const local = join(gobin, name);
    if (existsSync(local)) return local;
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${name} is not installed: run scripts/install-bench-tools.sh`);
    return found;
  };
  const tools = { minio: which('minio'), s5cmd: which('s5cmd'), aws: which('aws') };
  which('go');
  const version = (file, args) => spawnSync(file, args, { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  return {
    ...tools,
    // `go install` builds report no release in --version; the module version names the source.
    minioVersion: `minio ${spawnSync('go', ['version', '-m', tools.minio], { encoding: 'utf8' }).stdout.match(/\bmod\s+github\.com\/minio\/minio\s+(\S+)/)?.[1] ?? version(tools.minio, ['--version'])}`,
    s5cmdVersion: version(tools.s5cmd, ['version']),
    awsVersion: spawnSync(tools.aws, ['--version'], { encoding: 'utf8' }).stdout.trim() || spawnSync(tools.aws, ['--version'], { encoding: 'utf8' }).stderr.trim(),
  };
}

/** The environment without AWS_* variables, so that nothing from this machine reaches the contenders. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
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

function slug(name) {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

