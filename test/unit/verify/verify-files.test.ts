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
import { outboundCommand } from '../../../src/verify/upload-cache';
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
    // A cache import without the filter that keeps the upload stage out of it.
    ['upload-from-cache', () => edit(clean(), WORKFLOW_PATH, /\n\s*no-cache-filters:.*/, ''), 1],
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

describe('upload-from-cache: a build that imports a layer cache runs the upload anyway', () => {
  const clean = () => generated();
  const only = (findings: readonly Finding[]) => findings.filter((f) => f.rule === 'upload-from-cache');
  const lineOf = (files: ReadonlyMap<string, string>, path: string, finding: Finding) => files.get(path)!.split('\n')[finding.line - 1]!;
  const withoutFilter = () => edit(clean(), WORKFLOW_PATH, /\n\s*no-cache-filters:.*/, '');
  const filters = (value: string) => edit(clean(), WORKFLOW_PATH, /no-cache-filters: upload.*/, value);

  it('cache-from without no-cache-filters: one finding at cache-from, naming the step, the stage and the RUN line, the fix naming the stage', () => {
    const files = withoutFilter();
    const findings = verify(files);
    expect(rules(findings)).toEqual(['upload-from-cache']);
    const [finding] = findings;
    expect(finding!.file).toBe(WORKFLOW_PATH);
    expect(lineOf(files, WORKFLOW_PATH, finding!)).toMatch(/^\s*cache-from: type=gha/);
    const runLine = files.get('Dockerfile')!.split('\n').findIndex((line) => line.startsWith('RUN --mount=type=secret')) + 1;
    expect(finding!.message).toContain('the step "Build (uploads to S3) and push" (job build)');
    expect(finding!.message).toContain('stage "upload"');
    expect(finding!.message).toContain(`Dockerfile:${runLine}`);
    expect(finding!.message).toContain('node dist/upload.js');
    expect(finding!.fix).toMatch(/^add no-cache-filters: upload to the step's with:/);
  });

  it('the generated workflow (no-cache-filters: upload) is clean', () => {
    expect(only(verify(clean()))).toEqual([]);
  });

  it('no-cache: true instead of the filter: nothing from the cache, no finding', () => {
    expect(verify(filters('no-cache: true'))).toEqual([]);
    // An expression may be false on the runs that matter.
    expect(rules(verify(filters("no-cache: ${{ github.event_name == 'schedule' }}")))).toEqual(['upload-from-cache']);
  });

  it('no cache import (cache-from removed): no finding, with or without the filter', () => {
    expect(verify(edit(withoutFilter(), WORKFLOW_PATH, /\n\s*cache-from:.*/, ''))).toEqual([]);
    expect(verify(edit(clean(), WORKFLOW_PATH, /\n\s*cache-from:.*/, ''))).toEqual([]);
  });

  it('filters naming another stage: reported at the filter, the fix keeps that stage and adds the upload stage', () => {
    // build is the stage upload is built FROM: a filter covers the named stage's own instructions only.
    const files = filters('no-cache-filters: build');
    const findings = verify(files);
    expect(rules(findings)).toEqual(['upload-from-cache']);
    expect(lineOf(files, WORKFLOW_PATH, findings[0]!)).toMatch(/^\s*no-cache-filters: build$/);
    expect(findings[0]!.message).toContain('no-cache-filters names build, not this stage');
    expect(findings[0]!.fix).toMatch(/^add no-cache-filters: build,upload /);
  });

  it.each([
    ['a list, one per line', 'no-cache-filters: |\n            build\n            upload'],
    ['comma-separated', 'no-cache-filters: build, upload'],
    ['in another case (BuildKit compares case-insensitively)', 'no-cache-filters: Upload'],
    ['quoted', 'no-cache-filters: "upload"'],
    ['known only at run time', 'no-cache-filters: ${{ vars.NO_CACHE_STAGES }}'],
  ])('filters read as build-push-action reads them: %s', (_how, value) => {
    expect(verify(filters(value))).toEqual([]);
  });

  it('a target that does not build the upload stage: no finding (control: the default target, runtime, needs upload)', () => {
    expect(verify(edit(withoutFilter(), WORKFLOW_PATH, 'context: .', 'context: .\n          target: build'))).toEqual([]);
    expect(rules(verify(edit(withoutFilter(), WORKFLOW_PATH, 'context: .', 'context: .\n          target: upload')))).toEqual(['upload-from-cache']);
  });

  it('a step that passes no secret builds no secret RUN: no finding', () => {
    expect(only(verify(edit(withoutFilter(), WORKFLOW_PATH, /\n\s*secret-files:.*/, '')))).toEqual([]);
  });

  describe('hand-made repositories', () => {
    const BUILD = `${ACTIONS.buildPush.repository}@${ACTIONS.buildPush.sha} # ${ACTIONS.buildPush.version}`;
    const workflow = (steps: string) => `on: push\npermissions:\n  contents: read\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
    const action = (extra = '') => `      - name: Build\n        uses: ${BUILD}\n        with:\n          context: .\n          secrets: creds=\${{ secrets.CREDS }}\n          cache-from: type=gha${extra}\n`;
    const run = (flags: string) => `      - name: Build\n        run: |\n          docker buildx build \\\n            --secret id=creds,env=CREDS \\\n            ${flags} \\\n            -t app .\n`;
    const repo = (steps: string, dockerfile: string, extra: Record<string, string> = {}) => new Map(Object.entries({ '.github/workflows/ci.yml': workflow(steps), 'Dockerfile': dockerfile, ...extra }));
    const unnamed = 'FROM node:24-slim\nRUN --mount=type=secret,id=creds,required=true node upload.js\n';

    it('the secret RUN in an unnamed stage: the fix names the stage with AS first', () => {
      // A filter that names no stage was meant for this one: the fix gives the stage that name.
      const files = repo(action('\n          no-cache-filters: publish-site'), unnamed);
      const [finding, ...more] = only(verify(files));
      expect(more).toEqual([]);
      expect(finding!.message).toContain('the unnamed stage 0 (Dockerfile:1)');
      expect(finding!.fix).toContain('Dockerfile:1: FROM node:24-slim AS publish-site');
      expect(finding!.fix).toContain("the step's filter already names publish-site");
      // Without a filter, the fix names the stage and adds the filter.
      expect(only(verify(repo(action(), unnamed)))[0]!.fix).toMatch(/^name the stage \(Dockerfile:1: FROM node:24-slim AS upload; .*\), then add no-cache-filters: upload to the step's with:/);
      // Control: once named, the same filter covers it.
      expect(only(verify(repo(action('\n          no-cache-filters: publish-site'), unnamed.replace('FROM node:24-slim', 'FROM node:24-slim AS publish-site'))))).toEqual([]);
    });

    it('the filter names the stage the RUN is built FROM, not the RUN\'s own stage', () => {
      const dockerfile = 'FROM node:24-slim AS upload\nRUN npm ci\nFROM upload AS publish\nRUN --mount=type=secret,id=creds,required=true npm publish\n';
      const [finding] = only(verify(repo(action('\n          no-cache-filters: upload'), dockerfile)));
      expect(finding!.message).toContain('stage "publish"');
      expect(finding!.fix).toContain('no-cache-filters: upload,publish');
    });

    it('a secret RUN that only fetches (npm ci with a registry token) is what the cache is for: not reported; npm publish is', () => {
      const fetches = 'FROM node:24-slim AS deps\nRUN --mount=type=secret,id=creds,target=/root/.npmrc,required=true npm ci\n';
      expect(only(verify(repo(action(), fetches)))).toEqual([]);
      expect(rules(only(verify(repo(action(), fetches.replace('npm ci', 'npm ci && npm publish')))))).toEqual(['upload-from-cache']);
    });

    it('a RUN that mounts a secret the step does not pass: not reported', () => {
      expect(only(verify(repo(action(), unnamed.replace('id=creds', 'id=other'))))).toEqual([]);
    });

    it('the Dockerfile the step builds (file:), not another one', () => {
      const steps = action().replace('context: .', 'context: .\n          file: app/Dockerfile');
      expect(only(verify(repo(steps, unnamed, { 'app/Dockerfile': 'FROM node:24-slim\nRUN npm ci\n' })))).toEqual([]);
      expect(only(verify(repo(steps, 'FROM node:24-slim\nRUN npm ci\n', { 'app/Dockerfile': unnamed })))).toHaveLength(1);
    });

    describe('docker buildx build in run:', () => {
      it('--cache-from without --no-cache-filter: reported at --cache-from, the fix names the CLI flag', () => {
        const files = repo(run('--cache-from type=gha --cache-to type=gha,mode=max'), unnamed.replace('FROM node:24-slim', 'FROM node:24-slim AS upload'));
        const findings = only(verify(files));
        expect(findings).toHaveLength(1);
        expect(lineOf(files, '.github/workflows/ci.yml', findings[0]!)).toContain('--cache-from type=gha');
        expect(findings[0]!.fix).toMatch(/^add --no-cache-filter upload to its docker build command/);
      });
      it.each([
        ['--no-cache-filter upload', '--cache-from type=gha --no-cache-filter upload'],
        ['--no-cache-filter=upload', '--cache-from=type=gha --no-cache-filter=upload'],
        ['--no-cache-filter build,upload', '--cache-from type=gha --no-cache-filter build,upload'],
        ['--no-cache', '--cache-from type=gha --no-cache'],
        ['no --cache-from', '--cache-to type=gha,mode=max'],
      ])('%s: not reported', (_name, flags) => {
        expect(only(verify(repo(run(flags), unnamed.replace('FROM node:24-slim', 'FROM node:24-slim AS upload'))))).toEqual([]);
      });
      it('--no-cache-filter naming another stage, and docker build: reported', () => {
        expect(only(verify(repo(run('--cache-from type=gha --no-cache-filter build'), unnamed.replace('FROM node:24-slim', 'FROM node:24-slim AS upload'))))).toHaveLength(1);
        const classic = run('--cache-from type=registry,ref=ghcr.io/acme/app:cache').replace('docker buildx build', 'docker build');
        expect(only(verify(repo(classic, unnamed)))).toHaveLength(1);
      });
    });
  });

  it.each<[string, boolean]>([
    ['node dist/upload.js', true],
    ['AWS_SHARED_CREDENTIALS_FILE=/run/secrets/x node dist/upload.js', true],
    ['./scripts/deploy-site.sh', true],
    ['npm run publish:assets', true],
    ['aws s3 sync public "s3://$BUCKET/$PREFIX" --delete', true],
    ['aws --region eu-west-1 s3 cp index.html s3://bucket/', true],
    ['aws cloudfront create-invalidation --distribution-id X --paths "/*"', true],
    ['curl -fsS -T dist.tgz https://example.com/upload', true],
    ['curl -sS -X POST https://api.example.com/deploys', true],
    ['rclone sync ./public remote:bucket', true],
    ['git push origin HEAD', true],
    ['npm ci', false],
    ['pip install -r requirements.txt', false],
    ['git clone https://github.com/acme/private.git', false],
    ['aws s3 cp s3://bucket/model.bin /app/model.bin', false],
    ['aws codeartifact login --tool npm --repository r --domain d', false],
    ['curl -fsSL https://example.com/tool.tgz | tar xz', false],
    ['cargo build --release', false],
  ])('sends something out: %s -> %s', (script, expected) => {
    expect(outboundCommand(script) !== undefined).toBe(expected);
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
