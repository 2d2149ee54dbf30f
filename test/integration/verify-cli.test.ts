/** keyless-build verify, the real binary: exit codes, JSON shape, usage errors, the bundle create runs from. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_PATH } from '../../src/core/constants';
import { readRepository } from '../../src/commands/read-repository';
import { RULES, type Finding } from '../../src/verify/rules';
import { verifyFiles } from '../../src/verify/verify-files';
import { renderContents as generated } from '../support/render';
import { KEYLESS_BIN, ROOT, assertBuilt, makeTempDir, runCli } from '../support/run-cli';

const SEED_FIXTURE = join(ROOT, 'test', 'fixtures', 'seed-article');
const verify = (files: ReadonlyMap<string, string>, today: Date) => verifyFiles(files, { today });

describe('keyless-build verify (the real binary)', () => {
  const cleanups: string[] = [];
  beforeAll(() => assertBuilt());
  afterEach(() => {
    for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const freshDir = () => {
    const dir = makeTempDir();
    cleanups.push(dir);
    return dir;
  };
  const writeRepo = (files: ReadonlyMap<string, string>) => {
    const dir = freshDir();
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };

  it('a created repo: exit 0, no findings', () => {
    const work = freshDir();
    const created = runCli(['create', 'app', '--account', '111111111111', '--region', 'eu-west-1', '--repo', 'acme/app', '--bucket', 'b-1', '--no-install', '--no-git'], { cwd: work, bin: KEYLESS_BIN });
    expect(created.code).toBe(0);
    const result = runCli(['verify', 'app'], { cwd: work, bin: KEYLESS_BIN });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^No findings \(\d+ files checked\)\.\n$/);
    expect(result.code).toBe(0);
  });

  it("the article's recipe: exit 1, each finding with file:line, rule and fix", () => {
    const result = runCli(['verify', SEED_FIXTURE], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('index.js:4  secret-path-mismatch');
    expect(result.stdout).toContain('Fix: ');
    expect(result.stdout).toMatch(/\n\d+ findings \(5 files checked\)\.\n$/);
  });

  it('--json: { directory, files, findings[] } with file, line, rule, message, fix', () => {
    const result = runCli(['verify', '--json'], { cwd: SEED_FIXTURE, bin: KEYLESS_BIN });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { directory: string; files: number; findings: Finding[] };
    expect(report.directory).toBe(SEED_FIXTURE);
    expect(report.files).toBe(5);
    expect(report.findings).toEqual(verify(readRepository(SEED_FIXTURE), new Date()));
    for (const finding of report.findings) {
      expect(Object.keys(finding).sort()).toEqual(['file', 'fix', 'line', 'message', 'rule', 'severity']);
      expect(Object.keys(RULES)).toContain(finding.rule);
    }

    const cleanRepo = runCli(['verify', '--json', writeRepo(generated())], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(cleanRepo.code).toBe(0);
    expect((JSON.parse(cleanRepo.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });

  it('--min-severity: only findings at or above it are shown and fail the run', () => {
    const all = verify(readRepository(SEED_FIXTURE), new Date());
    const high = runCli(['verify', SEED_FIXTURE, '--json', '--min-severity', 'high'], { cwd: ROOT, bin: KEYLESS_BIN });
    const report = JSON.parse(high.stdout) as { minSeverity: string; findings: Finding[] };
    expect(report.minSeverity).toBe('high');
    expect(report.findings).toEqual(all.filter((f) => f.severity === 'high'));
    expect(high.code).toBe(report.findings.length > 0 ? 1 : 0);

    const text = runCli(['verify', SEED_FIXTURE], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(text.stdout.indexOf('== high')).toBeLessThan(text.stdout.indexOf('== medium'));
    expect(text.stdout.indexOf('== medium')).toBeLessThan(text.stdout.indexOf('== low'));

    // A repo whose only finding is low passes a CI gate at medium.
    const files = generated();
    files.set(WORKFLOW_PATH, files.get(WORKFLOW_PATH)!.replace(/# v7\.0\.1/, '# v4.2.2'));
    const dir = writeRepo(files);
    expect(runCli(['verify', dir], { cwd: ROOT, bin: KEYLESS_BIN }).code).toBe(1);
    const gated = runCli(['verify', dir, '--min-severity', 'medium'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(gated.code).toBe(0);
    expect(gated.stdout).toMatch(/^No findings \(\d+ files checked; 1 below medium not shown\)\.\n$/);

    const bad = runCli(['verify', '--min-severity', 'critical'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--min-severity "critical" is not a severity; use one of low, medium, high');
  });

  it('reads from disk the files a hand-made repo keeps elsewhere: a Dockerfile named by file:, a composite action', () => {
    const files = new Map([
      ['.github/workflows/ci.yml', 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/login\n      - uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0\n        with:\n          file: build/image.def\n'],
      ['.github/actions/login/action.yml', 'runs:\n  using: composite\n  steps:\n    - uses: aws-actions/configure-aws-credentials@v4\n'],
      ['build/image.def', 'FROM node:24-slim\nRUN --mount=type=secret,id=creds node upload.js\n'],
    ]);
    const result = runCli(['verify', writeRepo(files), '--json'], { cwd: ROOT, bin: KEYLESS_BIN });
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      '.github/actions/login/action.yml:4 action-not-pinned',
      '.github/actions/login/action.yml:4 action-outdated',
      'build/image.def:2 secret-not-required',
    ]);
  });

  it('a hand-made repo with another workflow name is found', () => {
    const files = generated();
    const workflow = files.get(WORKFLOW_PATH)!;
    files.delete(WORKFLOW_PATH);
    files.set('.github/workflows/deploy.yaml', workflow.replace('SESSION_DURATION: "3600"', 'SESSION_DURATION: "43200"'));
    const result = runCli(['verify', writeRepo(files), '--json'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { findings: Finding[] }).findings).toEqual([
      expect.objectContaining({ file: '.github/workflows/deploy.yaml', rule: 'chained-session-too-long' }),
    ]);
  });

  it('the bundle create runs from holds neither the verify rules nor the AWS SDK', () => {
    const bundle = readFileSync(join(ROOT, 'lib', 'cli.bundle.js'), 'utf8');
    expect(bundle).toContain('import("./commands/verify.js")');
    expect(bundle).toContain('import("./commands/doctor.js")');
    for (const absent of ['credentials-not-dockerignored', 'STSClient', '@aws-sdk/client-sts', 'GetCallerIdentityCommand']) expect(bundle).not.toContain(absent);
  });

  it('--help lists every rule; bad usage exits 2', () => {
    const help = runCli(['verify', '--help'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(help.code).toBe(0);
    for (const rule of Object.keys(RULES)) expect(help.stdout).toContain(rule);

    const unknown = runCli(['verify', '--jsn'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --jsn');

    const missing = runCli(['verify', 'no-such-dir'], { cwd: freshDir(), bin: KEYLESS_BIN });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-dir is not a directory');

    const nothing = runCli(['verify', join(ROOT, 'src')], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('found no .github/workflows/*.yml and no Dockerfile');

    const two = runCli(['verify', 'a', 'b'], { cwd: ROOT, bin: KEYLESS_BIN });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('at most one directory');
  });
});
