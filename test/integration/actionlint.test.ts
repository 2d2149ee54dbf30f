import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type KeylessBuildOptions } from '../../src/core/config';
import { PROJEN_FILE_MARKER, WORKFLOW_PATH } from '../../src/core/constants';
import { renderWorkflow } from '../../src/render/workflow';
import { localiseActions } from '../support/action-shims';
import { RUNS, renderForProperties, validOptions } from '../support/arbitraries';
import { SEED } from '../support/parameter-sets';
import { requireTool, run } from '../support/tools';

const actionlint = requireTool('actionlint', 'go install github.com/rhysd/actionlint/cmd/actionlint@latest');
// actionlint runs shellcheck on every run: script when it finds it.
const shellcheck = requireTool('shellcheck', 'apt-get install shellcheck');

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
    const text = renderWorkflow(resolveConfig({ ...SEED, ...options }), PROJEN_FILE_MARKER);
    const result = lint(text);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('the real, SHA-pinned workflow passes as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-actionlint-raw-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github', 'workflows', 'keyless-build.yml'), renderWorkflow(resolveConfig(SEED)));
    run('git', ['init', '--quiet'], { cwd: dir });
    const result = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(result.stdout + result.stderr).toBe('');
  });

  describe('negative controls: the same check flags a broken copy', () => {
    const good = renderWorkflow(resolveConfig(SEED));

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

describe('actionlint on random valid parameters', () => {
  it('actionlint finds nothing in a batch of generated workflows (against the pinned actions\' inputs and outputs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-fuzz-actionlint-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    // One actionlint process for the whole batch: each run costs a process start.
    const samples = fc.sample(validOptions, { seed: RUNS.seed, numRuns: 40 });
    samples.forEach(({ options, projen }, index) => {
      const text = renderForProperties(options, projen).get(WORKFLOW_PATH)!;
      writeFileSync(join(dir, '.github', 'workflows', `generated-${index}.yml`), localiseActions(dir, text));
    });
    run('git', ['init', '--quiet'], { cwd: dir });
    const clean = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.code).toBe(0);

    // Negative control: the same batch with one broken workflow is flagged.
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), localiseActions(dir, renderForProperties(SEED, true).get(WORKFLOW_PATH)!.replace('umask 077', 'umask 077\n          echo "${{ github.event.head_commit.message }}"')));
    const broken = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('broken.yml');
  });
});
