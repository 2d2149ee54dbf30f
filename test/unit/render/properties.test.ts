import { DockerfileParser, type Run } from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { type KeylessBuildOptions } from '../../../src/core/config';
import { ConfigError } from '../../../src/core/config-error';
import { WORKFLOW_PATH } from '../../../src/core/constants';
import { PARAMETERS, type ParameterName } from '../../../src/core/parameters';
import { RUNS, renderForProperties as render, validOptions, type Files } from '../../support/arbitraries';
import { SEED } from '../../support/parameter-sets';

/**
 * Property-based tests of the pure core: generated valid parameters always give files that
 * parse and agree with each other; hostile text in any free-text parameter is either refused
 * with an error naming that parameter, or lands in the files as data without changing
 * their structure.
 */

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
        const mounts = runs.flatMap((r) =>
          r.getFlags()
            .filter((f) => f.getName() === 'mount' && f.getOptions().some((o) => o.getName() === 'type' && o.getValue() === 'secret'))
            .map((f) => ({ run: r, flag: f })),
        );
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
    const reference = { ...SEED, ...benign };
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
    const reference = structure(render(SEED, true));
    const files = render(SEED, true);
    const workflow = files.get(WORKFLOW_PATH)!;
    // What an unescaped newline in the bucket name would do to the build args.
    files.set(WORKFLOW_PATH, workflow.replace('S3_BUCKET=my-bucket', 'S3_BUCKET=my-bucket\n            EXTRA=1'));
    expect(structure(files)).not.toEqual(reference);
    files.set(WORKFLOW_PATH, workflow.replace('role-session-name: keyless-build-${{ github.run_id }}', 'role-session-name: x\n          role-chaining: true'));
    expect(structure(files)).not.toEqual(reference);
    const dockerfile = render(SEED, true).get('Dockerfile')!;
    files.set(WORKFLOW_PATH, workflow);
    files.set('Dockerfile', dockerfile.replace('FROM node:26-slim AS build', 'FROM node:26-slim AS build\nRUN id'));
    expect(structure(files)).not.toEqual(reference);
  });
});
