import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJEN_MARKER } from 'projen/lib/common';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WORKFLOW_PATH } from '../../src/core/constants';
import { runCommand } from '../../src/commands/command';
import { createCommand, PACKAGE_SPEC_VARIABLE } from '../../src/commands/create';
import { SEED_FLAGS as seedFlags } from '../support/parameter-sets';
import { managedPaths as renderedManagedPaths } from '../support/render';
import { cliEnv } from '../support/run-cli';
import { must, pack, run, snapshotTree as snapshot } from '../support/tools';

// Each test runs npm and projen, several synths in a row on a shared machine.
vi.setConfig({ testTimeout: 300_000 });

const root = join(__dirname, '..', '..');
const synthEnv = { ...process.env, CI: undefined };
const managedPaths = renderedManagedPaths();

async function create(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(createCommand, {
    argv,
    cwd,
    env: {},
    interactive: false,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('--adopt refuses what it cannot do', () => {
  it('with --no-projen', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kb-adopt-'));
    const result = await create(['.', ...seedFlags, '--adopt', '--no-projen', '--no-install', '--no-git'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot be combined with --no-projen');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('in a repo that already has a .projenrc.ts', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kb-adopt-'));
    writeFileSync(join(cwd, '.projenrc.ts'), '// mine\n');
    const result = await create(['.', ...seedFlags, '--adopt', '--no-install', '--no-git'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already has a .projenrc.ts');
    expect(readdirSync(cwd)).toEqual(['.projenrc.ts']);
  });
});

describe('a --no-projen repo adopted with --adopt, then kept by npx projen', () => {
  let repo: string;
  let adoptOutput: { stdout: string; stderr: string };
  const userUpload = '// my own upload script\nconsole.log("mine");\n';
  const userReadme = '# my app\n';

  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), 'kb-adopt-'));
    const env = { ...cliEnv(), [PACKAGE_SPEC_VARIABLE]: `create-keyless-build@file:${pack(root, work)}` };
    const cli = join(root, 'bin', 'create-keyless-build.js');
    must(run(process.execPath, [cli, 'app', ...seedFlags, '--no-projen', '--no-install', '--no-git'], { cwd: work, env }), 'create --no-projen');
    repo = join(work, 'app');
    // The user has made the plain repo theirs: own upload script, own README, one more dependency.
    writeFileSync(join(repo, 'src', 'upload.ts'), userUpload);
    writeFileSync(join(repo, 'README.md'), userReadme);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    pkg.dependencies['left-pad'] = '^1.3.0';
    writeFileSync(join(repo, 'package.json'), JSON.stringify(pkg, null, 2));
    // Adopting installs and runs the first `npx projen`, as create does.
    adoptOutput = must(run(process.execPath, [cli, '.', ...seedFlags, '--adopt', '--no-git'], { cwd: repo, env: { ...env, CI: undefined } }), 'create --adopt');
  });

  it("keeps the user's files and says which dependencies to carry over", () => {
    expect(readFileSync(join(repo, 'src', 'upload.ts'), 'utf8')).toBe(userUpload);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe(userReadme);
    expect(adoptOutput.stdout).toContain('Adopted ./');
    expect(adoptOutput.stdout).toContain('git diff');
    expect(adoptOutput.stdout).not.toContain('git remote add');
    expect(adoptOutput.stderr).toContain('left-pad');
  });

  it('hands every managed file to projen: read-only, marked, tracked', () => {
    const tracked = (JSON.parse(readFileSync(join(repo, '.projen', 'files.json'), 'utf8')) as { files: string[] }).files;
    for (const path of managedPaths) {
      expect(tracked, path).toContain(path);
      expect(statSync(join(repo, path)).mode & 0o222, path).toBe(0);
      if (!path.endsWith('.json')) expect(readFileSync(join(repo, path), 'utf8'), path).toContain(PROJEN_MARKER);
    }
    expect(readFileSync(join(repo, '.projenrc.ts'), 'utf8')).toContain('new KeylessBuild(project, {');
  });

  it('a second synth changes nothing; a parameter change in .projenrc.ts reaches the workflow, the user files stay', () => {
    const before = snapshot(repo);
    must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
    expect(snapshot(repo)).toEqual(before);

    const projenrc = join(repo, '.projenrc.ts');
    writeFileSync(projenrc, readFileSync(projenrc, 'utf8').replace('bucket: "my-bucket"', 'bucket: "adopted-bucket"'));
    must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
    expect(readFileSync(join(repo, WORKFLOW_PATH), 'utf8')).toContain('S3_BUCKET=adopted-bucket');
    expect(readFileSync(join(repo, 'src', 'upload.ts'), 'utf8')).toBe(userUpload);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe(userReadme);
  });
});
