// Benchmark, not a test: wall time and peak RSS of `create-keyless-build` against create-vite.
// Run `npx projen bench` (compiles, then runs this), or `node bench/create.mjs` after `npx projen compile`.
// See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, median, runBench, table } from './stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = count('BENCH_RUNS', 20, 1);
const WARMUP = count('BENCH_WARMUP', 3, 0);
const WALL_TARGET = 1.5;
const rssPreload = join(root, 'bench', 'report-rss.cjs');
const work = mkdtempSync(join(tmpdir(), 'keyless-bench-'));
let seq = 0; // numbers the fresh target dirs

await runBench(work, main);

function main() {
  if (!existsSync(join(root, 'lib', 'cli.bundle.js'))) throw new Error('lib/ is not built: run `npx projen compile` first');
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const vite = installCreateVite();

  const ourBin = join(root, 'bin', 'create-keyless-build.js');
  const ourArgs = ['--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'my-bucket', '--no-install', '--no-git'];
  const ourFiles = ['package.json', '.github/workflows/keyless-build.yml', 'cloudformation/keyless-build.yaml'];
  const [projen, plain, peer] = [
    { name: 'ours (projen)', script: ourBin, args: (dir) => [dir, ...ourArgs], expect: [...ourFiles, '.projenrc.ts'] },
    { name: 'ours --no-projen', script: ourBin, args: (dir) => [dir, ...ourArgs, '--no-projen'], expect: [...ourFiles, 'tsconfig.json'], absent: ['.projenrc.ts'] },
    { name: 'create-vite', script: vite.bin, args: (dir) => ['--template', 'vanilla-ts', '--no-interactive', '--no-immediate', dir], expect: ['package.json', 'index.html', 'src/main.ts', 'tsconfig.json'] },
  ];
  const cases = [projen, plain, peer];

  console.log(`node ${process.version}, ${cpus().length} CPUs; create-keyless-build ${ours} vs create-vite ${vite.version} (vanilla-ts)`);
  console.log(`${WARMUP} warm-up + ${RUNS} measured runs per command, alternating; wall = spawn to exit; RSS = maxRSS of the process\n`);
  for (let i = 0; i < WARMUP; i++) cases.forEach(runOnce);
  for (const c of cases) c.samples = [];
  // Rotate the order every round so no command always runs right after the same one.
  for (let i = 0; i < RUNS; i++) {
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length];
      c.samples.push(runOnce(c));
    }
  }

  for (const c of cases) {
    c.wall = median(c.samples.map((s) => s.ms));
    c.rss = median(c.samples.map((s) => s.mib));
  }
  table([
    ['command', 'wall median', 'wall p90', 'peak RSS median', 'peak RSS max'],
    ...cases.map((c) => [
      c.name,
      `${c.wall.toFixed(1)} ms`,
      `${p90(c.samples.map((s) => s.ms)).toFixed(1)} ms`,
      `${c.rss.toFixed(1)} MiB`,
      `${Math.max(...c.samples.map((s) => s.mib)).toFixed(1)} MiB`,
    ]),
  ]);

  console.log();
  for (const [label, c] of [['ours', projen], ['ours --no-projen', plain]]) {
    const ratio = c.wall / peer.wall;
    const verdict = ratio <= WALL_TARGET ? 'target met' : 'TARGET NOT MET';
    console.log(`ratio wall (${label}/create-vite): ${ratio.toFixed(2)}x (target <= ${WALL_TARGET}x) -> ${verdict}`);
  }
  for (const [label, c] of [['ours', projen], ['ours --no-projen', plain]]) {
    console.log(`ratio memory (${label}/create-vite): ${(c.rss / peer.rss).toFixed(2)}x (no target)`);
  }
}

/** create-vite from this repo's devDependencies (version fixed by the lock file). */
function installCreateVite() {
  const dir = join(root, 'node_modules', 'create-vite');
  if (!existsSync(join(dir, 'package.json'))) throw new Error('create-vite is not installed: run npm ci first');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { version: pkg.version, bin: join(dir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['create-vite']) };
}

/** One run in a fresh target dir; throws unless it exited 0 with the expected files (and installed nothing). */
function runOnce(c) {
  // Relative to cwd: create-vite joins cwd and the target, so an absolute target would be nested.
  const dir = `run-${++seq}`;
  const target = join(work, dir);
  const rssFile = join(work, `${dir}.rss`);
  const argv = ['--require', rssPreload, c.script, ...c.args(dir)];
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, {
    cwd: work,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;

  const problems = [
    ...(r.status === 0 ? [] : [r.error?.message ?? `exit ${r.status ?? r.signal}`]),
    ...c.expect.filter((f) => !existsSync(join(target, f))).map((f) => `missing ${f}`),
    ...['node_modules', ...(c.absent ?? [])].filter((f) => existsSync(join(target, f))).map((f) => `unexpected ${f}`),
    ...(existsSync(rssFile) ? [] : ['no peak RSS report']),
  ];
  if (problems.length > 0) {
    throw new Error(`${c.name}: ${problems.join(', ')}\n  cwd ${work}\n  $ node ${argv.join(' ')}\n${r.stdout}${r.stderr}`);
  }
  const mib = Number(readFileSync(rssFile, 'utf8')) / 1024; // maxRSS is in KiB
  rmSync(target, { recursive: true, force: true });
  return { ms, mib };
}

/** Nearest-rank 90th percentile. */
function p90(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(0.9 * s.length) - 1];
}

