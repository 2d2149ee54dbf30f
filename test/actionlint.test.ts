import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type KeylessBuildOptions } from '../src/core/config';
import { PROJEN_FILE_MARKER } from '../src/core/constants';
import { renderWorkflow } from '../src/render/workflow';
import { localiseActions } from './support/action-shims';
import { requireTool, run } from './support/tools';

const actionlint = requireTool('actionlint', 'go install github.com/rhysd/actionlint/cmd/actionlint@latest');
// actionlint runs shellcheck on every run: script when it finds it.
const shellcheck = requireTool('shellcheck', 'apt-get install shellcheck');

const seed: KeylessBuildOptions = { account: '111111111111', region: 'ap-northeast-1', repo: 'acme/my-app', bucket: 'my-bucket' };

/** actionlint against the pinned actions' recorded interface (see support/action-shims.ts). */
function lint(workflowText: string): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kb-actionlint-'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  const localised = localiseActions(dir, workflowText);
  writeFileSync(join(dir, '.github', 'workflows', 'keyless-build.yml'), localised);
  // actionlint resolves local actions from the repository root.
  run('git', ['init', '--quiet'], { cwd: dir });
  const result = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
  return { code: result.code, output: result.stdout + result.stderr };
}

const variants: [string, Partial<KeylessBuildOptions>][] = [
  ['seed', {}],
  ['environments and prefix', { environments: ['production', 'staging'], prefix: 'site/v1' }],
  ['China, tag pinning', { region: 'cn-north-1', actionPinning: 'tag' }],
  ['GovCloud, several branches', { region: 'us-gov-east-1', branches: ['main', 'release/v2'] }],
  ['subjects only, no push trigger', { branches: [], subjects: ['repo:acme/my-app:ref:refs/tags/v1'] }],
];

describe('actionlint on the generated workflow', () => {
  it.each(variants)('%s: no findings', (_name, options) => {
    const text = renderWorkflow(resolveConfig({ ...seed, ...options }), PROJEN_FILE_MARKER);
    const result = lint(text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('the real, SHA-pinned workflow passes as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-actionlint-raw-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github', 'workflows', 'keyless-build.yml'), renderWorkflow(resolveConfig(seed)));
    run('git', ['init', '--quiet'], { cwd: dir });
    const result = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(result.stdout + result.stderr).toBe('');
  });

  describe('negative controls: the same check flags a broken copy', () => {
    const good = renderWorkflow(resolveConfig(seed));

    it('a misspelled action input', () => {
      const result = lint(good.replace('persist-credentials:', 'persist-credential:'));
      expect(result.code).toBe(1);
      expect(result.output).toContain('input "persist-credential" is not defined');
    });

    it('an output the action does not have', () => {
      const result = lint(good.replace('steps.ecr.outputs.registry', 'steps.ecr.outputs.registry-url'));
      expect(result.code).toBe(1);
      expect(result.output).toContain('registry-url');
    });

    it('a step id that does not exist', () => {
      const result = lint(good.replace('steps.upload-role.outputs.credentials-file', 'steps.upload-roles.outputs.credentials-file'));
      expect(result.code).toBe(1);
      expect(result.output).toContain('upload-roles');
    });

    it('a shell mistake in a run: script (shellcheck)', () => {
      const result = lint(good.replace('chmod 600 "$credentials_file"', 'chmod 600 $credentials_file'));
      expect(result.code).toBe(1);
      expect(result.output).toContain('shellcheck');
    });
  });
});
