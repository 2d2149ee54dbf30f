import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJEN_MARKER } from 'projen/lib/common';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/core/actions';
import { resolveConfig, type KeylessBuildOptions } from '../../src/core/config';
import { PROJEN_FILE_MARKER, WORKFLOW_PATH } from '../../src/core/constants';
import { PACKAGE_SPEC_VARIABLE } from '../../src/commands/create';
import { uploadEnvironment } from '../../src/render/package-files';
import { renderProjenrc } from '../../src/projen/projenrc-file';
import { publishToTestRegistry } from '../support/local-registry';
import { isolatedEnv } from '../support/moto';
import { SEED as seed, SEED_FLAGS as seedFlags } from '../support/parameter-sets';
import { renderFiles } from '../support/render';
import { cliEnv } from '../support/run-cli';
import { must, pack, repack, run, snapshotTree as snapshot, type TreeSnapshot as Snapshot } from '../support/tools';

// Each test runs npm and projen, several synths in a row on a shared machine.
vi.setConfig({ testTimeout: 300_000 });

const root = join(__dirname, '..', '..');
// Under CI=true projen installs with a frozen lock file; a user's first synth runs without it.
const synthEnv = { ...process.env, CI: undefined };

/** Paths added, removed, or changed in content or mode between two snapshots. */
function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => JSON.stringify(before.get(path)) !== JSON.stringify(after.get(path))).sort();
}

/**
 * The files a change of parameters must touch, computed from the renderer: every managed file
 * whose rendering differs (or appears, or goes), tasks.json when the upload task's environment
 * differs, projen's lists of generated files when a file appears or goes, and .projenrc.ts itself.
 */
function dependentPaths(from: KeylessBuildOptions, to: KeylessBuildOptions): string[] {
  const render = (options: KeylessBuildOptions) =>
    new Map([...renderFiles(options)].filter(([, file]) => file.owner === 'managed').map(([path, file]) => [path, file.content]));
  const [a, b] = [render(from), render(to)];
  const managed = [...new Set([...a.keys(), ...b.keys()])].filter((path) => a.get(path) !== b.get(path));
  const taskEnvironment = (options: KeylessBuildOptions) => JSON.stringify(uploadEnvironment(resolveConfig(options)));
  const tasks = taskEnvironment(from) === taskEnvironment(to) ? [] : ['.projen/tasks.json'];
  // projen lists the files it generates in these three; they change when the set of files does.
  const sameFiles = JSON.stringify([...a.keys()].sort()) === JSON.stringify([...b.keys()].sort());
  const projenLists = sameFiles ? [] : ['.gitattributes', '.gitignore', '.projen/files.json'];
  return [...managed, ...tasks, ...projenLists, '.projenrc.ts'].sort();
}

describe('projen', () => {
  it("the marker create writes is projen's own", () => {
    expect(PROJEN_FILE_MARKER).toBe(`${PROJEN_MARKER}. To modify, edit .projenrc.ts and run "npx projen".`);
  });

  describe('a created repo, installed, re-rendered by npx projen', () => {
    let repo: string;
    let created: Snapshot;
    let packageSpec: string;
    let tarball: string;
    const synth = () => must(run('npx', ['projen'], { cwd: repo, env: synthEnv }), 'npx projen');
    const writeProjenrc = (options: KeylessBuildOptions) =>
      writeFileSync(join(repo, '.projenrc.ts'), renderProjenrc(options, 'my-app', packageSpec));

    beforeAll(() => {
      const work = mkdtempSync(join(tmpdir(), 'kb-projen-'));
      // The package as users get it from the registry: packed from this checkout's build.
      tarball = pack(root, work);
      packageSpec = `create-keyless-build@file:${tarball}`;
      const env = { ...cliEnv(), [PACKAGE_SPEC_VARIABLE]: packageSpec };
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

    it('a parameter change rewrites exactly the files that depend on it, and an option that drops a file deletes it', () => {
      // The .projenrc.ts create wrote is the one renderProjenrc gives for the same parameters.
      expect(renderProjenrc(seed, 'my-app', packageSpec)).toBe(created.get('.projenrc.ts')!.content);
      writeProjenrc(seed);
      synth();
      const steps: KeylessBuildOptions[] = [
        { ...seed, bucket: 'other-bucket' },
        { ...seed, bucket: 'other-bucket', nodeVersion: '24' },
        { ...seed, bucket: 'other-bucket', nodeVersion: '24', branches: ['main', 'release'] },
        { ...seed, bucket: 'other-bucket', nodeVersion: '24', branches: ['main', 'release'], cloudformation: false },
        seed,
      ];
      let previous = seed;
      for (const options of steps) {
        const before = snapshot(repo);
        writeProjenrc(options);
        synth();
        const changed = changedPaths(before, snapshot(repo));
        const expected = dependentPaths(previous, options);
        expect(expected.length, JSON.stringify(options)).toBeGreaterThan(1);
        expect(changed, JSON.stringify(options)).toEqual(expected);
        previous = options;

        const template = join(repo, 'cloudformation', 'keyless-build.yaml');
        const tracked = (JSON.parse(readFileSync(join(repo, '.projen', 'files.json'), 'utf8')) as { files: string[] }).files;
        expect(existsSync(template), JSON.stringify(options)).toBe(options.cloudformation !== false);
        expect(tracked.includes('cloudformation/keyless-build.yaml'), JSON.stringify(options)).toBe(options.cloudformation !== false);
      }
      expect(snapshot(repo).get('cloudformation/keyless-build.yaml')).toEqual(created.get('cloudformation/keyless-build.yaml'));
    });

    it('.projenrc.ts is type-checked by the build (pre-compile), not on every synth', () => {
      const { tasks } = JSON.parse(readFileSync(join(repo, '.projen', 'tasks.json'), 'utf8')) as {
        tasks: Record<string, { steps?: { exec?: string; execArgs?: string[]; spawn?: string }[] }>;
      };
      expect(tasks.default?.steps?.map((step) => step.execArgs?.[0] ?? step.exec)).toEqual(['tsx']);
      expect(tasks.build?.steps?.map((step) => step.spawn)).toContain('pre-compile');
      must(run('npx', ['projen', 'pre-compile'], { cwd: repo, env: synthEnv }), 'npx projen pre-compile');
      // Negative control: a type error in .projenrc.ts fails the same task.
      const projenrc = join(repo, '.projenrc.ts');
      const good = readFileSync(projenrc, 'utf8');
      writeFileSync(projenrc, `${good}const wrong: number = 'not a number';\nexport { wrong };\n`);
      const failed = run('npx', ['projen', 'pre-compile'], { cwd: repo, env: synthEnv });
      writeFileSync(projenrc, good);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout + failed.stderr).toContain('TS2322');
    });

    it('a newer build of this package, with another action release and another uploader version, changes the workflow and the dependency on the next synth', () => {
      const workflowPath = join(repo, WORKFLOW_PATH);
      const before = snapshot(repo);
      const current = readFileSync(workflowPath, 'utf8');
      const { version, sha } = ACTIONS.checkout;
      expect(current).toContain(`actions/checkout@${sha} # ${version}`);
      const uploader = JSON.parse(readFileSync(join(root, 'packages', 'upload', 'package.json'), 'utf8')) as { name: string; version: string };
      expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).dependencies[uploader.name]).toBe(`^${uploader.version}`);

      // The next release of the uploader, published to the test registry as a release would be.
      const next = mkdtempSync(join(tmpdir(), 'kb-next-'));
      const nextUploaderVersion = uploader.version.replace(/\d+$/, (patch) => String(Number(patch) + 1));
      publishToTestRegistry(repack(pack(join(root, 'packages', 'upload'), next), join(next, 'uploader'), (dir) => {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, version: nextUploaderVersion }, null, 2));
      }));
      // The next release of this package, built from the same sources but with another checkout release and that uploader.
      const nextSha = [...sha].reverse().join('');
      const nextVersion = version.replace(/\d+$/, (patch) => String(Number(patch) + 1));
      const nextTarball = repack(tarball, join(next, 'generator'), (dir) => {
        const actionsJs = join(dir, 'lib', 'core', 'actions.js');
        const source = readFileSync(actionsJs, 'utf8');
        expect(source).toContain(sha);
        writeFileSync(actionsJs, source.replace(sha, nextSha).replace(`'${version}'`, `'${nextVersion}'`));
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
        manifest.dependencies[uploader.name] = nextUploaderVersion;
        writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
      });
      // Installed without touching package.json, as `npm update` does within the declared range.
      must(run('npm', ['install', '--no-save', '--no-audit', '--no-fund', nextTarball], { cwd: repo }), 'npm install next');

      synth();
      const workflow = readFileSync(workflowPath, 'utf8');
      expect(workflow).toContain(`actions/checkout@${nextSha} # ${nextVersion}`);
      expect(workflow).not.toContain(sha);
      expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).dependencies[uploader.name]).toBe(`^${nextUploaderVersion}`);
      // projen's post-synth install takes the new uploader from the registry.
      expect(JSON.parse(readFileSync(join(repo, 'node_modules', ...uploader.name.split('/'), 'package.json'), 'utf8')).version).toBe(nextUploaderVersion);
      expect(changedPaths(before, snapshot(repo))).toEqual(['.github/workflows/keyless-build.yml', '.projen/deps.json', 'package-lock.json', 'package.json']);
    });

    // Last: ejecting ends projen's management of this repo.
    it('npx projen eject leaves every managed file in place, writable and without the marker', () => {
      must(run('npx', ['projen', 'eject'], { cwd: repo, env: synthEnv }), 'npx projen eject');
      expect(existsSync(join(repo, '.projenrc.ts'))).toBe(false);
      expect(existsSync(join(repo, '.projenrc.ts.bak'))).toBe(true);
      // The files that carried the marker are written again, writable. (The IAM documents, unchanged,
      // keep their mode when synth runs as root: projen asks whether it can write them, and root can.)
      for (const path of [WORKFLOW_PATH, 'Dockerfile', '.dockerignore', 'cloudformation/keyless-build.yaml']) {
        expect(statSync(join(repo, path)).mode & 0o200, path).not.toBe(0);
        expect(readFileSync(join(repo, path), 'utf8'), path).not.toContain(PROJEN_MARKER);
      }
      expect(readFileSync(join(repo, 'iam', 'upload-role-permission-policy.json'), 'utf8')).toContain('s3:PutObject');
      expect(readFileSync(join(repo, 'Dockerfile'), 'utf8')).toContain('RUN --mount=type=secret');
    });
  });
});
