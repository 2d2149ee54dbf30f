import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJEN_MARKER } from 'projen/lib/common';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UPLOADER_DEPENDENCIES } from '../../src/render/package-files';
import { SEED as seed } from '../support/parameter-sets';
import { managedPaths as renderedManagedPaths } from '../support/render';
import { must, pack, run } from '../support/tools';

// Each test runs npm and projen, several synths in a row on a shared machine.
vi.setConfig({ testTimeout: 300_000 });

/**
 * The KeylessBuild component added to projen projects that `create` did not write: a
 * TypeScriptProject and a plain (JavaScript) NodeProject, each with a .projenrc.js of its own.
 * Both live below one folder whose node_modules holds the packed package, projen and what the
 * upload script compiles against, so one install serves every project.
 */
const root = join(__dirname, '..', '..');
const managedPaths = renderedManagedPaths();
// Dependencies are installed once in the parent folder; projen's own install after synth would
// install them again in every project.
const synthEnv = { ...process.env, CI: undefined, PROJEN_DISABLE_POST: 'true' };

let work: string;
let projenBin: string;

function host(name: string, projenrc: string) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, '.projenrc.js'), projenrc);
  return { dir, synth: () => run(process.execPath, ['.projenrc.js'], { cwd: dir, env: synthEnv }) };
}

function projenrc(projectType: string, options: string): string {
  return [
    "const { javascript, typescript } = require('projen');",
    "const { KeylessBuild } = require('create-keyless-build/projen');",
    `const project = new ${projectType}({ name: 'host', defaultReleaseBranch: 'main', packageManager: javascript.NodePackageManager.NPM, ${options} });`,
    `new KeylessBuild(project, ${JSON.stringify(seed)});`,
    'project.synth();',
    '',
  ].join('\n');
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kb-hosts-'));
  const packed = pack(root, work);
  const version = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(work, 'package.json'), '{ "private": true }\n');
  must(
    run(
      'npm',
      [
        'install', '--no-audit', '--no-fund', '--prefer-offline',
        packed,
        `projen@${version('projen')}`,
        `constructs@${version('constructs')}`,
        `typescript@${version('typescript')}`,
        '@types/node@^24',
        ...Object.entries(UPLOADER_DEPENDENCIES).map(([name, range]) => `${name}@${range}`),
      ],
      { cwd: work },
    ),
    'npm install',
  );
  projenBin = join(work, 'node_modules', 'projen', 'bin', 'projen');
});

describe.each([
  ['an existing TypeScriptProject', 'typescript.TypeScriptProject', "srcdir: 'src', libdir: 'dist', jest: false, eslint: false"],
  ['a plain NodeProject', 'javascript.NodeProject', 'jest: false'],
])('KeylessBuild in %s', (name, projectType, options) => {
  let dir: string;

  beforeAll(() => {
    const project = host(name.replace(/\W+/g, '-'), projenrc(projectType, options));
    dir = project.dir;
    must(project.synth(), 'synth');
  });

  it('writes every managed file read-only; projen marker in each but the IAM JSON documents; all tracked by projen', () => {
    const tracked = (JSON.parse(readFileSync(join(dir, '.projen', 'files.json'), 'utf8')) as { files: string[] }).files;
    const marker = `${PROJEN_MARKER}. To modify, edit .projenrc.js and run "npx projen".`;
    expect(managedPaths.length).toBeGreaterThan(8);
    for (const path of managedPaths) {
      const content = readFileSync(join(dir, path), 'utf8');
      expect(statSync(join(dir, path)).mode & 0o222, `${path} is read-only`).toBe(0);
      expect(tracked, path).toContain(path);
      if (path.endsWith('.json')) {
        expect(content, path).not.toContain(PROJEN_MARKER);
        expect(() => JSON.parse(content), path).not.toThrow();
      } else {
        expect(content, path).toContain(marker);
      }
    }
  });

  it('writes the sample files once, as files the user owns', () => {
    const tracked = (JSON.parse(readFileSync(join(dir, '.projen', 'files.json'), 'utf8')) as { files: string[] }).files;
    for (const path of ['src/upload.ts', 'src/index.ts', 'README.md', 'public/index.html']) {
      expect(statSync(join(dir, path)).mode & 0o200, `${path} is writable`).not.toBe(0);
      expect(tracked).not.toContain(path);
    }
    writeFileSync(join(dir, 'src', 'upload.ts'), readFileSync(join(dir, 'src', 'upload.ts'), 'utf8') + '// mine\n');
    must(run(process.execPath, ['.projenrc.js'], { cwd: dir, env: synthEnv }), 'synth');
    expect(readFileSync(join(dir, 'src', 'upload.ts'), 'utf8')).toMatch(/\/\/ mine\n$/);
  });

  it('adds the dependencies the upload script needs', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    for (const dependency of Object.keys(UPLOADER_DEPENDENCIES)) expect(pkg.dependencies, dependency).toHaveProperty(dependency);
    expect(pkg.devDependencies).toHaveProperty('@types/node');
    expect(pkg.devDependencies).toHaveProperty('typescript');
  });

  it('has build and upload tasks; build compiles the upload script, which then runs', () => {
    const { tasks } = JSON.parse(readFileSync(join(dir, '.projen', 'tasks.json'), 'utf8')) as {
      tasks: Record<string, { steps?: { spawn?: string; exec?: string }[]; env?: Record<string, string> }>;
    };
    expect(tasks.build?.steps?.map((s) => s.spawn)).toContain('compile');
    expect(tasks.upload?.steps?.map((s) => s.exec)).toEqual(['node dist/upload.js']);
    expect(tasks.upload?.env).toMatchObject({ S3_BUCKET: 'my-bucket', AWS_REGION: 'ap-northeast-1', UPLOAD_DIR: 'public' });

    must(run(process.execPath, [projenBin, 'compile'], { cwd: dir, env: synthEnv }), 'projen compile');
    // Without S3_BUCKET it must stop at its own configuration check: proof that it loaded and ran.
    const env = { PATH: process.env.PATH };
    const uploaded = run(process.execPath, [join(dir, 'dist', 'upload.js')], { cwd: dir, env });
    expect(uploaded.stderr).toContain('S3_BUCKET is not set');
    expect(uploaded.code).toBe(2);
  });
  // Last: it takes the component away.
  it('removing the component deletes every managed file, the unmarked IAM documents too, and keeps the samples', () => {
    const projenrcPath = join(dir, '.projenrc.js');
    const without = readFileSync(projenrcPath, 'utf8').replace(/^new KeylessBuild\(.*\n/m, '');
    expect(without).not.toContain('new KeylessBuild');
    writeFileSync(projenrcPath, without);
    must(run(process.execPath, ['.projenrc.js'], { cwd: dir, env: synthEnv }), 'synth');
    for (const path of managedPaths) expect(existsSync(join(dir, path)), path).toBe(false);
    for (const path of ['src/upload.ts', 'README.md']) expect(existsSync(join(dir, path)), path).toBe(true);
  });
});

describe('KeylessBuild in a TypeScriptProject with another layout', () => {
  it('stops synth with the fix when the output directory is not dist', () => {
    const project = host('ts-lib', projenrc('typescript.TypeScriptProject', 'jest: false, eslint: false'));
    const result = project.synth();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('libdir "lib"');
    expect(result.stderr).toContain("Fix: set srcdir: 'src' and libdir: 'dist'");
  });
});
