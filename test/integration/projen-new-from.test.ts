import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../support/tools';

// Each test runs npm and projen, several synths in a row on a shared machine.
vi.setConfig({ testTimeout: 300_000 });

const root = join(__dirname, '..', '..');

// The README says why `projen new --from create-keyless-build` is not offered and what to run
// instead; this keeps that statement true for the package as it is packed.
describe('projen new --from the packed package', () => {
  it('is refused by projen: the package ships no jsii manifest, and no files are generated', () => {
    const work = mkdtempSync(join(tmpdir(), 'kb-new-from-'));
    const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root });
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
    const target = join(work, 'project');
    mkdirSync(target);

    const result = run(process.execPath, [join(root, 'node_modules', 'projen', 'bin', 'projen'), 'new', '--from', tarball, '--no-git'], {
      cwd: target,
      env: { ...process.env, CI: undefined },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("Cannot find 'create-keyless-build/.jsii'. All projen modules must be jsii modules!");
    expect(existsSync(join(target, '.projenrc.ts'))).toBe(false);
    expect(readdirSync(target).filter((name) => !['node_modules', 'package.json', 'package-lock.json'].includes(name))).toEqual([]);
  });
});
