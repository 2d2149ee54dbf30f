/**
 * End-to-end tests of the create command: each case spawns the real binary
 * (node bin/create-keyless-build.js -> lib/) in a fresh temp dir and checks the exit
 * code, what it printed and what it left on disk. Build first: `npx projen compile`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PARAMETERS } from '../../src/core/parameters';
import { KEYLESS_BIN, ROOT, assertBuilt, listFiles, makeTempDir, modeOf, runCli, runInTerminal } from '../support/run-cli';
import { SEED_FLAGS } from '../support/parameter-sets';

/** The seed article's parameters. */
const SEED = SEED_FLAGS;
const OFFLINE = ['--no-install', '--no-git'];

/** Rendered from the parameters; read-only in a projen repo. */
const MANAGED_FILES = [
  '.dockerignore',
  '.github/workflows/keyless-build.yml',
  'Dockerfile',
  'cloudformation/keyless-build.yaml',
  'iam/oidc-role-ecr-push-policy.json',
  'iam/oidc-role-permission-policy.json',
  'iam/oidc-role-trust-policy.json',
  'iam/upload-role-permission-policy.json',
  'iam/upload-role-trust-policy.json',
];
/** Written once for the user. */
const SAMPLE_FILES = ['README.md', 'public/index.html', 'src/index.ts', 'src/upload.ts'];

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const cleanups: string[] = [];

/** A fresh temp dir for this test, removed afterwards. */
function freshDir(): string {
  const dir = makeTempDir();
  cleanups.push(dir);
  return dir;
}

beforeAll(() => assertBuilt());

afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('create-keyless-build (non-interactive)', () => {
  it('creates the projen repo from the seed parameters', () => {
    const work = freshDir();
    const result = runCli(['my-app', ...SEED, ...OFFLINE], { cwd: work });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created my-app/');
    expect(result.stdout).toContain('projen-managed');
    expect(result.stdout).toContain('Next steps:');
    expect(result.stdout).toContain('npm install && npx projen');
    expect(result.stdout).toContain(
      'aws cloudformation deploy --region ap-northeast-1 --stack-name my-app-keyless-build --template-file cloudformation/keyless-build.yaml',
    );

    const target = join(work, 'my-app');
    const files = listFiles(target);
    expect(files).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES, '.projenrc.ts', 'package.json']));
    expect(files.filter((f) => f.startsWith('iam/'))).toHaveLength(5);
    expect(files).not.toContain('tsconfig.json'); // projen writes it on the first `npx projen`

    for (const file of MANAGED_FILES) {
      expect(modeOf(join(target, file)), `${file} should be read-only`).toBe(0o444);
    }
    for (const file of [...SAMPLE_FILES, '.projenrc.ts', 'package.json']) {
      expect(modeOf(join(target, file)) & 0o200, `${file} should be writable`).not.toBe(0);
    }

    const projenrc = readFileSync(join(target, '.projenrc.ts'), 'utf8');
    expect(projenrc).toContain('account: "111111111111"');
    expect(projenrc).toContain('bucket: "my-bucket"');
    expect(projenrc).toContain('javascript.NodePackageManager.NPM');
    expect(projenrc).toContain(`"create-keyless-build@^${VERSION}"`);
    expect(readFileSync(join(target, 'iam/upload-role-trust-policy.json'), 'utf8')).toContain(
      'arn:aws:iam::111111111111:role/github-oidc-role',
    );
    expect(readFileSync(join(target, 'iam/upload-role-permission-policy.json'), 'utf8')).toContain('my-bucket');

    // The staging folder was renamed into place: nothing else beside the target.
    expect(readdirSync(work)).toEqual(['my-app']);
  });

  it('--no-projen writes a plain, writable repo', () => {
    const work = freshDir();
    const result = runCli(['my-app', ...SEED, ...OFFLINE, '--no-projen'], { cwd: work });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('plain');
    expect(result.stdout).toContain('  2. npm install\n');
    expect(result.stdout).not.toContain('projen');

    const target = join(work, 'my-app');
    const files = listFiles(target);
    expect(files).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES, 'package.json', 'tsconfig.json']));
    expect(files).not.toContain('.projenrc.ts');

    const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'compile']));
    JSON.parse(readFileSync(join(target, 'tsconfig.json'), 'utf8'));

    for (const file of MANAGED_FILES) {
      expect(modeOf(join(target, file)) & 0o200, `${file} should be writable`).not.toBe(0);
    }
    expect(readdirSync(work)).toEqual(['my-app']);
  });

  it.each([
    ['pnpm/9.12.0 npm/? node/v20.20.2 linux x64', 'pnpm install && pnpm exec projen', 'PNPM'],
    ['yarn/1.22.22 npm/? node/v20.20.2 linux x64', 'yarn install && yarn exec projen', 'YARN_CLASSIC'],
    ['bun/1.1.30 npm/? node/v20.20.2 linux x64', 'bun install && bunx projen', 'BUN'],
  ])('takes the package manager from npm_config_user_agent=%s', (agent, install, enumName) => {
    const work = freshDir();
    const result = runCli(['my-app', ...SEED, ...OFFLINE], { cwd: work, env: { npm_config_user_agent: agent } });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  2. ${install}\n`);
    expect(readFileSync(join(work, 'my-app', '.projenrc.ts'), 'utf8')).toContain(`javascript.NodePackageManager.${enumName}`);
  });

  it.each([[[]], [['--yes']]])('fails listing every missing parameter when it cannot prompt (extra args: %j)', (extra) => {
    const work = freshDir();
    const result = runCli(['my-app', ...OFFLINE, ...extra], { cwd: work });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    for (const flag of ['--account', '--region', '--repo', '--bucket']) {
      expect(result.stderr).toContain(`  ${flag} <`);
    }
    expect(result.stderr).toContain(extra.length ? '--yes was given' : 'no terminal to prompt on');
    expect(result.stderr).toContain('Nothing was written.');
    expect(existsSync(join(work, 'my-app'))).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('lists only the parameters that are actually missing', () => {
    const work = freshDir();
    const result = runCli(['my-app', ...OFFLINE, '--account', '111111111111', '--region', 'ap-northeast-1'], { cwd: work });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('  --repo <');
    expect(result.stderr).toContain('  --bucket <');
    expect(result.stderr).not.toContain('  --account <');
    expect(result.stderr).not.toContain('  --region <');
    expect(readdirSync(work)).toEqual([]);
  });

  it('reports every bad value at once, each with its fix, and writes nothing', () => {
    const work = freshDir();
    const result = runCli(
      ['my-app', ...OFFLINE, '--account', '123', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'Bad_Bucket', '--session-duration', '7200'],
      { cwd: work },
    );

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const problems = result.stderr.split('\n').filter((line) => line.startsWith('  - '));
    for (const [flag, value] of [['--account', '"123"'], ['--bucket', '"Bad_Bucket"'], ['--session-duration', '7200']] as const) {
      const line = problems.find((p) => p.includes(`(${flag}) = ${value}`));
      expect(line, `no problem reported for ${flag} in:\n${result.stderr}`).toBeDefined();
      expect(line).toContain('Fix: ');
    }
    expect(problems.every((p) => /\((--account|--bucket|--session-duration)\)/.test(p))).toBe(true);
    expect(result.stderr).toContain('Nothing was written.');
    expect(readdirSync(work)).toEqual([]);
  });

  it('--dry-run prints the whole tree and writes nothing', () => {
    const reference = freshDir();
    expect(runCli(['my-app', ...SEED, ...OFFLINE], { cwd: reference }).code).toBe(0);
    const expected = listFiles(join(reference, 'my-app'));

    const work = freshDir();
    const result = runCli(['my-app', ...SEED, ...OFFLINE, '--dry-run'], { cwd: work });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Would create my-app/ with ${expected.length} files (nothing written)`);
    const printed = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim().replace(/\s+\(managed, read-only\)$/, ''))
      .sort();
    expect(printed).toEqual(expected);
    for (const file of MANAGED_FILES) expect(result.stdout).toContain(`  ${file}  (managed, read-only)\n`);
    expect(existsSync(join(work, 'my-app'))).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('refuses a non-empty directory without --force, and writes into it with --force', () => {
    const work = freshDir();
    const target = join(work, 'my-app');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'keep me\n');
    writeFileSync(join(target, 'Dockerfile'), 'FROM scratch\n');

    const refused = runCli(['my-app', ...SEED, ...OFFLINE], { cwd: work });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('my-app is not empty');
    expect(refused.stderr).toContain('--force');
    expect(refused.stderr).toContain('Nothing was written.');
    expect(listFiles(target)).toEqual(['Dockerfile', 'notes.txt']);
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(target, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect(readdirSync(work)).toEqual(['my-app']);

    const forced = runCli(['my-app', ...SEED, ...OFFLINE, '--force'], { cwd: work });
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('Created my-app/');
    expect(listFiles(target)).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES, '.projenrc.ts', 'package.json', 'notes.txt']));
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('keep me\n');
    // Files of the same name are replaced.
    expect(readFileSync(join(target, 'Dockerfile'), 'utf8')).not.toBe('FROM scratch\n');
    expect(modeOf(join(target, 'Dockerfile'))).toBe(0o444);
    expect(readdirSync(work)).toEqual(['my-app']);

    // A second --force run replaces its own read-only files.
    const again = runCli(['my-app', ...SEED, ...OFFLINE, '--force'], { cwd: work });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readdirSync(work)).toEqual(['my-app']);
  });

  it('treats a directory holding only .git/ as empty', () => {
    const work = freshDir();
    const target = join(work, 'my-app');
    mkdirSync(target);
    const gitInit = spawnSync('git', ['init', '--quiet', target], { encoding: 'utf8' });
    expect(gitInit.status, gitInit.stderr).toBe(0);

    const result = runCli(['my-app', ...SEED, ...OFFLINE], { cwd: work });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(listFiles(target)).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES]));
    expect(existsSync(join(target, '.git', 'HEAD'))).toBe(true);
    expect(readdirSync(work)).toEqual(['my-app']);
  });

  it('creates into the current directory without replacing it, and prints no cd', () => {
    const work = freshDir();
    const here = join(work, 'here');
    mkdirSync(here);
    const inode = statSync(here).ino;
    const result = runCli(['.', ...SEED, ...OFFLINE], { cwd: here });
    expect(result.code).toBe(0);
    // A replaced folder would leave a shell that sits in it in a deleted directory.
    expect(statSync(here).ino).toBe(inode);
    expect(listFiles(here)).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES]));
    expect(result.stdout).not.toContain('cd .');
    expect(readdirSync(work)).toEqual(['here']);
  });

  it('refuses a target that is a file, with or without --force', () => {
    const work = freshDir();
    writeFileSync(join(work, 'my-app'), 'not a directory\n');
    for (const extra of [[], ['--force']]) {
      const result = runCli(['my-app', ...SEED, ...OFFLINE, ...extra], { cwd: work });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('my-app exists and is not a directory');
      expect(result.stderr).toContain('Nothing was written.');
      expect(readFileSync(join(work, 'my-app'), 'utf8')).toBe('not a directory\n');
      expect(readdirSync(work)).toEqual(['my-app']);
    }
  });

  it('runs git init unless --no-git', () => {
    const work = freshDir();
    const result = runCli(['my-app', ...SEED, '--no-install'], { cwd: work });

    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('git init failed');
    expect(existsSync(join(work, 'my-app', '.git', 'HEAD'))).toBe(true);
    expect(result.stdout).not.toMatch(/\d\. git init/);
    expect(result.stdout).toContain('git add -A');
  });
});

describe('help, version and usage errors', () => {
  it('--no-cloudformation leaves the template out, and the next steps say how to create the roles', () => {
    const work = freshDir();
    const result = runCli(['my-app', ...SEED, ...OFFLINE, '--no-cloudformation'], { cwd: work });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const files = listFiles(join(work, 'my-app'));
    expect(files).not.toContain('cloudformation/keyless-build.yaml');
    expect(files).toContain('iam/upload-role-permission-policy.json');
    expect(result.stdout).toContain('create roles github-oidc-role and upload-to-s3-role from the documents in iam/');
    expect(result.stdout).not.toContain('aws cloudformation deploy');
    expect(readFileSync(join(work, 'my-app', '.projenrc.ts'), 'utf8')).toContain('cloudformation: false,');
  });

  it('--help lists every parameter and switch', () => {
    const work = freshDir();
    const result = runCli(['--help'], { cwd: work });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`create-keyless-build ${VERSION}`);
    for (const flag of [...PARAMETERS.map((p) => p.flag), '--no-projen', '--no-git', '--no-install', '--dry-run', '--force', '--adopt', '--yes', '--help', '--version']) {
      expect(result.stdout, `--help does not mention ${flag}`).toContain(flag);
    }
    expect(result.stdout).toContain('--oidc-role-name');
    expect(result.stdout).toContain('--session-duration');
    expect(readdirSync(work)).toEqual([]);
  });

  it('--version prints the package version', () => {
    const work = freshDir();
    for (const flag of ['--version', '-v']) {
      const result = runCli([flag], { cwd: work });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('keyless-build create is the same command; unknown commands exit 2', () => {
    const work = freshDir();
    const help = runCli(['create', '--help'], { cwd: work, bin: KEYLESS_BIN });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`keyless-build create ${VERSION}`);
    expect(help.stdout).toContain('--session-duration');

    const version = runCli(['--version'], { cwd: work, bin: KEYLESS_BIN });
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${VERSION}\n`);

    const created = runCli(['create', 'my-app', ...SEED, ...OFFLINE], { cwd: work, bin: KEYLESS_BIN });
    expect(created.code).toBe(0);
    expect(listFiles(join(work, 'my-app'))).toEqual(expect.arrayContaining(MANAGED_FILES));

    const bogus = runCli(['bogus'], { cwd: work, bin: KEYLESS_BIN });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('unknown command "bogus"');

    const bare = runCli([], { cwd: work, bin: KEYLESS_BIN });
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: keyless-build <command>');
    expect(bare.stdout).toContain('verify [dir]');
    expect(readdirSync(work)).toEqual(['my-app']);
  });

  it('an unknown flag exits 2 with a did-you-mean hint', () => {
    const work = freshDir();
    const result = runCli(['my-app', '--acount', '1', ...OFFLINE], { cwd: work });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown option --acount (did you mean --account?)');
    expect(readdirSync(work)).toEqual([]);
  });
});

describe('create-keyless-build (interactive, in a pseudo-terminal)', () => {
  it('prompts for the missing values, re-asks on a bad one, then creates the repo', async () => {
    const work = freshDir();
    const terminal = runInTerminal(['my-app', ...OFFLINE, '--region', 'ap-northeast-1', '--repo', 'acme/my-app'], { cwd: work });

    await terminal.expect('(--account)');
    terminal.type('123\r');
    await terminal.expect('must be exactly 12 digits');
    // The rejected text stays in the input: erase it before typing the right value.
    terminal.type('\x7f'.repeat(3));
    terminal.type('111111111111\r');
    await terminal.expect('(--bucket)');
    terminal.type('my-bucket\r');
    // No gh, no token: the repository's numeric ids are asked for; Enter keeps the legacy subjects.
    await terminal.expect('(--owner-id)');
    terminal.type('\r');
    await terminal.expect('Next steps:');

    const code = await terminal.exited;
    const screen = terminal.screen();
    expect(code, screen).toBe(0);
    expect(screen).not.toContain('(--region)');
    expect(screen).not.toContain('(--repo)');
    expect(screen).toContain('Created my-app/');

    const target = join(work, 'my-app');
    expect(listFiles(target)).toEqual(expect.arrayContaining([...MANAGED_FILES, ...SAMPLE_FILES, '.projenrc.ts', 'package.json']));
    const trust = readFileSync(join(target, 'iam/upload-role-trust-policy.json'), 'utf8');
    expect(trust).toContain('arn:aws:iam::111111111111:role/github-oidc-role');
    expect(readFileSync(join(target, '.projenrc.ts'), 'utf8')).toContain('bucket: "my-bucket"');
    expect(readdirSync(work)).toEqual(['my-app']);
  }, 60_000);
});
