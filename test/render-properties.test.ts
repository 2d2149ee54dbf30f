import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Run } from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { resolveConfig, type KeylessBuildOptions } from '../src/core/config';
import { ConfigError } from '../src/core/config-error';
import { PROJEN_FILE_MARKER, WORKFLOW_PATH } from '../src/core/constants';
import { PARAMETERS, type ParameterName } from '../src/core/parameters';
import { renderRepository } from '../src/render/repository';
import { sampleFiles } from '../src/render/templates.generated';
import { localiseActions } from './support/action-shims';
import { requireTool, run } from './support/tools';

/**
 * Property-based tests of the pure core: generated valid parameters always give files that
 * parse and agree with each other; hostile text in any free-text parameter is either refused
 * with an error naming that parameter, or lands in the files as data without changing
 * their structure.
 */

const seed: KeylessBuildOptions = { account: '111111111111', region: 'ap-northeast-1', repo: 'acme/my-app', bucket: 'my-bucket' };
// A fixed seed keeps failures reproducible from the log; fast-check prints it with the counterexample.
const RUNS = { seed: 20261127, numRuns: 150 };

type Files = Map<string, string>;

/** The rendered files by path; the sample page's files, which live in the upload directory, under `<upload-dir>/`. */
function render(options: KeylessBuildOptions, projen: boolean): Files {
  const config = resolveConfig(options);
  const files = renderRepository(config, { projen, marker: projen ? PROJEN_FILE_MARKER : undefined, version: '0.0.0-test' });
  const pageFiles = new Set(Object.keys(sampleFiles).filter((p) => p.startsWith('public/')).map((p) => p.replace(/^public\//, `${config.uploadDir}/`)));
  return new Map(files.map((f) => [pageFiles.has(f.path) ? f.path.replace(`${config.uploadDir}/`, '<upload-dir>/') : f.path, f.content]));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries of valid parameters

const lower = 'abcdefghijklmnopqrstuvwxyz';
const alnum = `${lower}0123456789`;
const word = (chars: string, min = 1, max = 8) => fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });
/** Lowercase alphanumeric words joined by single separators: valid for S3, ECR, GitHub and git alike. */
const joined = (separators: string, maxWords = 3) =>
  fc.tuple(word(alnum, 2), fc.array(fc.tuple(fc.constantFrom(...separators), word(alnum)), { maxLength: maxWords - 1 })).map(
    ([first, rest]) => first + rest.map(([sep, w]) => sep + w).join(''),
  );

const validOptions: fc.Arbitrary<{ options: KeylessBuildOptions; projen: boolean }> = fc
  .record({
    account: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 }),
    region: fc.constantFrom('ap-northeast-1', 'us-east-1', 'eu-central-2', 'sa-east-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1'),
    owner: joined('-', 2),
    repoName: joined('-_.'),
    bucket: fc.tuple(word(alnum, 3), joined('-.', 2)).map(([a, b]) => `${a}-${b}`).filter((b) => b.length <= 63 && !/^\d+\.\d+\.\d+\.\d+$/.test(b) && !b.startsWith('xn--') && !b.startsWith('sthree-')),
    prefix: fc.option(fc.array(joined('-_.', 2), { minLength: 1, maxLength: 3 }).map((s) => s.join('/')), { nil: undefined }),
    branches: fc.uniqueArray(fc.array(joined('-_.', 2), { minLength: 1, maxLength: 2 }).map((s) => s.join('/')), { minLength: 1, maxLength: 3 }),
    environments: fc.option(fc.uniqueArray(joined('-_.'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    ids: fc.option(fc.tuple(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 })), { nil: undefined }),
    sessionDuration: fc.integer({ min: 900, max: 3600 }),
    nodeVersion: fc.integer({ min: 22, max: 40 }).map(String),
    uploadDir: fc.array(joined('-_', 1), { minLength: 1, maxLength: 2 }).map((s) => s.join('/')),
    actionPinning: fc.constantFrom('sha' as const, 'tag' as const),
    oidcProvider: fc.constantFrom('create' as const, 'existing' as const),
    createBucket: fc.boolean(),
    createEcrRepository: fc.boolean(),
    projen: fc.boolean(),
  })
  .map(({ owner, repoName, ids, projen, ...rest }) => ({
    projen,
    options: {
      ...rest,
      repo: `${owner}/${repoName}`,
      ...(ids ? { ownerId: String(ids[0]), repoId: String(ids[1]) } : {}),
    },
  }));

// ---------------------------------------------------------------------------------------------
// Structure of the rendered files

/** Every key path of a parsed YAML or JSON value; list items by index. Values are left out. */
function keyPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => [`${path}[${index}]`, ...keyPaths(item, `${path}[${index}]`)]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [`${path}.${key}`, ...keyPaths(item, `${path}.${key}`)]);
  return [];
}

function parseYamlStrictly(text: string, path: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new Error(`${path} does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

function dockerfileShape(text: string): string[] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => [i.getKeyword(), ...(i as Run).getFlags?.().map((f) => `--${f.getName()}${f.getOptions().map((o) => `,${o.getName()}`).join('')}`) ?? []].join(' '));
}

interface Step {
  run?: string;
  with?: Record<string, unknown>;
  uses?: string;
}

/** What must not change when a parameter's value changes: keys, instructions, script lines. */
function structure(files: Files): Record<string, unknown> {
  const shape: Record<string, unknown> = { paths: [...files.keys()].sort() };
  for (const [path, text] of files) {
    if (path.endsWith('.json')) shape[path] = keyPaths(JSON.parse(text));
    else if (path.endsWith('.yml') || path.endsWith('.yaml')) shape[path] = keyPaths(parseYamlStrictly(text, path));
    else if (path === 'Dockerfile') shape[path] = dockerfileShape(text);
    // Text files: the number of lines, and the fenced blocks of the README (commands to copy).
    else shape[path] = { lines: text.split('\n').length, fences: text.split('\n').filter((l) => l.startsWith('```')).length };
  }
  const workflow = parseYamlStrictly(files.get(WORKFLOW_PATH)!, WORKFLOW_PATH) as { jobs: { build: { steps: Step[] } } };
  // The shell the runner executes, line by line, and the build args handed to the Dockerfile.
  shape.scripts = workflow.jobs.build.steps.map((step) => step.run ?? null);
  shape.buildArgLines = workflow.jobs.build.steps.map((step) => String(step.with?.['build-args'] ?? '').split('\n').map((line) => line.split('=')[0]));
  return shape;
}

// ---------------------------------------------------------------------------------------------

describe('valid parameters', () => {
  it('every file parses: YAML without errors or duplicate keys, JSON, a Dockerfile of the expected instructions', () => {
    fc.assert(
      fc.property(validOptions, ({ options, projen }) => {
        const files = render(options, projen);
        for (const [path, text] of files) {
          if (path.endsWith('.json')) expect(() => JSON.parse(text), path).not.toThrow();
          if (path.endsWith('.yml') || path.endsWith('.yaml')) parseYamlStrictly(text, path);
        }
        const keywords = DockerfileParser.parse(files.get('Dockerfile')!).getInstructions().map((i) => i.getKeyword());
        expect(keywords.filter((k) => k === 'FROM')).toHaveLength(3);
        expect(keywords.at(-1)).toBe('CMD');
      }),
      RUNS,
    );
  });

  it('the secret id and mount path agree between the workflow and the Dockerfile, and the mount is required', () => {
    fc.assert(
      fc.property(validOptions, ({ options, projen }) => {
        const files = render(options, projen);
        const workflow = parseYamlStrictly(files.get(WORKFLOW_PATH)!, WORKFLOW_PATH) as { jobs: { build: { steps: Step[] } } };
        const build = workflow.jobs.build.steps.find((s) => s.with?.['secret-files'] !== undefined)!;
        const [workflowSecretId] = String(build.with!['secret-files']).split('=');

        const runs = DockerfileParser.parse(files.get('Dockerfile')!).getInstructions().filter((i): i is Run => i.getKeyword() === 'RUN');
        const mounts = runs.flatMap((r) => r.getFlags().filter((f) => f.getName() === 'mount').map((f) => ({ run: r, flag: f })));
        expect(mounts).toHaveLength(1);
        const fields = Object.fromEntries(mounts[0]!.flag.getOptions().map((o) => [o.getName(), o.getValue()]));
        expect(fields.type).toBe('secret');
        expect(fields.id).toBe(workflowSecretId);
        expect(fields.required).toBe('true');
        // The upload script uses the SDK's default chain, which reads the file this variable names.
        const args = mounts[0]!.run.getArguments().map((a) => a.getValue());
        expect(args).toContain(`AWS_SHARED_CREDENTIALS_FILE=${fields.target}`);
        expect(files.get('src/upload.ts')).not.toMatch(/accessKeyId\s*:/);
      }),
      RUNS,
    );
  });

  it('actionlint finds nothing in a batch of generated workflows (against the pinned actions\' inputs and outputs)', () => {
    const actionlint = requireTool('actionlint', 'go install github.com/rhysd/actionlint/cmd/actionlint@latest');
    const shellcheck = requireTool('shellcheck', 'apt-get install shellcheck');
    const dir = mkdtempSync(join(tmpdir(), 'kb-fuzz-actionlint-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    // One actionlint process for the whole batch: each run costs a process start.
    const samples = fc.sample(validOptions, { seed: RUNS.seed, numRuns: 40 });
    samples.forEach(({ options, projen }, index) => {
      const text = render(options, projen).get(WORKFLOW_PATH)!;
      writeFileSync(join(dir, '.github', 'workflows', `generated-${index}.yml`), localiseActions(dir, text));
    });
    run('git', ['init', '--quiet'], { cwd: dir });
    const clean = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.code).toBe(0);

    // Negative control: the same batch with one broken workflow is flagged.
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), localiseActions(dir, render(seed, true).get(WORKFLOW_PATH)!.replace('umask 077', 'umask 077\n          echo "${{ github.event.head_commit.message }}"')));
    const broken = run(actionlint, ['-shellcheck', shellcheck, '-no-color'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('broken.yml');
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile text

const HOSTILE_FRAGMENTS = [
  '\n', '\r\n', '\t', '\u0000', '"', "'", '`', '${{ github.token }}', '${{', '}}', '#', ' #', '*', '?', '..', '../', '/', '//', ':', ': ', '- ',
  '{', '}', '[', ']', '&', '!', '|', '>', '%', '@', '\\', '$(id)', ';', ' ', 'ü', '\u2028', '\u202e', '😀', 'a'.repeat(5000), '--', '=', ',', '<<EOF',
];
const hostile = fc.oneof(
  fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...HOSTILE_FRAGMENTS), fc.string({ maxLength: 6 })).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...HOSTILE_FRAGMENTS),
);

/**
 * Each free-text parameter with a benign value of the same shape: the reference a hostile value
 * is compared with (an absent optional parameter could change the structure for good reason).
 */
const FREE_TEXT: Record<string, Record<string, unknown>> = {
  account: { account: '123456789012' },
  region: { region: 'us-east-1' },
  repo: { repo: 'acme/other-app' },
  bucket: { bucket: 'other-bucket' },
  oidcRoleName: { oidcRoleName: 'oidc-role' },
  uploadRoleName: { uploadRoleName: 'upload-role' },
  prefix: { prefix: 'site' },
  ecrRepository: { ecrRepository: 'images' },
  ownerId: { ownerId: '42', repoId: '4242' },
  repoId: { ownerId: '42', repoId: '4242' },
  nodeVersion: { nodeVersion: '24' },
  baseImage: { baseImage: 'node:24-slim' },
  // Not "dist", the build output folder: with that, the sample page moves there and the file list changes.
  uploadDir: { uploadDir: 'site' },
  branches: { branches: ['develop'] },
  environments: { environments: ['production'] },
  subjects: { subjects: ['repo:acme/my-app:ref:refs/heads/main'] },
  // Choices and numbers arrive as text from a .projenrc.ts or JavaScript caller just the same.
  partition: { partition: 'aws' },
  actionPinning: { actionPinning: 'sha' },
  oidcProvider: { oidcProvider: 'create' },
  sessionDuration: { sessionDuration: 1800 },
};

describe('hostile text in a free-text parameter', () => {
  it.each(Object.entries(FREE_TEXT))('%s: refused naming the parameter, or the files keep their structure', (parameter, benign) => {
    const reference = { ...seed, ...benign };
    const referenceStructure = { projen: structure(render(reference, true)), plain: structure(render(reference, false)) };
    // An empty string means "not set": it is compared with the parameter left out.
    const unset = { ...reference, [parameter]: undefined, ...(parameter === 'ownerId' || parameter === 'repoId' ? { ownerId: undefined, repoId: undefined } : {}) };
    const unsetStructure = PARAMETERS.find((p) => p.name === parameter)?.required
      ? undefined
      : { projen: structure(render(unset, true)), plain: structure(render(unset, false)) };
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(hostile, fc.boolean(), (value, projen) => {
        const isList = Array.isArray(benign[parameter as keyof KeylessBuildOptions]);
        const options = { ...reference, [parameter]: isList ? [value] : value } as KeylessBuildOptions;
        let files: Files;
        try {
          files = render(options, projen);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          const named = error.issues.map((issue) => issue.parameter);
          // A repo name that GitHub accepts but ECR does not is reported on the ECR name derived from it.
          const acceptable: ParameterName[] = parameter === 'repo' ? ['repo', 'ecrRepository'] : [parameter as ParameterName];
          expect(named.some((n) => acceptable.includes(n)), `${JSON.stringify(value)}: ${error.message}`).toBe(true);
          const flags = acceptable.map((name) => `(--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)})`);
          expect(flags.some((flag) => error.message.includes(flag)), error.message).toBe(true);
          refused++;
          return;
        }
        accepted++;
        const expected = value === '' && !isList ? unsetStructure! : referenceStructure;
        expect(structure(files), JSON.stringify(value)).toEqual(projen ? expected.projen : expected.plain);
      }),
      RUNS,
    );
    // Both branches of the property ran: the hostile strings were not all refused by one rule.
    expect(refused).toBeGreaterThan(0);
    // Where the rules allow unusual characters, hostile values did reach the files and were compared.
    if (['oidcRoleName', 'uploadRoleName', 'branches', 'environments', 'prefix', 'uploadDir'].includes(parameter)) expect(accepted).toBeGreaterThan(0);
  });

  it('the structure comparison catches a value that breaks out of its place (negative control)', () => {
    const reference = structure(render(seed, true));
    const files = render(seed, true);
    const workflow = files.get(WORKFLOW_PATH)!;
    // What an unescaped newline in the bucket name would do to the build args.
    files.set(WORKFLOW_PATH, workflow.replace('S3_BUCKET=my-bucket', 'S3_BUCKET=my-bucket\n            EXTRA=1'));
    expect(structure(files)).not.toEqual(reference);
    files.set(WORKFLOW_PATH, workflow.replace('role-session-name: keyless-build-${{ github.run_id }}', 'role-session-name: x\n          role-chaining: true'));
    expect(structure(files)).not.toEqual(reference);
    const dockerfile = render(seed, true).get('Dockerfile')!;
    files.set(WORKFLOW_PATH, workflow);
    files.set('Dockerfile', dockerfile.replace('ARG NODE_IMAGE=node:26-slim', 'ARG NODE_IMAGE=node:26-slim\nRUN id'));
    expect(structure(files)).not.toEqual(reference);
  });
});
