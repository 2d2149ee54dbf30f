/**
 * The end-to-end suite runs the generated workflow under act with a local stand-in for each pinned
 * action (test/e2e/actions/). Each stand-in must claim the pin src/core/actions.ts records and
 * declare that release's inputs and outputs: moving a pin without its stand-in fails here.
 * Also the pure part of the build-push stand-in: the `docker buildx build` arguments it makes
 * from the generated workflow's inputs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ACTIONS, type ActionName } from '../../src/core/actions';
import { SECRET_ID, WORKFLOW_PATH } from '../../src/core/constants';
import { renderContents } from '../support/render';

const ACTIONS_DIR = join(__dirname, '..', 'e2e', 'actions');

/** Folder of each stand-in; actions/checkout needs none (act copies the working tree itself). */
const STAND_INS: Record<Exclude<ActionName, 'checkout'>, string> = {
  configureAwsCredentials: 'configure-aws-credentials',
  amazonEcrLogin: 'amazon-ecr-login',
  setupBuildx: 'setup-buildx-action',
  buildPush: 'build-push-action',
};

interface ActionYaml {
  description: string;
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string; post?: string };
}

const readAction = (folder: string) => parseYaml(readFileSync(join(ACTIONS_DIR, folder, 'action.yml'), 'utf8')) as ActionYaml;

describe('each stand-in matches the pin in src/core/actions.ts', () => {
  it('every pinned action but checkout has a stand-in', () => {
    expect(Object.keys(STAND_INS).sort()).toEqual(Object.keys(ACTIONS).filter((name) => name !== 'checkout').sort());
  });

  it.each(Object.entries(STAND_INS))('%s (%s)', (name, folder) => {
    const action = ACTIONS[name as ActionName];
    const yaml = readAction(folder);
    const match = /^Test stand-in for (\S+\/\S+) (v\S+) \(([0-9a-f]{40})\)$/.exec(yaml.description);
    expect(match, `description: ${yaml.description}`).not.toBeNull();
    const [, repository, version, sha] = match!;
    expect({ repository, version, sha }).toEqual({ repository: action.repository, version: action.version, sha: action.sha });
    expect(Object.keys(yaml.inputs).sort()).toEqual([...action.inputs].sort());
    expect(Object.keys(yaml.outputs).sort()).toEqual([...action.outputs].sort());
    expect(yaml.runs.using).toBe('node24');
    for (const file of [yaml.runs.main, yaml.runs.post].filter(Boolean)) {
      expect(existsSync(join(ACTIONS_DIR, folder, file!)), `${folder}/${file}`).toBe(true);
    }
  });
});

// ---- the build-push stand-in's arguments ---------------------------------------------------------

const require_ = createRequire(join(ACTIONS_DIR, 'index.cjs'));
const { buildArgs, readInputs } = require_('./build-push-action/arguments.cjs') as {
  readInputs: (env: Record<string, string>) => Record<string, unknown>;
  buildArgs: (
    inputs: Record<string, unknown>,
    env: Record<string, string>,
    facts: { buildxVersion: string; buildkitAtLeast011: boolean; tmpDir: string; iidFile: string; metadataFile: string },
  ) => { args: string[]; warnings: string[]; masks: string[] };
};
const toolkit = require_('./toolkit.cjs') as { getList: (input: string, options?: Record<string, unknown>) => string[] };

describe('the build-push stand-in builds the release\'s arguments', () => {
  const work = mkdtempSync(join(tmpdir(), 'stand-in-args-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const credentialsFile = join(work, 'credentials');
  writeFileSync(credentialsFile, '[default]\n');
  const registry = '111111111111.dkr.ecr.ap-northeast-1.amazonaws.com';
  const sha = '0123456789abcdef0123456789abcdef01234567';
  const facts = { buildxVersion: '0.39.1', buildkitAtLeast011: true, tmpDir: work, iidFile: join(work, 'iid'), metadataFile: join(work, 'metadata') };
  const github = {
    GITHUB_REPOSITORY: 'acme/my-app',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
  };

  /** The generated workflow's build step as the runner hands it over: INPUT_* with defaults, expressions resolved. */
  function actionEnv(credentials: string, extra: Record<string, string> = {}): Record<string, string> {
    const workflow = parseYaml(renderContents().get(WORKFLOW_PATH)!) as { jobs: { build: { steps: { uses?: string; with?: Record<string, unknown> }[] } } };
    const step = workflow.jobs.build.steps.find((s) => s.uses?.startsWith(`${ACTIONS.buildPush.repository}@`));
    const values: Record<string, string> = {
      'steps.ecr.outputs.registry': registry,
      'github.sha': sha,
      'steps.upload-role.outputs.credentials-file': credentials,
      'github.token': '',
    };
    const resolve = (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
        if (!(expression in values)) throw new Error(`no value for \${{ ${expression} }}`);
        return values[expression]!;
      });
    const env: Record<string, string> = { ...github, ...extra };
    for (const [name, input] of Object.entries(readAction('build-push-action').inputs)) {
      const given = step?.with?.[name];
      const value = given === undefined ? input.default : String(given);
      if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = resolve(value);
    }
    return env;
  }

  it('the generated workflow\'s inputs give the flags, in the release\'s order', () => {
    const env = actionEnv(credentialsFile);
    const withInputs = readInputs(env);
    const { args, warnings } = buildArgs(withInputs, env, facts);
    expect(warnings).toEqual([]);
    const buildArgLines = withInputs['build-args'] as string[];
    expect(buildArgLines.length).toBeGreaterThan(0);
    expect(args).toEqual([
      'build',
      ...buildArgLines.flatMap((line) => ['--build-arg', line]),
      ...(withInputs['cache-from'] as string[]).flatMap((c) => ['--cache-from', c]),
      ...(withInputs['cache-to'] as string[]).flatMap((c) => ['--cache-to', c]),
      '--iidfile', facts.iidFile,
      ...(withInputs['no-cache-filters'] as string[]).flatMap((f) => ['--no-cache-filter', f]),
      // the release's default provenance for a public repository (no payload here says private)
      '--attest', 'type=provenance,mode=max,builder-id=https://github.com/acme/my-app/actions/runs/42/attempts/1',
      '--secret', `id=${SECRET_ID},src=${credentialsFile}`,
      '--tag', `${registry}/my-app:${sha}`,
      '--metadata-file', facts.metadataFile,
      '--push',
      '.',
    ]);
  });

  it('a secret file that does not exist: the release\'s warning, and the build goes on without it', () => {
    const missing = join(work, 'absent', 'credentials');
    const env = actionEnv(missing);
    const { args, warnings } = buildArgs(readInputs(env), env, facts);
    expect(warnings).toEqual([`secret file ${missing} not found`]);
    expect(args).not.toContain('--secret');
    expect(args[0]).toBe('build');
    expect(args.at(-1)).toBe('.');
    expect(args).toContain('--push');
  });

  it('no default provenance when attestations are off, loading, or not supported by BuildKit', () => {
    const provenance = (args: string[]) => args.filter((arg) => arg.startsWith('type=provenance'));
    const env = actionEnv(credentialsFile);
    expect(provenance(buildArgs(readInputs(env), { ...env, BUILDX_NO_DEFAULT_ATTESTATIONS: '1' }, facts).args)).toEqual([]);
    expect(provenance(buildArgs(readInputs({ ...env, INPUT_LOAD: 'true' }), env, facts).args)).toEqual([]);
    expect(provenance(buildArgs(readInputs(env), env, { ...facts, buildkitAtLeast011: false }).args)).toEqual([]);
    expect(provenance(buildArgs(readInputs({ ...env, INPUT_PROVENANCE: 'false' }), env, facts).args)).toEqual(['type=provenance,disabled=true']);
  });

  it('lists split as @docker/actions-toolkit does: newlines and commas, commas kept with ignoreComma', () => {
    expect(toolkit.getList('a,b\nc\n\n')).toEqual(['a', 'b', 'c']);
    expect(toolkit.getList('type=gha,mode=max', { ignoreComma: true })).toEqual(['type=gha,mode=max']);
    expect(toolkit.getList('A=1\n"B=x,y"\n', { ignoreComma: true })).toEqual(['A=1', 'B=x,y']);
  });
});
