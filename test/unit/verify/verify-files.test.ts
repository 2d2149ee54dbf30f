/**
 * verify: generated repos are clean, each rule fires on a minimal edit of a clean repo (and
 * only that rule), the article's recipe reports the defects it is known for. The real binary:
 * test/integration/verify-cli.test.ts.
 */
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/core/actions';
import { CLOUDFORMATION_PATH } from '../../../src/render/cloudformation';
import { type KeylessBuildOptions } from '../../../src/core/config';
import { WORKFLOW_PATH } from '../../../src/core/constants';
import { parseDockerfile, definedNames, mountOptions } from '../../../src/verify/dockerfile-reader';
import { isDockerignored } from '../../../src/verify/dockerignore-match';
import { readRepository } from '../../../src/commands/read-repository';
import { RULES, type Finding, type RuleId } from '../../../src/verify/rules';
import { verifyFiles } from '../../../src/verify/verify-files';
import { PARAMETER_SETS } from '../../support/parameter-sets';
import { renderContents } from '../../support/render';
import { resolveConfig } from '../../../src/core/config';
import { renderRepository } from '../../../src/render/repository';
import { ROOT } from '../../support/run-cli';

/** The day the end-of-life rule is evaluated on, so results do not depend on when tests run. */
const TODAY = new Date('2026-11-27T00:00:00Z');
const SEED_FIXTURE = join(ROOT, 'test', 'fixtures', 'seed-article');
/** The uploader earlier versions copied into each repo (three files). */
const VENDORED_UPLOADER = readRepository(join(ROOT, 'test', 'fixtures', 'vendored-uploader'));

const generated = renderContents;

function verify(files: ReadonlyMap<string, string>, today = TODAY): Finding[] {
  return verifyFiles(files, { today });
}

const rules = (findings: readonly Finding[]) => findings.map((f) => f.rule);

/** Replaces `from` in one file, failing when it is not there, so a stale edit cannot pass silently. */
function edit(files: Map<string, string>, path: string, from: string | RegExp, to: string): Map<string, string> {
  const before = files.get(path);
  if (before === undefined) throw new Error(`no ${path}`);
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${String(from)} not found in ${path}`);
  return new Map(files).set(path, after);
}

describe('generated repositories are clean', () => {
  const parameterSets: [string, Partial<KeylessBuildOptions>, boolean][] = [
    ['seed parameters, projen', {}, true],
    ['seed parameters, plain', {}, false],
    ['prefix, several branches, China partition', { region: 'cn-north-1', prefix: 'site/v1', branches: ['main', 'release/v2'] }, true],
    ['environments, GovCloud, plain', { region: 'us-gov-west-1', environments: ['production', 'staging'] }, false],
    ['immutable subjects, existing provider, bucket created', { ownerId: '42', repoId: '4242', oidcProvider: 'existing', createBucket: true }, true],
    ['custom subjects with a narrow wildcard, short session', { subjects: ['repo:acme/my-app:ref:refs/heads/release-*'], sessionDuration: 900 }, true],
    ['other role names, upload dir and base image', { oidcRoleName: 'ci-oidc', uploadRoleName: 'ci-upload', uploadDir: 'site', baseImage: 'node:24-slim' }, false],
  ];
  it.each(parameterSets)('%s', (_name, options, projen) => {
    const files = generated(options, projen);
    expect(files.size).toBeGreaterThan(10);
    expect(verify(files)).toEqual([]);
  });

  it.each(PARAMETER_SETS.map((set) => [set.name, set] as const))('audit parameter set %s: clean (with tag pinning, action-not-pinned only, by choice)', (_name, set) => {
    const config = resolveConfig(set.options);
    const files = new Map(renderRepository(config, { projen: set.projen, version: '0.0.0-test' }).map((f) => [f.path, f.content]));
    const findings = verify(files);
    if (config.actionPinning === 'tag') expect(new Set(rules(findings))).toEqual(new Set(['action-not-pinned']));
    else expect(findings).toEqual([]);
  });

  it('tag pinning: exactly one action-not-pinned per action, nothing else', () => {
    const findings = verify(generated({ actionPinning: 'tag' }));
    expect(new Set(rules(findings))).toEqual(new Set(['action-not-pinned']));
    expect(findings.map((f) => f.message.split(' ')[0]).sort()).toEqual(
      Object.values(ACTIONS).map((a) => `${a.repository}@${a.version}`).sort(),
    );
  });
});

describe('each rule fires on a minimal edit of a clean repo, and only that rule', () => {
  const clean = () => generated();
  const cases: [RuleId, () => Map<string, string>, number][] = [
    ['secret-id-mismatch', () => edit(clean(), 'Dockerfile', 'id=upload-credentials', 'id=build-credentials'), 2],
    ['secret-not-required', () => edit(clean(), 'Dockerfile', ',required=true', ''), 1],
    ['secret-leaves-mount', () => edit(clean(), 'Dockerfile', '    node dist/upload.js', '    node dist/upload.js && cp /run/secrets/upload-credentials /app/.aws-credentials'), 1],
    ['secret-path-mismatch', () => edit(clean(), 'Dockerfile', 'AWS_SHARED_CREDENTIALS_FILE=/run/secrets/upload-credentials ', 'AWS_SHARED_CREDENTIALS_FILE=/run/secrets/upload-credentials.ini '), 1],
    ['credentials-in-build-context', () => {
      let files = edit(clean(), WORKFLOW_PATH, 'credentials_dir="$RUNNER_TEMP/keyless-build"', 'credentials_dir="$GITHUB_WORKSPACE/.keyless-build"');
      files = edit(files, WORKFLOW_PATH, 'rm -rf -- "$RUNNER_TEMP/keyless-build"', 'rm -rf -- "$GITHUB_WORKSPACE/.keyless-build"');
      return files;
    }, 1],
    ['credentials-not-dockerignored', () => edit(clean(), '.dockerignore', '**/*credentials*.ini\n', ''), 1],
    ['credentials-not-masked', () => edit(clean(), WORKFLOW_PATH, /^\s*echo "::add-mask::.*\n/gm, ''), 1],
    ['credentials-not-removed', () => edit(clean(), WORKFLOW_PATH, /\n\s*if: always\(\)/, ''), 1],
    ['credential-in-arg', () => edit(clean(), 'Dockerfile', 'ARG AWS_REGION\n', 'ARG AWS_REGION\nARG AWS_SECRET_ACCESS_KEY\n'), 1],
    ['credential-in-env', () => edit(clean(), 'Dockerfile', 'ENV NODE_ENV=production', 'ENV NODE_ENV=production NPM_TOKEN=npm_fake'), 1],
    ['credential-in-build-arg', () => edit(clean(), WORKFLOW_PATH, '            AWS_REGION=ap-northeast-1\n', '            AWS_REGION=ap-northeast-1\n            AWS_SESSION_TOKEN=${{ env.AWS_SESSION_TOKEN }}\n'), 1],
    ['expression-in-run', () => edit(clean(), WORKFLOW_PATH, '--role-arn "$UPLOAD_ROLE_ARN"', '--role-arn "${{ github.event.inputs.role }}"'), 1],
    ['trust-wildcard-sub', () => edit(clean(), 'iam/oidc-role-trust-policy.json', 'repo:acme/my-app:ref:refs/heads/main', 'repo:acme/*:ref:refs/heads/main'), 1],
    ['trust-missing-sub', () => edit(clean(), 'iam/oidc-role-trust-policy.json', /,\s*"token\.actions\.githubusercontent\.com:sub": "[^"]*"/, ''), 1],
    ['oidc-trust-missing', () => {
      const files = clean();
      files.delete('iam/oidc-role-trust-policy.json');
      files.delete(CLOUDFORMATION_PATH);
      return files;
    }, 1],
    ['chained-session-too-long', () => edit(clean(), WORKFLOW_PATH, 'SESSION_DURATION: "3600"', 'SESSION_DURATION: "7200"'), 1],
    ['action-not-pinned', () => edit(clean(), WORKFLOW_PATH, `actions/checkout@${ACTIONS.checkout.sha} # ${ACTIONS.checkout.version}`, `actions/checkout@${ACTIONS.checkout.version}`), 1],
    ['action-outdated', () => edit(clean(), WORKFLOW_PATH, `# ${ACTIONS.checkout.version}`, '# v4.2.2'), 1],
    ['base-image-end-of-life', () => edit(clean(), 'Dockerfile', /FROM node:26-slim/g, 'FROM node:20-slim'), 2],
    ['aws-sdk-v2', () => edit(clean(), 'src/upload.ts', /^/, "import AWS from 'aws-sdk';\n"), 1],
    // A repo created before the uploader became a package: its src/upload.ts and the two files beside it.
    ['uploader-vendored', () => new Map([...clean(), ...[...VENDORED_UPLOADER].filter(([path]) => path.startsWith('src/'))]), 3],
    ['file-unreadable', () => edit(clean(), WORKFLOW_PATH, 'jobs:\n', 'jobs: [\n'), 1],
  ];

  it('file-unreadable: an IAM document that does not parse', () => {
    const findings = verify(edit(clean(), 'iam/upload-role-trust-policy.json', '"Statement": [', '"Statement": [[,'));
    expect(findings).toEqual([expect.objectContaining({ file: 'iam/upload-role-trust-policy.json', rule: 'file-unreadable' })]);
  });

  it('covers every rule', () => {
    expect(cases.map(([rule]) => rule).sort()).toEqual(Object.keys(RULES).sort());
  });

  it.each(cases)('%s', (rule, make, count) => {
    const findings = verify(make());
    expect(rules(findings)).toEqual(Array(count).fill(rule));
    for (const finding of findings) {
      expect(finding.line).toBeGreaterThan(0);
      expect(finding.message.length).toBeGreaterThan(20);
      expect(finding.fix.length).toBeGreaterThan(10);
    }
  });

  it('points at the line of the edit', () => {
    const files = edit(clean(), WORKFLOW_PATH, '--role-arn "$UPLOAD_ROLE_ARN"', '--role-arn "${{ github.event.inputs.role }}"');
    const [finding] = verify(files);
    const lines = files.get(WORKFLOW_PATH)!.split('\n');
    expect(finding!.file).toBe(WORKFLOW_PATH);
    expect(lines[finding!.line - 1]).toContain('--role-arn "${{ github.event.inputs.role }}"');

    const unrequired = edit(clean(), 'Dockerfile', ',required=true', '');
    const [mount] = verify(unrequired);
    expect(unrequired.get('Dockerfile')!.split('\n')[mount!.line - 1]).toMatch(/^RUN --mount=type=secret/);
  });

  it('base images: end of life depends on the date, multi-stage references are not images', () => {
    const node22 = edit(clean(), 'Dockerfile', /FROM node:26-slim/g, 'FROM node:22-slim');
    expect(verify(node22, new Date('2027-04-29T00:00:00Z'))).toEqual([]);
    const late = verify(node22, new Date('2027-05-01T00:00:00Z'));
    // Both stages name the image: a finding at each line to edit; `FROM build AS upload` is a stage, not an image.
    expect(late.map((f) => f.rule)).toEqual(['base-image-end-of-life', 'base-image-end-of-life']);
    expect(late.map((f) => node22.get('Dockerfile')!.split('\n')[f.line - 1])).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim AS runtime']);
    // An image taken from an ARG default is reported once, at the ARG line.
    const fromArg = edit(clean(), 'Dockerfile', /FROM node:26-slim/g, 'FROM ${NODE_IMAGE}');
    const withArg = edit(fromArg, 'Dockerfile', '# syntax=docker/dockerfile:1\n', '# syntax=docker/dockerfile:1\nARG NODE_IMAGE=node:22-slim\n');
    const [argFinding, ...more] = verify(withArg, new Date('2027-05-01T00:00:00Z'));
    expect(more).toEqual([]);
    expect(withArg.get('Dockerfile')!.split('\n')[argFinding!.line - 1]).toBe('ARG NODE_IMAGE=node:22-slim');
  });

  it('trust subjects: repository and bare wildcards are findings, narrow patterns are not', () => {
    const subjects: [string, boolean][] = [
      ['*', true],
      ['repo:acme/*', true],
      ['repo:*/my-app:ref:refs/heads/main', true],
      ['repo:acme/my-app:*', true],
      ['repo:acme/my-app:ref:refs/heads/*', true],
      ['repo:acme/my-app:environment:*', true],
      ['repo:acme/my-app:ref:refs/heads/main', false],
      ['repo:acme/my-app:ref:refs/heads/release-*', false],
      ['repo:acme@42/my-app@4242:environment:production', false],
      ['repo:acme/my-app:pull_request', false],
    ];
    for (const [subject, flagged] of subjects) {
      const original = 'repo:acme/my-app:ref:refs/heads/main';
      const files = subject === original ? clean() : edit(clean(), 'iam/oidc-role-trust-policy.json', original, subject);
      expect(rules(verify(files)), subject).toEqual(flagged ? ['trust-wildcard-sub'] : []);
    }
  });

  it("a repo that chains from another team's role A declares it (iam/for-oidc-role-owners.json): no oidc-trust-missing; without the hand-over file, reported", () => {
    const external = generated({ oidcRoleArn: 'arn:aws:iam::111111111111:role/platform-ci' });
    expect(external.has('iam/oidc-role-trust-policy.json')).toBe(false);
    expect(verify(external)).toEqual([]);
    const undeclared = new Map(external);
    undeclared.delete('iam/for-oidc-role-owners.json');
    expect(rules(verify(undeclared))).toEqual(['oidc-trust-missing']);
  });

  it.each([
    ["an enterprise's own issuer", { oidcIssuer: 'https://token.actions.githubusercontent.com/acme' }],
    ['GitHub Enterprise Server', { ghesHost: 'github.example.com' }],
  ] as [string, Partial<KeylessBuildOptions>][])('checks the trust of %s too (negative control: a wildcard sub is flagged)', (_what, options) => {
    const files = generated(options);
    expect(verify(files)).toEqual([]);
    expect(rules(verify(edit(files, 'iam/oidc-role-trust-policy.json', 'repo:acme/my-app:ref:refs/heads/main', 'repo:acme/*')))).toEqual(['trust-wildcard-sub']);
  });

  it('reads CloudFormation templates with short-form intrinsics', () => {
    const files = clean();
    files.set('infra/roles.yaml', [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument:',
      '        Statement:',
      '          - Effect: Allow',
      '            Principal:',
      '              Federated: !Sub arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com',
      '            Action: sts:AssumeRoleWithWebIdentity',
      '            Condition:',
      '              StringLike:',
      '                token.actions.githubusercontent.com:sub: repo:acme/my-app:*',
      '',
    ].join('\n'));
    expect(verify(files)).toEqual([expect.objectContaining({ file: 'infra/roles.yaml', line: 14, rule: 'trust-wildcard-sub' })]);
  });
});

describe("the article's recipe", () => {
  const findings = verify(readRepository(SEED_FIXTURE));
  const byRule = (rule: RuleId) => findings.filter((f) => f.rule === rule);

  it.each<[RuleId, string]>([
    ['credentials-in-build-context', 'credentials.json is written into the workspace, the build context'],
    ['credentials-not-dockerignored', '.dockerignore does not exclude it (there is none)'],
    ['secret-path-mismatch', 'the script reads /run/secrets/credentials.json, the mount is /run/secrets/credentials'],
    ['secret-not-required', 'the mount is not required=true'],
    ['action-not-pinned', 'actions at tags'],
    ['action-outdated', '@v1 and @v3'],
    ['base-image-end-of-life', 'node:18-alpine'],
    ['aws-sdk-v2', 'AWS SDK v2'],
    ['oidc-trust-missing', 'no OIDC trust policy for github-oidc-role'],
    ['credentials-not-removed', 'the credentials file is never removed'],
    ['credentials-not-masked', 'its values are not masked'],
  ])('reports %s (%s)', (rule) => {
    expect(byRule(rule).length).toBeGreaterThan(0);
  });

  it('at the lines where the defects are', () => {
    expect(byRule('secret-path-mismatch')).toEqual([expect.objectContaining({ file: 'index.js', line: 4 })]);
    expect(byRule('credentials-in-build-context')).toEqual([expect.objectContaining({ file: '.github/workflows/build.yml', line: 25 })]);
    expect(byRule('secret-not-required')).toEqual([expect.objectContaining({ file: 'Dockerfile', line: 7 })]);
    expect(byRule('base-image-end-of-life')).toEqual([expect.objectContaining({ file: 'Dockerfile', line: 1 })]);
    expect(byRule('action-not-pinned').map((f) => f.line)).toEqual([13, 20, 28]);
  });

  it('does not report what the article gets right', () => {
    // The secret ids agree (credentials / credentials), no ${{ }} in run:, no credential ARG/ENV.
    for (const rule of ['secret-id-mismatch', 'expression-in-run', 'credential-in-arg', 'credential-in-env', 'credential-in-build-arg', 'chained-session-too-long'] as RuleId[]) {
      expect(byRule(rule)).toEqual([]);
    }
  });
});

describe('readers', () => {
  it('Dockerfile: continuations, comments inside them, heredocs, flags, ARG/ENV names', () => {
    const instructions = parseDockerfile([
      '# syntax=docker/dockerfile:1',
      'FROM node:26-slim AS build',
      'RUN --mount=type=secret,id=a,required \\',
      '    # a comment inside the instruction',
      '    echo one',
      'RUN <<EOF',
      'echo two',
      'EOF',
      'ENV A=1 B="x y"',
      'ENV LEGACY value with spaces',
      'ARG TOKEN_FILE API_KEY=1',
    ].join('\n'));
    expect(instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ['FROM', 2, 2], ['RUN', 3, 5], ['RUN', 6, 8], ['ENV', 9, 9], ['ENV', 10, 10], ['ARG', 11, 11],
    ]);
    expect(instructions[1]!.flags).toEqual([{ name: 'mount', value: 'type=secret,id=a,required' }]);
    expect(mountOptions(instructions[1]!.flags[0]!.value)).toEqual({ type: 'secret', id: 'a', required: 'true' });
    expect(definedNames(instructions[3]!)).toEqual(['A', 'B']);
    expect(definedNames(instructions[4]!)).toEqual(['LEGACY']);
    expect(definedNames(instructions[5]!)).toEqual(['TOKEN_FILE', 'API_KEY']);
  });

  it('Dockerfile: the same instructions, lines and flags as dockerfile-ast', () => {
    for (const text of [generated().get('Dockerfile')!, readRepository(SEED_FIXTURE).get('Dockerfile')!]) {
      const reference = DockerfileParser.parse(text).getInstructions();
      const ours = parseDockerfile(text);
      expect(ours.map((i) => [i.keyword, i.line])).toEqual(reference.map((i) => [i.getKeyword(), i.getRange().start.line + 1]));
      expect(ours.map((i) => i.flags.map((f) => `${f.name}=${f.value}`))).toEqual(
        reference.map((i) => ('getFlags' in i ? (i as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().map((f) => `${f.getName()}=${f.getValue() ?? ''}`) : [])),
      );
    }
  });

  it('credentials written with tee are found too', () => {
    const files = edit(generated(), WORKFLOW_PATH, '"$access_key_id" "$secret_access_key" "$session_token" > "$credentials_file"', '"$access_key_id" "$secret_access_key" "$session_token" | tee creds.ini >/dev/null');
    expect(rules(verify(files)).sort()).toEqual(['credentials-in-build-context', 'credentials-not-dockerignored', 'credentials-not-removed']);
  });

  it('a comment that names a secret path is not a reader', () => {
    const files = edit(generated(), 'Dockerfile', 'FROM build AS upload\n', 'FROM build AS upload\n# the secret is also known as /run/secrets/old-name\n');
    expect(verify(files)).toEqual([]);
    expect(rules(verify(edit(files, 'src/upload.ts', /^/, "const legacy = '/run/secrets/old-name';\n")))).toEqual(['secret-path-mismatch']);
  });

  it('.dockerignore: Docker matching rules', () => {
    const patterns = '**/*credentials*.ini\nsecrets/\n*.json\n!keep.json\n';
    expect(isDockerignored(patterns, 'upload-credentials.ini')).toBe(true);
    expect(isDockerignored(patterns, 'a/b/upload-credentials.ini')).toBe(true);
    expect(isDockerignored(patterns, 'secrets/x')).toBe(true);
    expect(isDockerignored(patterns, 'credentials.json')).toBe(true);
    expect(isDockerignored(patterns, 'sub/credentials.json')).toBe(false); // `*` stays in the root
    expect(isDockerignored(patterns, 'keep.json')).toBe(false);
    expect(isDockerignored(patterns, 'upload.ini')).toBe(false);
  });
});
