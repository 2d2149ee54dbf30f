import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PROJEN_MARKER } from 'projen/lib/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJEN_FILE_MARKER } from '../src/constants';
import { PACKAGE_SPEC_VARIABLE } from '../src/create';
import { isolatedEnv } from './support/moto';
import { run } from './support/tools';

const root = join(__dirname, '..');
// Under CI=true projen installs with a frozen lock file; a user's first synth runs without it.
const synthEnv = { ...process.env, CI: undefined };
const seedFlags = ['--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'my-bucket'];

/** Every file below dir except node_modules: path -> content and mode. */
function snapshot(dir: string): Map<string, { content: string; mode: number }> {
  const files = new Map<string, { content: string; mode: number }>();
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      if (name === 'node_modules' || name === '.git') continue;
      const full = join(current, name);
      const stats = statSync(full);
      if (stats.isDirectory()) walk(full);
      else files.set(relative(dir, full), { content: readFileSync(full, 'utf8'), mode: stats.mode & 0o777 });
    }
  };
  walk(dir);
  return files;
}

function must(result: { code: number | null; stdout: string; stderr: string }, what: string) {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

describe('projen', () => {
  it("the marker create writes is projen's own", () => {
    expect(PROJEN_FILE_MARKER).toBe(`${PROJEN_MARKER}. To modify, edit .projenrc.ts and run "npx projen".`);
  });

  describe('a created repo, installed, re-rendered by npx projen', () => {
    let repo: string;
    let created: Map<string, { content: string; mode: number }>;

    beforeAll(() => {
      const work = mkdtempSync(join(tmpdir(), 'kb-projen-'));
      // The package as users get it from the registry: packed from this checkout's build.
      const packed = must(run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root }), 'npm pack').stdout.trim().split('\n').pop()!;
      const env = { ...process.env, [PACKAGE_SPEC_VARIABLE]: `create-keyless-build@file:${join(work, packed)}` };
      must(run(process.execPath, [join(root, 'bin', 'create-keyless-build.js'), 'app', ...seedFlags, '--no-install', '--no-git'], { cwd: work, env }), 'create');
      repo = join(work, 'app');
      created = snapshot(repo);
      must(run('npm', ['install', '--no-audit', '--no-fund'], { cwd: repo }), 'npm install');
      must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
    });

    it('reproduces every file create wrote, byte for byte and with the same mode', () => {
      const synthesized = snapshot(repo);
      // package.json and .projen/tasks.json are bootstraps that projen replaces with its own.
      const bootstraps = ['package.json', '.projen/tasks.json'];
      const compared = [...created.keys()].filter((path) => !bootstraps.includes(path));
      expect(compared.length).toBeGreaterThan(10);
      for (const path of compared) {
        expect(synthesized.get(path)?.content, path).toBe(created.get(path)!.content);
        expect(synthesized.get(path)?.mode.toString(8), path).toBe(created.get(path)!.mode.toString(8));
      }
      const tracked = JSON.parse(readFileSync(join(repo, '.projen', 'files.json'), 'utf8')) as { files: string[] };
      for (const path of ['Dockerfile', '.dockerignore', '.github/workflows/keyless-build.yml', 'iam/upload-role-trust-policy.json']) {
        expect(tracked.files).toContain(path);
      }
    });

    it('a second synth changes nothing', () => {
      const before = snapshot(repo);
      must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
      expect(snapshot(repo)).toEqual(before);
    });

    it('`npx keyless-build verify` and `doctor` run from the installed package, as the generated README says', () => {
      const verify = run('npx', ['keyless-build', 'verify'], { cwd: repo });
      expect(verify.stdout).toMatch(/^No findings \(\d+ files checked\)\.\n$/);
      expect(verify.code).toBe(0);
      // No credentials here: doctor loads the AWS SDK from the repo's node_modules and says so.
      const doctor = run('npx', ['keyless-build', 'doctor'], { cwd: repo, env: isolatedEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }) });
      expect(doctor.stdout).toContain('Role B arn:aws:iam::111111111111:role/upload-to-s3-role (.github/workflows/keyless-build.yml:');
      expect(doctor.stdout).toContain('Problem: no AWS credentials');
      expect(doctor.code).toBe(1);
    });

    it('a hand edit to a managed file is replaced, a parameter change reaches the files, samples stay', () => {
      const dockerfile = join(repo, 'Dockerfile');
      chmodSync(dockerfile, 0o644);
      writeFileSync(dockerfile, 'FROM scratch\n');
      const readme = join(repo, 'README.md');
      writeFileSync(readme, '# mine\n');
      const projenrc = join(repo, '.projenrc.ts');
      writeFileSync(projenrc, readFileSync(projenrc, 'utf8').replace('bucket: "my-bucket"', 'bucket: "other-bucket"'));
      must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
      expect(readFileSync(dockerfile, 'utf8')).toBe(created.get('Dockerfile')!.content);
      expect(readFileSync(readme, 'utf8')).toBe('# mine\n');
      expect(readFileSync(join(repo, 'iam', 'upload-role-permission-policy.json'), 'utf8')).toContain('arn:aws:s3:::other-bucket/*');
      expect(readFileSync(join(repo, '.github', 'workflows', 'keyless-build.yml'), 'utf8')).toContain('S3_BUCKET=other-bucket');
    });
  });
});
