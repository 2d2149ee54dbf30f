/**
 * A generated repo, end to end on one machine: moto server stands in for AWS (STS, IAM, S3, with
 * IAM enforcement on), podman builds the generated Dockerfile with a real secret mount, and the
 * workflow's own `run:` scripts run with bash as written. See README, "How we know it works".
 */
import { spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_ID } from '../../src/core/constants';
import { STEP_IDS, assumeUploadRoleScript, REMOVE_CREDENTIALS_SCRIPT } from '../../src/render/workflow';
import { Moto, RunResult, credentialsIni, isolatedEnv, run, startMoto } from '../support/moto';
import { testRegistry } from '../support/local-registry';
import { assertBuilt, runCli } from '../support/run-cli';
import { requireTool } from '../support/tools';
import { Credentials, assumeRoleWithWebIdentity, awsAs, awsEnv, awsJsonAs } from './support/aws';
import { importBaseImage } from './support/base-image';
import { Finding, scanDirectory, scanImage } from './support/leak-scan';
import { podmanBuild, removeImages, requirePodman, tagImage } from './support/podman';
import { step } from './support/steps';
import {
  ExpressionTable,
  Workflow,
  buildPushToPodman,
  markOutputsMissing,
  readWorkflow,
  resolveExpressions,
  runScriptStep,
} from './support/workflow-steps';

interface Scenario {
  label: string;
  /**
   * How the repo is made: `npm create keyless-build@latest` from the local registry, exactly as
   * the README tells a user (a projen repo, installed and synthesized), or the CLI of this
   * checkout with --no-projen.
   */
  create: 'npm create' | 'cli --no-projen';
  args: string[];
  account: string;
  region: string;
  partition: string;
  /** What the scenario is about, checked against the generated files before anything runs. */
  prefix: string;
  subjects: string[];
  /** Role B's and the bucket's account, when it is not `account`. */
  uploadAccount?: string;
  /** Role A exists already and belongs to another team: this test creates it as they would. */
  existingRoleA?: { arn: string; path: string };
}

const SCENARIOS: Scenario[] = [
  {
    label: '(a) the seed parameters',
    create: 'npm create',
    args: ['--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'my-bucket'],
    account: '111111111111',
    region: 'ap-northeast-1',
    partition: 'aws',
    prefix: '',
    subjects: ['repo:acme/my-app:ref:refs/heads/main'],
  },
  {
    label: '(b) a prefix and a trust restricted to an environment',
    create: 'cli --no-projen',
    args: ['--account', '222222222222', '--region', 'eu-west-1', '--repo', 'acme/site', '--bucket', 'acme-site-assets', '--prefix', 'site/v1', '--environments', 'production'],
    account: '222222222222',
    region: 'eu-west-1',
    partition: 'aws',
    prefix: 'site/v1/',
    subjects: ['repo:acme/site:environment:production'],
  },
  {
    label: '(c) the AWS GovCloud (US) partition',
    create: 'cli --no-projen',
    args: ['--account', '333333333333', '--region', 'us-gov-west-1', '--repo', 'acme/gov-app', '--bucket', 'gov-app-bucket', '--prefix', 'releases'],
    account: '333333333333',
    region: 'us-gov-west-1',
    partition: 'aws-us-gov',
    prefix: 'releases/',
    subjects: ['repo:acme/gov-app:ref:refs/heads/main'],
  },
  {
    label: "(d) role A exists already and belongs to another team",
    create: 'cli --no-projen',
    args: ['--account', '444444444444', '--region', 'us-east-1', '--repo', 'acme/platform-app', '--bucket', 'platform-app-assets', '--prefix', 'site', '--oidc-role-arn', 'arn:aws:iam::444444444444:role/platform/platform-ci'],
    account: '444444444444',
    region: 'us-east-1',
    partition: 'aws',
    prefix: 'site/',
    subjects: ['repo:acme/platform-app:ref:refs/heads/main'],
    existingRoleA: { arn: 'arn:aws:iam::444444444444:role/platform/platform-ci', path: '/platform/' },
  },
  {
    label: '(e) role B and the bucket in another account',
    create: 'cli --no-projen',
    args: ['--account', '555555555555', '--upload-account', '666666666666', '--region', 'eu-central-1', '--repo', 'acme/cross-app', '--bucket', 'cross-app-assets', '--create-bucket'],
    account: '555555555555',
    uploadAccount: '666666666666',
    region: 'eu-central-1',
    partition: 'aws',
    prefix: '',
    subjects: ['repo:acme/cross-app:ref:refs/heads/main'],
  },
];

/** The actor of every run: a bot, whose name holds characters a source identity may not. */
const ACTOR = 'dependabot[bot]';
/** What the workflow's script makes of it and the run id 7001. */
const SOURCE_IDENTITY = 'github-7001-dependabot_bot_';

const IAM_DIR = 'iam';
const OIDC_ROLE_FILES = { trust: 'oidc-role-trust-policy.json', permissions: ['oidc-role-permission-policy.json', 'oidc-role-ecr-push-policy.json'] };
/** With an existing role A: its owners add the hand-over statement; the ECR push policy is what it must already allow. */
const EXISTING_ROLE_A_FILES = { permissions: ['for-oidc-role-owners.json', 'oidc-role-ecr-push-policy.json'] };
const UPLOAD_ROLE_FILES = { trust: 'upload-role-trust-policy.json', permissions: ['upload-role-permission-policy.json'] };
/** What the upload script sets for the sample's files (see its content-type table). */
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8' };

type PolicyDocument = { Statement: { Principal?: { AWS?: unknown; Federated?: unknown }; Condition?: Record<string, Record<string, unknown>> }[] };

function output(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => lstatSync(join(dir, name)).isFile())
    .sort();
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** S3 requests in moto's log since `from`, e.g. `"PUT /bucket/key`. */
function s3Puts(moto: Moto, from: number, bucket: string): string[] {
  return moto.log().slice(from).split('\n').filter((line) => line.includes(`"PUT /${bucket}/`));
}

/**
 * moto gap: an inline policy created by CloudFormation is kept as a Python dict and returned as
 * its Python repr (single quotes), not JSON. Python itself reads it back, literally.
 */
async function policyDocumentFromMoto(document: unknown): Promise<unknown> {
  if (typeof document !== 'string') return document;
  if (document.trimStart().startsWith('{"')) return JSON.parse(document);
  const converted = await new Promise<RunResult>((resolve, reject) => {
    const child = spawn('python3', ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(document);
  });
  if (converted.code !== 0) throw new Error(`cannot read moto's policy document ${document}\n${converted.stderr}`);
  return JSON.parse(converted.stdout);
}

function expectDenied(result: RunResult, what: string): void {
  expect(result.code, `${what} must be denied\n${output(result)}`).not.toBe(0);
  expect(result.stderr, what).toMatch(/AccessDenied/);
}

beforeAll(() => {
  assertBuilt();
  requirePodman();
  requireTool('aws', "pip install awscli (./scripts/install-test-tools.sh)");
  requireTool('tar', 'apt-get install tar');
});

describe.each(SCENARIOS)('generated repo $label', (scenario) => {
  const runId = String(process.pid);
  const tag = (name: string) => `localhost/keyless-build-e2e-${name}:${runId}-${scenario.account}`;
  const images = { base: tag('node'), app: tag('app'), uploadStage: tag('upload-stage'), leakControl: tag('leak-control'), failed: tag('failed') };

  let work: string;
  let repo: string;
  let runnerTemp: string;
  let moto: Moto;
  let workflow: Workflow;
  let table: ExpressionTable;
  let oidcRoleArn: string;
  let uploadRoleArn: string;
  let bucket: string;
  let prefix: string;
  let roleA: Required<Credentials>;
  let roleB: Required<Credentials>;
  let credentialsFile: string;
  let baseImageName: string | undefined;
  /** moto's setup key: its calls land in `scenario.account` (MOTO_ACCOUNT_ID), or a session of that account when there are two. */
  let admin: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  /** Setup credentials in role B's account: moto keeps accounts apart by access key. */
  let uploadAdmin: Credentials = admin;
  const uploadAccount = scenario.uploadAccount ?? scenario.account;
  const roleAFiles = scenario.existingRoleA ? EXISTING_ROLE_A_FILES : OIDC_ROLE_FILES;
  /** A directory with an `aws` that records its arguments and runs the real CLI. */
  let awsRecorder: { dir: string; log: string };

  const withAuthOff = async <T>(action: () => Promise<T>): Promise<T> => {
    await moto.setAuth(false);
    try {
      return await action();
    } finally {
      await moto.setAuth(true);
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keyless-build-e2e-'));
    repo = join(work, 'repo');
    runnerTemp = join(work, 'runner-temp');
    mkdirSync(runnerTemp);

    if (scenario.create === 'npm create') {
      // From the local registry the suite published this repo's packages to (npm_config_registry).
      await step(`${scenario.label}: npm create keyless-build@latest repo -- ... (projen), as the README tells`, async () => {
        const created = await run('npm', ['create', 'keyless-build@latest', 'repo', '--', ...scenario.args, '--no-git'], {
          cwd: work,
          env: isolatedEnv({ npm_config_yes: 'true' }),
          timeoutMs: 600_000,
        });
        if (created.code !== 0) throw new Error(`npm create keyless-build@latest failed\n${output(created)}`);
        expect(created.stdout).toContain('projen-managed');
      });
      await step(`${scenario.label}: npm install && npx projen && npm run build in the created repo`, async () => {
        for (const [command, args] of [['npm', ['install', '--no-audit', '--no-fund']], ['npx', ['projen']], ['npm', ['run', 'build']]] as const) {
          const result = await run(command, args, { cwd: repo, env: isolatedEnv({ CI: '' }), timeoutMs: 600_000 });
          if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed\n${output(result)}`);
        }
        expect(existsSync(join(repo, '.projenrc.ts'))).toBe(true);
        expect(existsSync(join(repo, 'dist', 'upload.js'))).toBe(true);
      });
    } else {
      await step(`${scenario.label}: create the repo with the CLI`, () => {
        const created = runCli(['repo', ...scenario.args, '--no-projen', '--no-install', '--no-git'], { cwd: work });
        if (created.code !== 0) throw new Error(`create-keyless-build failed\n${created.stderr}`);
      });
      // What `npm install` after creating does: the lock file the Dockerfile's `npm ci` needs.
      await step(`${scenario.label}: npm install --package-lock-only`, async () => {
        const locked = await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
          cwd: repo,
          env: isolatedEnv(),
          timeoutMs: 240_000,
        });
        if (locked.code !== 0) throw new Error(`npm install --package-lock-only failed\n${output(locked)}`);
      });
    }

    workflow = readWorkflow(join(repo, '.github/workflows/keyless-build.yml'));
    const configureStep = workflow.byAction('aws-actions/configure-aws-credentials');
    oidcRoleArn = String(configureStep.with?.['role-to-assume']);
    uploadRoleArn = String(workflow.byId(STEP_IDS.uploadRole).env?.UPLOAD_ROLE_ARN);
    const buildArgs = new Map(
      String(workflow.byId(STEP_IDS.build).with?.['build-args'])
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    bucket = buildArgs.get('S3_BUCKET') ?? '';
    const rawPrefix = (buildArgs.get('S3_PREFIX') ?? '').replace(/^\/+|\/+$/g, '');
    prefix = rawPrefix ? `${rawPrefix}/` : '';
    expect(prefix).toBe(scenario.prefix);
    expect(oidcRoleArn.startsWith(`arn:${scenario.partition}:iam::${scenario.account}:role/`), oidcRoleArn).toBe(true);

    // The values a GitHub runner would supply. ECR is not emulated: its login step is not run,
    // and its output only names the image tag, which podman does not push.
    table = new Map([
      ['github.run_id', '7001'],
      ['github.run_attempt', '1'],
      ['github.actor', ACTOR],
      ['github.sha', 'e2e0000000000000000000000000000000000000'],
      ['steps.ecr.outputs.registry', `${scenario.account}.dkr.ecr.${scenario.region}.amazonaws.com`],
    ]);

    await step(`${scenario.label}: start moto`, async () => {
      // MOTO_ACCOUNT_ID: moto's own calls (create-role, ...) land in the generated account.
      if (scenario.uploadAccount) {
        // MOTO_ACCOUNT_ID would pin every request to one account. Without it moto keeps accounts
        // apart by access key: the setup of each account runs in a session of that account.
        moto = await startMoto();
        admin = await setupSessionIn(moto, scenario.account);
        uploadAdmin = await setupSessionIn(moto, scenario.uploadAccount);
      } else {
        moto = await startMoto({ env: { MOTO_ACCOUNT_ID: scenario.account } });
      }
    });
    awsRecorder = { dir: join(work, 'aws-recorder'), log: join(work, 'aws-recorder', 'calls.log') };
    mkdirSync(awsRecorder.dir);
    const realAws = (await run('sh', ['-c', 'command -v aws'])).stdout.trim();
    writeFileSync(join(awsRecorder.dir, 'aws'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${awsRecorder.log}'\nexec '${realAws}' "$@"\n`);
    chmodSync(join(awsRecorder.dir, 'aws'), 0o755);
    await step(`${scenario.label}: import the local Node base image`, async () => {
      const from = /^FROM (node:(\d+)-slim) AS build$/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
      if (!from) throw new Error('the Dockerfile has no `FROM node:<major>-slim AS build`');
      // In the image, as `podman build --env` does not reach RUN steps: AWS_ENDPOINT_URL, and the
      // local registry the test suite published this repo's packages to (npm ci takes them from it).
      await importBaseImage(Number(from[2]), images.base, { AWS_ENDPOINT_URL: moto.endpoint, NPM_CONFIG_REGISTRY: testRegistry() });
      // The Dockerfile names node:<major>-slim: the local stand-in takes that name (podman resolves
      // the short name to docker.io/library/... and never pulls with --pull=never).
      baseImageName = `docker.io/library/${from[1]}`;
      await tagImage(images.base, baseImageName);
    });
  }, 600_000);

  afterAll(async () => {
    await removeImages([...Object.values(images), ...(baseImageName ? [baseImageName] : [])]);
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('1. creates the OIDC provider, both roles and the bucket in moto from the generated IAM files', async () => {
    await step(`${scenario.label}: 1 IAM and S3 from the generated files`, async () => {
      const iam = (args: string[], as = admin) => awsJsonAs(moto, as, scenario.region, ['iam', ...args]);
      const uploadTrust = readJson<PolicyDocument>(join(repo, IAM_DIR, UPLOAD_ROLE_FILES.trust));
      const issuerHost = 'token.actions.githubusercontent.com';
      const oidcTrustFile = scenario.existingRoleA ? join(work, 'platform-role-a-trust.json') : join(repo, IAM_DIR, OIDC_ROLE_FILES.trust);
      if (scenario.existingRoleA) {
        // Role A is the platform team's: this repo holds no trust for it. The test writes the one
        // its owners would, for the sub claims the generated README asks them to accept.
        expect(existsSync(join(repo, IAM_DIR, OIDC_ROLE_FILES.trust))).toBe(false);
        const readme = readFileSync(join(repo, 'README.md'), 'utf8');
        for (const subject of scenario.subjects) expect(readme).toContain(`\`${subject}\``);
        writeFileSync(oidcTrustFile, JSON.stringify({
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow',
            Principal: { Federated: `arn:${scenario.partition}:iam::${scenario.account}:oidc-provider/${issuerHost}` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${issuerHost}:aud`]: 'sts.amazonaws.com', [`${issuerHost}:sub`]: scenario.subjects } },
          }],
        }));
      }
      const oidcTrust = readJson<PolicyDocument>(oidcTrustFile);
      const federated = String(oidcTrust.Statement[0]?.Principal?.Federated);
      const audience = String(oidcTrust.Statement[0]?.Condition?.StringEquals?.[`${issuerHost}:aud`]);

      const provider = await iam([
        'create-open-id-connect-provider',
        '--url',
        `https://${federated.split('oidc-provider/')[1]}`,
        '--client-id-list',
        audience,
        '--thumbprint-list',
        'a'.repeat(40),
      ]);
      expect(provider.OpenIDConnectProviderArn).toBe(federated);

      const oidcRoleName = oidcRoleArn.split('/').pop()!;
      const uploadRoleName = uploadRoleArn.split('/').pop()!;
      const path = scenario.existingRoleA ? ['--path', scenario.existingRoleA.path] : [];
      const createdA = await iam(['create-role', '--role-name', oidcRoleName, ...path, '--assume-role-policy-document', `file://${oidcTrustFile}`]);
      expect((createdA.Role as { Arn: string }).Arn).toBe(oidcRoleArn);
      for (const file of roleAFiles.permissions) {
        await iam(['put-role-policy', '--role-name', oidcRoleName, '--policy-name', file.replace('.json', ''), '--policy-document', `file://${join(repo, IAM_DIR, file)}`]);
      }

      // moto gap: it compares a trust policy's AWS principal with the caller's ARN as plain
      // strings, and the caller is role A's *session* (arn:...:sts::...:assumed-role/A/session),
      // which never equals the role ARN the generated policy names. moto's copy of role B's trust
      // therefore names that one session instead: narrower than the generated policy, not wider.
      // (With role B in another account, moto does not read role B's trust at all: it looks the
      // role up in the caller's account, finds none, and decides on role A's own policy alone.)
      const roleASession = `arn:${scenario.partition}:sts::${scenario.account}:assumed-role/${oidcRoleName}/${sessionName()}`;
      expect(uploadTrust.Statement).toHaveLength(1);
      expect(uploadTrust.Statement[0]!.Principal).toEqual({ AWS: oidcRoleArn });
      const motoUploadTrust = { ...uploadTrust, Statement: [{ ...uploadTrust.Statement[0], Principal: { AWS: roleASession } }] };
      const motoTrustFile = join(work, 'moto-upload-role-trust.json');
      writeFileSync(motoTrustFile, JSON.stringify(motoUploadTrust));
      const createdB = await iam(['create-role', '--role-name', uploadRoleName, '--assume-role-policy-document', `file://${motoTrustFile}`], uploadAdmin);
      expect((createdB.Role as { Arn: string }).Arn).toBe(uploadRoleArn);
      expect(uploadRoleArn.split(':')[4]).toBe(uploadAccount);
      for (const file of UPLOAD_ROLE_FILES.permissions) {
        await iam(['put-role-policy', '--role-name', uploadRoleName, '--policy-name', file.replace('.json', ''), '--policy-document', `file://${join(repo, IAM_DIR, file)}`], uploadAdmin);
      }

      await createBucketAs(uploadAdmin, bucket);
      await createBucketAs(uploadAdmin, `${bucket}-other`);
      // From here on moto checks signatures, session tokens and IAM permissions on every request.
      await moto.setAuth(true);
    });
  }, 60_000);

  /** A session in `account`: moto assumes any role ARN, in any account, and files its keys there. */
  async function setupSessionIn(server: Moto, account: string): Promise<Credentials> {
    const setupKey = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const assumed = await awsJsonAs<{ Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }>(server, setupKey, scenario.region, [
      'sts', 'assume-role', '--role-arn', `arn:${scenario.partition}:iam::${account}:role/e2e-setup`, '--role-session-name', 'e2e-setup',
    ]);
    const session = { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken };
    const identity = await awsJsonAs<{ Account: string }>(server, session, scenario.region, ['sts', 'get-caller-identity']);
    expect(identity.Account).toBe(account);
    return session;
  }

  /** Creates a bucket with the given setup credentials (their account owns it). */
  async function createBucketAs(credentials: Credentials, name: string): Promise<void> {
    const configuration = scenario.region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${scenario.region}`];
    await awsJsonAs(moto, credentials, scenario.region, ['s3api', 'create-bucket', '--bucket', name, ...configuration]);
  }

  it('1. deploys the generated CloudFormation templates into moto, each in its account; their roles carry exactly the generated JSON', async () => {
    await step(`${scenario.label}: 1 CloudFormation stacks`, async () => {
      // A moto of its own: the stack's roles have the same names, and moto stores CloudFormation
      // inline policies as objects, which break its IAM checks (they expect JSON text).
      const cfnMoto = await startMoto(scenario.uploadAccount ? {} : { env: { MOTO_ACCOUNT_ID: scenario.account } });
      try {
        type Template = { Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties: Record<string, unknown> }> };
        const setupKey: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
        const mainCredentials = scenario.uploadAccount ? await setupSessionIn(cfnMoto, scenario.account) : setupKey;
        const uploadCredentials = scenario.uploadAccount ? await setupSessionIn(cfnMoto, scenario.uploadAccount) : setupKey;
        // One template per account, role A's first (role B's trust names role A).
        const deployments = [
          { path: 'cloudformation/keyless-build.yaml', stackName: 'keyless-build-e2e', credentials: mainCredentials },
          { path: 'cloudformation/keyless-build-upload.yaml', stackName: 'keyless-build-e2e-upload', credentials: uploadCredentials },
        ].filter((deployment) => existsSync(join(repo, deployment.path)));
        expect(deployments.map((d) => d.path)).toEqual(
          scenario.uploadAccount ? ['cloudformation/keyless-build.yaml', 'cloudformation/keyless-build-upload.yaml'] : ['cloudformation/keyless-build.yaml'],
        );
        const outputs: Record<string, string> = {};
        const templates: Template[] = [];
        for (const deployment of deployments) {
          const template = parse(readFileSync(join(repo, deployment.path), 'utf8')) as Template;
          templates.push(template);
          // moto gap: no AWS::IAM::OIDCProvider resource type. The provider is left out here (the
          // roles name it by ARN only); everything else is deployed as generated.
          const providers = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::OIDCProvider');
          expect(providers.length).toBeLessThanOrEqual(1);
          for (const [name] of providers) {
            delete template.Resources[name];
            for (const resource of Object.values(template.Resources)) {
              const dependsOn = [resource.DependsOn ?? []].flat().filter((dependency) => dependency !== name);
              if (dependsOn.length > 0) resource.DependsOn = dependsOn;
              else delete resource.DependsOn;
            }
          }
          // JSON, which CloudFormation also takes: re-serialised YAML would leave 2012-10-17
          // unquoted, and moto's YAML 1.1 parser would read it as a date.
          const templateFile = join(work, `${deployment.stackName}-for-moto.json`);
          writeFileSync(templateFile, JSON.stringify(template, null, 2));
          const cfn = (args: string[]) => awsJsonAs(cfnMoto, deployment.credentials, scenario.region, args);
          await cfn(['cloudformation', 'create-stack', '--stack-name', deployment.stackName, '--template-body', `file://${templateFile}`, '--capabilities', 'CAPABILITY_NAMED_IAM']);
          const described = await cfn(['cloudformation', 'describe-stacks', '--stack-name', deployment.stackName]);
          const stack = (described.Stacks as { StackStatus: string; Outputs?: { OutputKey: string; OutputValue: string }[] }[])[0]!;
          expect(stack.StackStatus).toBe('CREATE_COMPLETE');
          for (const output of stack.Outputs ?? []) outputs[output.OutputKey] = output.OutputValue;
        }
        // An existing role A is its owners': no template of this repo creates it.
        expect(outputs).toEqual(scenario.existingRoleA ? { UploadRoleArn: uploadRoleArn } : { OidcRoleArn: oidcRoleArn, UploadRoleArn: uploadRoleArn });

        const compareRole = async (roleArn: string, files: typeof UPLOAD_ROLE_FILES, credentials: Credentials) => {
          const cfn = (args: string[]) => awsJsonAs(cfnMoto, credentials, scenario.region, args);
          const roleName = roleArn.split('/').pop()!;
          const [got, listed] = await Promise.all([
            cfn(['iam', 'get-role', '--role-name', roleName]),
            cfn(['iam', 'list-role-policies', '--role-name', roleName]),
          ]);
          const role = got.Role as { Arn: string; AssumeRolePolicyDocument: unknown; MaxSessionDuration: number };
          expect(role.Arn).toBe(roleArn);
          expect(role.AssumeRolePolicyDocument, `${roleName} trust`).toEqual(readJson(join(repo, IAM_DIR, files.trust)));
          const resource = templates.flatMap((t) => Object.values(t.Resources)).find((candidate) => candidate.Properties.RoleName === roleName);
          expect(role.MaxSessionDuration).toBe(resource?.Properties.MaxSessionDuration);
          const documents = await Promise.all(
            (listed.PolicyNames as string[]).map(async (policyName) =>
              policyDocumentFromMoto((await cfn(['iam', 'get-role-policy', '--role-name', roleName, '--policy-name', policyName])).PolicyDocument),
            ),
          );
          const expected = files.permissions.map((file) => readJson(join(repo, IAM_DIR, file)));
          const key = (document: unknown) => JSON.stringify(document);
          expect(documents.map(key).sort(), `${roleName} inline policies`).toEqual(expected.map(key).sort());
        };
        await Promise.all([
          ...(scenario.existingRoleA ? [] : [compareRole(oidcRoleArn, OIDC_ROLE_FILES, mainCredentials)]),
          compareRole(uploadRoleArn, UPLOAD_ROLE_FILES, uploadCredentials),
        ]);
      } finally {
        await cfnMoto.stop();
      }
    });
  }, 120_000);

  function sessionName(): string {
    const configureStep = workflow.byAction('aws-actions/configure-aws-credentials');
    return resolveExpressions(String(configureStep.with?.['role-session-name']), table, 'role-session-name');
  }

  it('2. GitHub OIDC -> role A: AssumeRoleWithWebIdentity with the workflow step\'s inputs', async () => {
    await step(`${scenario.label}: 2 OIDC -> role A`, async () => {
      const configureStep = workflow.byAction('aws-actions/configure-aws-credentials');
      const inputs = configureStep.with ?? {};
      expect(inputs['aws-region']).toBe(scenario.region);
      // An existing role A's trust is the one step 1 wrote for its owners; otherwise the generated one.
      const trust = readJson<PolicyDocument>(scenario.existingRoleA ? join(work, 'platform-role-a-trust.json') : join(repo, IAM_DIR, OIDC_ROLE_FILES.trust));
      const claims = trust.Statement[0]?.Condition?.StringEquals ?? {};
      const subjects = [claims['token.actions.githubusercontent.com:sub']].flat();
      expect(subjects).toEqual(scenario.subjects);
      if (scenario.existingRoleA) expect(inputs['role-to-assume']).toBe(scenario.existingRoleA.arn);
      // moto does not verify the token, nor evaluate role A's trust conditions: its signature,
      // issuer, aud and sub are not checked by this suite (the IAM policy simulator tests decide what
      // the trust conditions admit). It is shaped like GitHub's anyway.
      const token = [
        base64url({ alg: 'RS256', typ: 'JWT' }),
        base64url({ iss: 'https://token.actions.githubusercontent.com', aud: inputs.audience, sub: subjects[0] }),
        'not-a-signature',
      ].join('.');
      // moto gap: AssumeRoleWithWebIdentity is an unsigned call, which moto rejects while its IAM
      // checks are on; they are off for this one request.
      roleA = await withAuthOff(() =>
        assumeRoleWithWebIdentity(moto, scenario.region, {
          roleArn: resolveExpressions(String(inputs['role-to-assume']), table, 'role-to-assume'),
          sessionName: sessionName(),
          token,
        }),
      );
      const identity = await awsJsonAs<{ Arn: string; Account: string }>(moto, roleA, scenario.region, ['sts', 'get-caller-identity']);
      expect(identity.Arn).toBe(`arn:${scenario.partition}:sts::${scenario.account}:assumed-role/${oidcRoleArn.split('/').pop()}/${sessionName()}`);
      expect(identity.Account).toBe(String(inputs['allowed-account-ids']));
    });
  }, 60_000);

  it('3. role A -> role B: the workflow\'s own script writes a 0600 credentials file under $RUNNER_TEMP, with the run as source identity', async () => {
    await step(`${scenario.label}: 3 assume role B (workflow script)`, async () => {
      const uploadStep = workflow.byId(STEP_IDS.uploadRole);
      expect(uploadStep.run).toBe(assumeUploadRoleScript(true));
      // The runner's PATH, with a recording `aws` in front: the call the script makes is checked below.
      const env: Record<string, string> = { ...awsEnv(moto, roleA, scenario.region), RUNNER_TEMP: runnerTemp };
      const { result, outputs } = await runScriptStep(uploadStep, { ...env, PATH: `${awsRecorder.dir}:${env.PATH}` }, table);
      expect(result.code, output(result)).toBe(0);

      // Option 7: the source identity sent is the run id and the actor, with the actor's [ and ] replaced.
      const calls = readFileSync(awsRecorder.log, 'utf8').trim().split('\n');
      expect(calls).toEqual([expect.stringContaining(`sts assume-role --role-arn ${uploadRoleArn} `)]);
      expect(calls[0]).toContain(` --source-identity ${SOURCE_IDENTITY} `);
      expect(result.stdout).toContain(`source identity ${SOURCE_IDENTITY}`);

      credentialsFile = outputs['credentials-file'] ?? '';
      expect(credentialsFile.startsWith(`${runnerTemp}/`), credentialsFile).toBe(true);
      expect(relative(repo, credentialsFile).startsWith('..'), 'outside the build context').toBe(true);
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(credentialsFile, '..')).mode & 0o777).toBe(0o700);

      const ini = Object.fromEntries(
        readFileSync(credentialsFile, 'utf8')
          .split('\n')
          .filter((line) => line.includes(' = '))
          .map((line) => line.split(' = ') as [string, string]),
      );
      roleB = { accessKeyId: ini.aws_access_key_id!, secretAccessKey: ini.aws_secret_access_key!, sessionToken: ini.aws_session_token! };
      for (const value of Object.values(roleB)) {
        expect(value).toBeTruthy();
        expect(result.stdout).toContain(`::add-mask::${value}\n`);
      }
      const identity = await awsJsonAs<{ Arn: string }>(moto, roleB, scenario.region, ['sts', 'get-caller-identity']);
      const session = resolveExpressions(String(uploadStep.env?.SESSION_NAME), table, 'SESSION_NAME');
      // Role B's session is in role B's account: another account than role A's in scenario (e).
      expect(identity.Arn).toBe(`arn:${scenario.partition}:sts::${uploadAccount}:assumed-role/${uploadRoleArn.split('/').pop()}/${session}`);
    });
  }, 60_000);

  it('4-5. podman builds the generated Dockerfile with the workflow\'s secret and build args; the upload lands under the prefix', async () => {
    const logStart = moto.log().length;
    await step(`${scenario.label}: 4 podman build with the secret mount`, async () => {
      const inputs = buildPushToPodman(workflow.byId(STEP_IDS.build), table);
      expect(inputs.secrets).toEqual([`id=${SECRET_ID},src=${credentialsFile}`]);
      const built = await podmanBuild({
        context: join(repo, inputs.context),
        dockerfile: join(repo, inputs.context, 'Dockerfile'),
        tag: images.app,
        buildArgs: inputs.buildArgs,
        secrets: inputs.secrets,
      });
      expect(built.code, output(built)).toBe(0);
      expect(built.stdout + built.stderr).toMatch(/uploading \d+ files/);
      // The SDK's default chain found the keys in the shared credentials file, i.e. the mounted secret.
      expect(built.stdout + built.stderr).toMatch(/credentials: the AWS SDK's default chain \(.*CREDENTIALS_PROFILE/);
    });
    await step(`${scenario.label}: 5 objects in the bucket`, async () => {
      // Each PUT was made with role B's session while moto's IAM checks were on.
      expect(s3Puts(moto, logStart, bucket).length).toBeGreaterThan(0);
      const uploadDir = /^ARG UPLOAD_DIR=(.+)$/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1] ?? '';
      const files = filesBelow(join(repo, uploadDir));
      expect(files.length).toBeGreaterThan(0);
      await withAuthOff(async () => {
        const listing = await awsJsonAs<{ Contents?: { Key: string }[] }>(moto, uploadAdmin, scenario.region, ['s3api', 'list-objects-v2', '--bucket', bucket]);
        expect((listing.Contents ?? []).map((object) => object.Key).sort()).toEqual(files.map((file) => `${prefix}${file}`).sort());
        for (const file of files) {
          const downloaded = join(work, 'download');
          const meta = await awsJsonAs<{ ContentType: string }>(moto, uploadAdmin, scenario.region, ['s3api', 'get-object', '--bucket', bucket, '--key', `${prefix}${file}`, downloaded]);
          expect(readFileSync(downloaded).equals(readFileSync(join(repo, uploadDir, file))), `bytes of ${file}`).toBe(true);
          const contentType = CONTENT_TYPES[extname(file)];
          if (!contentType) throw new Error(`no expected content type for ${file}: add its extension to CONTENT_TYPES`);
          expect(meta.ContentType, file).toBe(contentType);
        }
      });
    });
  }, 600_000);

  it('6. least privilege, enforced by moto: role B can only put below the prefix; role A cannot put at all', async () => {
    await step(`${scenario.label}: 6 least privilege`, async () => {
      const probe = join(work, 'probe.txt');
      writeFileSync(probe, 'probe\n');
      const s3 = (credentials: Credentials, args: string[]) => awsAs(moto, credentials, scenario.region, ['s3api', ...args]);
      const existing = `${prefix}index.html`;

      // Positive control: the same session may put below the prefix, so the denials below are
      // the policy's, not broken credentials.
      const allowed = await s3(roleB, ['put-object', '--bucket', bucket, '--key', `${prefix}e2e-probe.txt`, '--body', probe]);
      expect(allowed.code, output(allowed)).toBe(0);

      const denials: [string, Credentials, string[]][] = [
        ['role B GetObject', roleB, ['get-object', '--bucket', bucket, '--key', existing, join(work, 'denied-download')]],
        ['role B DeleteObject', roleB, ['delete-object', '--bucket', bucket, '--key', existing]],
        ['role B ListBucket', roleB, ['list-objects-v2', '--bucket', bucket]],
        ['role B put to another bucket', roleB, ['put-object', '--bucket', `${bucket}-other`, '--key', `${prefix}x.txt`, '--body', probe]],
        ['role A PutObject', roleA, ['put-object', '--bucket', bucket, '--key', `${prefix}from-role-a.txt`, '--body', probe]],
      ];
      if (prefix) {
        denials.push(['role B put outside the prefix', roleB, ['put-object', '--bucket', bucket, '--key', 'outside-the-prefix.txt', '--body', probe]]);
      }
      const results = await Promise.all(denials.map(([, credentials, args]) => s3(credentials, args)));
      results.forEach((result, index) => expectDenied(result, denials[index]![0]));
    });
  }, 120_000);

  it('7. no credential value in any layer, config or history entry of the image, nor in the build context', async () => {
    const secrets = { accessKeyId: roleB.accessKeyId, secretAccessKey: roleB.secretAccessKey, sessionToken: roleB.sessionToken };
    await step(`${scenario.label}: 7 leak scan of the built image and the context`, async () => {
      const scan = await scanImage(images.app, join(work, 'scan-app'), secrets);
      expect(scan.layers).toBeGreaterThan(0);
      expect(scan.historyEntries).toBeGreaterThan(0);
      expect(scan.files).toBeGreaterThan(100);
      expect(scan.findings).toEqual([]);
      expect(scanDirectory(repo, secrets)).toEqual([]);
      // The runtime stage holds the upload's manifest: proof the upload ran inside this build.
      const manifests = scan.layerDirs.map((dir) => join(dir, 'app/upload-manifest.json')).filter((file) => existsSync(file));
      expect(manifests).toHaveLength(1);
      const manifest = readJson<{ bucket: string; objects: { key: string }[] }>(manifests[0]!);
      expect(manifest.bucket).toBe(bucket);
      expect(manifest.objects.length).toBeGreaterThan(0);
      for (const object of manifest.objects) expect(object.key.startsWith(prefix)).toBe(true);
    });
    if (scenario === SCENARIOS[0]) {
      // The final image holds only the runtime stage; the upload stage's own layers (what a
      // `--target upload` build or an exported layer cache would hold) are clean too.
      await step(`${scenario.label}: 7 leak scan of the upload stage`, async () => {
        const inputs = buildPushToPodman(workflow.byId(STEP_IDS.build), table);
        const built = await podmanBuild({
          context: join(repo, inputs.context),
          dockerfile: join(repo, inputs.context, 'Dockerfile'),
          tag: images.uploadStage,
          target: 'upload',
          buildArgs: inputs.buildArgs,
          secrets: inputs.secrets,
        });
        expect(built.code, output(built)).toBe(0);
        const scan = await scanImage(images.uploadStage, join(work, 'scan-upload-stage'), secrets);
        expect(scan.findings).toEqual([]);
        // The secret-mounted RUN ran in this image: its manifest is there, the mount point is empty.
        const top = scan.layerDirs.filter((dir) => existsSync(join(dir, 'app/upload-manifest.json')));
        expect(top.length).toBeGreaterThan(0);
        for (const dir of scan.layerDirs) {
          const mount = join(dir, 'run/secrets', SECRET_ID);
          if (existsSync(mount)) expect(statSync(mount).size, mount).toBe(0);
        }
      });
    }
    await step(`${scenario.label}: 7 negative control: credentials as --build-arg are found`, async () => {
      const dir = join(work, 'leak-control');
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'Dockerfile'),
        ['ARG NODE_IMAGE', 'FROM ${NODE_IMAGE}', 'ARG AWS_ACCESS_KEY_ID', 'ARG AWS_SECRET_ACCESS_KEY', 'ARG AWS_SESSION_TOKEN', 'RUN test -n "$AWS_SESSION_TOKEN"', ''].join('\n'),
      );
      const built = await podmanBuild({
        context: dir,
        dockerfile: join(dir, 'Dockerfile'),
        tag: images.leakControl,
        buildArgs: [
          `NODE_IMAGE=${images.base}`,
          `AWS_ACCESS_KEY_ID=${secrets.accessKeyId}`,
          `AWS_SECRET_ACCESS_KEY=${secrets.secretAccessKey}`,
          `AWS_SESSION_TOKEN=${secrets.sessionToken}`,
        ],
      });
      expect(built.code, output(built)).toBe(0);
      const scan = await scanImage(images.leakControl, join(work, 'scan-control'), secrets);
      const found = new Set(scan.findings.map((finding: Finding) => finding.secret));
      expect([...found].sort()).toEqual(Object.keys(secrets).sort());
    });
  }, 600_000);

  it('8. failure is loud: no role B session stops the build at the secret mount; bad credentials fail the upload', async () => {
    const buildStep = workflow.byId(STEP_IDS.build);
    const oidcRoleName = oidcRoleArn.split('/').pop()!;
    const permissionFile = roleAFiles.permissions[0]!;

    await step(`${scenario.label}: 8 assume-role step fails without role A's permission`, async () => {
      // moto lets anyone assume a role that does not exist, so "role B missing" cannot fail
      // here; role A without its permission to assume role B fails the same step the same way.
      const policyName = permissionFile.replace('.json', '');
      await withAuthOff(() => awsJsonAs(moto, admin, scenario.region, ['iam', 'delete-role-policy', '--role-name', oidcRoleName, '--policy-name', policyName]));
      const failedTemp = join(work, 'runner-temp-failed');
      mkdirSync(failedTemp);
      const failedTable: ExpressionTable = new Map(table);
      failedTable.delete(`steps.${STEP_IDS.uploadRole}.outputs.credentials-file`);
      try {
        const { result, outputs } = await runScriptStep(workflow.byId(STEP_IDS.uploadRole), { ...awsEnv(moto, roleA, scenario.region), RUNNER_TEMP: failedTemp }, failedTable);
        expect(result.code, output(result)).not.toBe(0);
        expect(result.stderr).toMatch(/AccessDenied/);
        expect(outputs).toEqual({});
        expect(readdirSync(failedTemp)).toEqual([]);
      } finally {
        await withAuthOff(() =>
          awsJsonAs(moto, admin, scenario.region, ['iam', 'put-role-policy', '--role-name', oidcRoleName, '--policy-name', policyName, '--policy-document', `file://${join(repo, IAM_DIR, permissionFile)}`]),
        );
      }
      // On GitHub the build step then does not run (it has no `if:`), and its secret input
      // resolves to no file at all.
      expect(buildStep.if).toBeUndefined();
      markOutputsMissing(failedTable, STEP_IDS.uploadRole, ['credentials-file']);
      expect(() => buildPushToPodman(buildStep, failedTable)).toThrow(/names no file/);
    });

    const inputs = buildPushToPodman(buildStep, table);
    const build = (secrets: string[]) =>
      podmanBuild({
        context: join(repo, inputs.context),
        dockerfile: join(repo, inputs.context, 'Dockerfile'),
        tag: images.failed,
        target: 'upload',
        buildArgs: inputs.buildArgs,
        secrets,
      });

    await step(`${scenario.label}: 8 build without the secret stops at the mount`, async () => {
      const logStart = moto.log().length;
      const built = await build([]);
      expect(built.code, output(built)).not.toBe(0);
      // buildah's words for a `required=true` secret mount without the secret.
      expect(built.stderr).toContain(`secret required but no secret with id ${SECRET_ID} found`);
      expect(built.stdout + built.stderr).not.toMatch(/uploading \d+ files/);
      expect(s3Puts(moto, logStart, bucket)).toEqual([]);
    });

    if (scenario === SCENARIOS[0]) {
      await step(`${scenario.label}: 8 negative control: without required=true the build runs on without the secret`, async () => {
        const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
        const withoutRequired = dockerfile.replace(`id=${SECRET_ID},target=/run/secrets/${SECRET_ID},required=true`, `id=${SECRET_ID},target=/run/secrets/${SECRET_ID}`);
        expect(withoutRequired).not.toBe(dockerfile);
        const file = join(work, 'Dockerfile.not-required');
        writeFileSync(file, withoutRequired);
        const built = await podmanBuild({
          context: join(repo, inputs.context),
          dockerfile: file,
          tag: images.failed,
          target: 'upload',
          buildArgs: inputs.buildArgs,
        });
        expect(built.code, output(built)).not.toBe(0);
        expect(built.stderr).not.toContain('secret required');
        // The upload script ran, found no credentials file, and said so.
        expect(built.stdout + built.stderr).toContain(`AWS_SHARED_CREDENTIALS_FILE=/run/secrets/${SECRET_ID} does not exist`);
      });
    }

    const badCredentials: [string, Credentials, RegExp][] = [
      ['an unknown access key', { accessKeyId: 'AKIAKEYLESSE2E00BAD1', secretAccessKey: 'keyless-e2e-not-a-secret' }, /InvalidAccessKeyId/],
      ["role B's key with a wrong secret", { ...roleB, secretAccessKey: `${roleB.secretAccessKey.slice(0, -4)}XXXX` }, /SignatureDoesNotMatch/],
    ];
    for (const [what, credentials, error] of badCredentials) {
      await step(`${scenario.label}: 8 upload with ${what} exits non-zero`, async () => {
        const file = join(runnerTemp, 'bad-credentials.ini');
        writeFileSync(file, credentialsIni(credentials), { mode: 0o600 });
        const built = await build([`id=${SECRET_ID},src=${file}`]);
        const log = built.stdout + built.stderr;
        expect(built.code, output(built)).not.toBe(0);
        expect(log).toMatch(error);
        expect(log).toContain('The upload credentials were rejected');
        expect(log).toMatch(/no manifest was written/);
        rmSync(file);
      });
    }
  }, 900_000);

  it('9. the workflow\'s if: always() step, run as written, removes the credentials file', async () => {
    await step(`${scenario.label}: 9 cleanup step`, async () => {
      const cleanup = workflow.byCondition('always()');
      expect(cleanup.run).toBe(REMOVE_CREDENTIALS_SCRIPT);
      expect(existsSync(credentialsFile)).toBe(true);
      const { result } = await runScriptStep(cleanup, { ...isolatedEnv(), RUNNER_TEMP: runnerTemp }, table);
      expect(result.code, output(result)).toBe(0);
      expect(existsSync(credentialsFile)).toBe(false);
      expect(existsSync(join(credentialsFile, '..'))).toBe(false);
    });
  }, 60_000);
});
