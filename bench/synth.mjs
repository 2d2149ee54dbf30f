// Benchmark, not a test: wall time of `npx projen` (synth) in a created repo against a vanilla
// `projen new typescript` project. Run `npx projen bench:synth` (compiles, then runs this), or
// `node bench/synth.mjs` after `npx projen compile`. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, median, runBench, table } from './stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = count('BENCH_RUNS', 10, 1);
const WARMUP = count('BENCH_WARMUP', 1, 0);
const TARGET = 0.6;
const work = mkdtempSync(join(tmpdir(), 'keyless-synth-bench-'));
// A user's synth runs without CI=true (under it projen installs with a frozen lock file).
const env = { ...process.env, CI: undefined };

await runBench(work, main);

function main() {
  if (!existsSync(join(root, 'lib', 'cli.bundle.js'))) throw new Error('lib/ is not built: run `npx projen compile` first');
  const projenBin = join(root, 'node_modules', '.bin', 'projen');
  if (!existsSync(projenBin)) throw new Error('projen is not installed: run npm ci first');
  const projenVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'projen', 'package.json'), 'utf8')).version;

  console.log(`node ${process.version}, ${cpus().length} CPUs; projen ${projenVersion}`);
  console.log('setting up both projects (installs from the registry; takes a minute or two)...');
  // The created repo, with this checkout's build installed from a packed tarball, as users get it.
  const tarball = sh('npm', ['pack', '--pack-destination', work, '--silent'], root).trim().split('\n').pop();
  sh(process.execPath, [join(root, 'bin', 'create-keyless-build.js'), 'ours', '--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'my-bucket', '--no-git'], work, {
    CREATE_KEYLESS_BUILD_SPEC: `create-keyless-build@file:${join(work, tarball)}`,
  });
  // The peer: what `projen new typescript` gives, with the projen version this repo pins.
  const vanilla = join(work, 'vanilla');
  sh('mkdir', [vanilla], work);
  sh(projenBin, ['new', 'typescript', '--no-git'], vanilla);

  const cases = [
    { name: 'created repo', dir: join(work, 'ours'), probe: '.github/workflows/keyless-build.yml' },
    { name: 'projen new typescript', dir: vanilla, probe: '.gitattributes' },
  ];
  console.log(`${WARMUP} warm-up + ${RUNS} measured runs of \`npx projen\` per project, alternating\n`);
  for (let i = 0; i < WARMUP; i++) cases.forEach(synthOnce);
  for (const c of cases) c.samples = [];
  for (let i = 0; i < RUNS; i++) {
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length];
      c.samples.push(synthOnce(c));
    }
  }
  table([
    ['project', 'wall median', 'wall min', 'wall max'],
    ...cases.map((c) => [c.name, ms(median(c.samples)), ms(Math.min(...c.samples)), ms(Math.max(...c.samples))]),
  ]);
  const ratio = median(cases[0].samples) / median(cases[1].samples);
  console.log(`\nratio wall (created repo / projen new typescript): ${ratio.toFixed(2)}x (target <= ${TARGET}x) -> ${ratio <= TARGET ? 'target met' : 'TARGET NOT MET'}`);
}

/** One `npx projen`; throws unless it exited 0 and wrote the probe file again (removed before each run). */
function synthOnce(c) {
  const probe = join(c.dir, c.probe);
  rmSync(probe);
  const start = process.hrtime.bigint();
  const r = spawnSync('npx', ['projen'], { cwd: c.dir, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name}: npx projen exited ${r.status ?? r.signal}\n${r.stdout}${r.stderr}`);
  if (!existsSync(probe)) throw new Error(`${c.name}: npx projen did not write ${c.probe}`);
  return elapsed;
}

function sh(command, args, cwd, extraEnv = {}) {
  const r = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal} in ${cwd}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function ms(value) {
  return `${value.toFixed(0)} ms`;
}

