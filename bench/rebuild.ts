// Benchmark, not a test: the generated workflow's run on a warm layer cache (nothing changed)
// against its run on an empty one, both run by act on the real BuildKit with the end-to-end
// suite's engines, moto and local npm registry. `npx projen bench:rebuild`; see bench/README.md.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UPLOAD_STAGE, WORKFLOW_PATH } from '../src/core/constants';
import { ActRun, commitAsPushed, jobEnvironment, requireAct, runAct } from '../test/e2e/support/act';
import { actionFolders, realActions } from '../test/e2e/support/actions';
import { importBaseImage, pushDockerfileFrontend } from '../test/e2e/support/base-image';
import { npmCiCached, stepSeconds, vertexSeconds } from '../test/e2e/support/build-log';
import { Engines, emptyBuilder, requireEngines, startEngines } from '../test/e2e/support/engines';
import { TokenIssuer, startTokenIssuer } from '../test/e2e/support/token-issuer';
import { Moto, createBucket, isolatedEnv, mustRun, startMoto } from '../test/support/moto';
import { testEnvironment } from '../test/support/npm-before';
import { SEED, SEED_FLAGS } from '../test/support/parameter-sets';
import { setup as startNpmRegistry } from '../test/support/registry-setup';
import { assertBuilt } from '../test/support/run-cli';
import { requireTool } from '../test/support/tools';

const ROOT = resolve(__dirname, '..');
const TARGET = 0.5;
/** A typical front-end app's dependencies: what create-vite's react-ts template installs. */
const VITE_TEMPLATE = join(ROOT, 'node_modules', 'create-vite', 'template-react-ts', 'package.json');

interface Case {
  name: string;
  repo: string;
  sha: string;
  /** act's folder of this repo: the stand-in actions, the cache server's store. */
  work: string;
  uploads: number;
  runs: { cold: ActRun; warm: ActRun }[];
}

/** What the breakdown shows of a run: the job's steps, and inside the build, BuildKit's vertices. */
const VERTICES: [string, RegExp][] = [
  ['  npm ci', /^\[build \d+\/\d+\] RUN .*npm ci/],
  // On a warm cache, BuildKit restores the build stage's layers under this step: the upload runs on them.
  ['  npm run compile (warm: the layers below restored)', /^\[build \d+\/\d+\] RUN .*npm run compile/],
  [`  ${UPLOAD_STAGE} (the secret-mounted RUN)`, new RegExp(`^\\[${UPLOAD_STAGE} \\d+/\\d+\\] RUN`)],
  ['  export and push the image', /^exporting to image/],
  ['  export the layer cache (type=gha)', /^exporting to GitHub Actions Cache/],
];

const work = mkdtempSync(join(tmpdir(), 'keyless-rebuild-bench-'));
const stops: (() => Promise<void>)[] = [];
/** The helpers the other benchmarks share (an ES module: this file runs as CommonJS, as test/ does). */
type Stats = { count(name: string, fallback: number, min: number): number; median(values: number[]): number; table(rows: string[][]): void };
let stats: Stats;

void (async () => {
  let failed = true;
  try {
    stats = (await import('./stats.mjs')) as Stats;
    await main();
    failed = false;
  } catch (error) {
    console.error(`\nbench FAILED: ${(error as Error).message}`);
    console.error(`(kept ${work} for inspection)`);
    process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => console.error(`stopping: ${error.message}`));
    if (!failed) rmSync(work, { recursive: true, force: true });
  }
})();

async function main(): Promise<void> {
  const pairs = stats.count('BENCH_RUNS', 5, 1);
  const warmUpPairs = stats.count('BENCH_WARMUP', 1, 0);
  assertBuilt();
  requireEngines();
  requireAct();
  requireTool('aws', 'pip install awscli (./scripts/install-test-tools.sh)');
  process.env.npm_config_before ??= testEnvironment.npm_config_before;
  console.log(`node ${process.version}, ${cpus().length} CPUs; ${warmUpPairs} warm-up + ${pairs} measured pairs of runs per repo (BENCH_WARMUP, BENCH_RUNS)`);
  const real = realActions();
  console.log(`actions: ${real.length > 0 ? `the real releases ${real.join(', ')} (KEYLESS_ACTIONS_DIR), stand-ins for the others` : 'the stand-ins in test/e2e/actions'}`);
  console.log('setting up: local npm registry, dockerd, buildkitd, image registry, moto, token endpoint...');

  stops.push(await startNpmRegistry());
  const engines = await startEngines(join(work, 'engines'));
  stops.push(engines.stop);
  await pushDockerfileFrontend(engines, work);
  const issuer = await startTokenIssuer();
  stops.push(issuer.stop);
  const moto = await startMoto({
    script: join(ROOT, 'test', 'e2e', 'support', 'moto-server.py'),
    env: { KEYLESS_E2E_UNSIGNED_REGION: SEED.region, MOTO_ACCOUNT_ID: SEED.account },
  });
  stops.push(moto.stop);
  // moto's IAM enforcement stays off: the bench times the run; the e2e suite proves the permissions.
  await createBucket(moto, SEED.bucket, SEED.region);

  const cases = [await createCase('sample app'), await createCase('sample app + create-vite react-ts dependencies', addViteTemplateDependencies)];
  await importBaseImage(engines, readFileSync(join(cases[0]!.repo, 'Dockerfile'), 'utf8'), moto.endpoint);

  console.log('measuring: each pair is a run on an empty cache, then one on the cache it left; the repos alternate\n');
  for (let pair = 0; pair < warmUpPairs + pairs; pair++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(pair + i) % cases.length]!;
      const cold = await measuredRun(c, engines, moto, issuer, 'cold');
      const warm = await measuredRun(c, engines, moto, issuer, 'warm');
      const warmUp = pair < warmUpPairs;
      if (!warmUp) c.runs.push({ cold, warm });
      console.log(`  ${c.name}: cold ${cold.seconds.toFixed(1)} s, warm ${warm.seconds.toFixed(1)} s${warmUp ? ' (warm-up, not counted)' : ''}`);
    }
  }
  for (const c of cases) report(c);
}

/** A repo made as the README tells (`npm create keyless-build@latest`, a projen repo), then changed. */
async function createCase(name: string, change?: (repo: string) => void): Promise<Case> {
  const caseWork = mkdtempSync(join(work, 'case-'));
  await mustRun('npm', ['create', 'keyless-build@latest', 'repo', '--', ...SEED_FLAGS, '--no-git'], { cwd: caseWork, env: isolatedEnv({ npm_config_yes: 'true' }), timeoutMs: 600_000 });
  const repo = join(caseWork, 'repo');
  if (change) {
    change(repo);
    await mustRun('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repo, env: isolatedEnv() });
  }
  const sha = await commitAsPushed(repo, SEED.repo);
  const uploadDir = /^ARG UPLOAD_DIR=(.+)$/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1] ?? '';
  const uploads = readdirSync(join(repo, uploadDir), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
  return { name, repo, sha, work: caseWork, uploads, runs: [] };
}

/** Adds the template's dependencies the sample does not have (the sample keeps its typescript). */
function addViteTemplateDependencies(repo: string): void {
  const template = JSON.parse(readFileSync(VITE_TEMPLATE, 'utf8')) as Record<string, Record<string, string>>;
  const file = join(repo, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  for (const field of ['dependencies', 'devDependencies']) {
    for (const [dependency, range] of Object.entries(template[field] ?? {})) {
      if (!pkg.dependencies?.[dependency] && !pkg.devDependencies?.[dependency]) pkg[field] = { ...pkg[field], [dependency]: range };
    }
  }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/**
 * One run of the workflow on a new builder (as a GitHub-hosted job's); `cold` also empties the
 * cache service. Throws unless the job succeeded, `npm ci` came from the cache exactly when warm,
 * and the upload sent every file to S3.
 */
async function measuredRun(c: Case, engines: Engines, moto: Moto, issuer: TokenIssuer, kind: 'cold' | 'warm'): Promise<ActRun> {
  if (kind === 'cold') rmSync(join(c.work, 'act', 'cache-server'), { recursive: true, force: true });
  await emptyBuilder(engines);
  issuer.setClaims({ sub: `repo:${SEED.repo}:ref:refs/heads/main`, repository: SEED.repo, ref: 'refs/heads/main', actor: 'octocat', runId: '7001', sha: c.sha });
  const logStart = moto.log().length;
  const result = await runAct({
    repo: c.repo,
    workflow: WORKFLOW_PATH,
    event: 'push',
    payload: { ref: 'refs/heads/main' },
    actor: 'octocat',
    runId: '7001',
    actions: actionFolders(c.work),
    stateDir: join(c.work, 'act'),
    env: jobEnvironment({ engines, motoEndpoint: moto.endpoint, issuer }),
  });
  const what = `${c.name}, ${kind} run`;
  if (result.code !== 0) throw new Error(`${what}: act exited ${result.code}\n${result.log}`);
  if (npmCiCached(result.log) !== (kind === 'warm')) throw new Error(`${what}: npm ci ${kind === 'warm' ? 'did not come' : 'came'} from the cache\n${result.log}`);
  const puts = moto.log().slice(logStart).split('\n').filter((line) => line.includes(`"PUT /${SEED.bucket}/`)).length;
  if (puts !== c.uploads) throw new Error(`${what}: ${puts} PUTs at S3, expected one per file (${c.uploads})\n${result.log}`);
  return result;
}

function report(c: Case): void {
  const seconds = (values: number[]) => `${stats.median(values).toFixed(2)} s`;
  const rows: string[][] = [['', 'cold (median)', 'warm (median)']];
  const row = (label: string, of: (run: ActRun) => number) => rows.push([label, seconds(c.runs.map((r) => of(r.cold))), seconds(c.runs.map((r) => of(r.warm)))]);
  row('the job (act, wall)', (r) => r.seconds);
  const mainSteps = stepSeconds(c.runs[0]!.cold.log).filter((s) => s.phase === 'Main').map((s) => s.step);
  for (const name of mainSteps) {
    row(name, (r) => stepSeconds(r.log).find((s) => s.phase === 'Main' && s.step === name)?.seconds ?? 0);
    if (/^Build/.test(name)) for (const [label, vertex] of VERTICES) row(label, (r) => vertexSeconds(r.log, vertex));
  }
  row('post steps', (r) => stepSeconds(r.log).filter((s) => s.phase === 'Post').reduce((sum, s) => sum + s.seconds, 0));
  console.log(`\n${c.name} (${c.runs.length} pairs; ${c.uploads} files uploaded in every run)`);
  stats.table(rows);
  const ratio = stats.median(c.runs.map((r) => r.warm.seconds)) / stats.median(c.runs.map((r) => r.cold.seconds));
  const pairRatios = c.runs.map((r) => r.warm.seconds / r.cold.seconds);
  const spread = `pairs ${Math.min(...pairRatios).toFixed(2)}-${Math.max(...pairRatios).toFixed(2)}`;
  console.log(`ratio wall (warm run / cold run), ${c.name}: ${ratio.toFixed(2)}x (${spread}; target <= ${TARGET}x) -> ${ratio <= TARGET ? 'target met' : 'TARGET NOT MET'}`);
}
