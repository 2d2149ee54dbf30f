/**
 * A generated repo, end to end on one machine: its workflow file, unmodified, run by a GitHub
 * Actions runner emulator (act), whose build step drives a real BuildKit behind a Docker daemon
 * and pushes to a local registry; moto server stands in for AWS (STS, IAM, S3, with IAM
 * enforcement on) and a local token endpoint for GitHub's OIDC. See README, "How we know it works".
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/core/actions';
import { RUNNER_TEMP_DIR, SECRET_ID, UPLOAD_STAGE, WORKFLOW_PATH } from '../../src/core/constants';
import { STEP_IDS } from '../../src/render/workflow';
import { Moto, RunResult, isolatedEnv, mustRun, run, startMoto } from '../support/moto';
import { assertBuilt, runCli } from '../support/run-cli';
import { requireTool } from '../support/tools';
import { ActRun, commitAsPushed, jobEnvironment, requireAct, runAct, stepResults } from './support/act';
import { npmCiCached } from './support/build-log';
import { actionFolders, realActions, realActionsDir } from './support/actions';
import { Credentials, awsAs, awsJsonAs } from './support/aws';
import { importBaseImage, pushDockerfileFrontend } from './support/base-image';
import { Engines, emptyBuilder, requireEngines, startEngines } from './support/engines';
import { scanText, scanTree } from './support/leak-scan';
import { pullImage } from './support/registry-image';
import { step } from './support/steps';
import { TokenIssuer, startTokenIssuer } from './support/token-issuer';

interface Scenario {
  label: string;
  /**
   * How the repo is made: `npm create keyless-build@latest` from the local registry, exactly as
   * the README tells a user (a projen repo, installed and synthesized), or the CLI of this
   * checkout with --no-projen.
   */
  create: 'npm create' | 'cli --no-projen';
  args: string[];
  repository: string;
  account: string;
  region: string;
  partition: string;
  /** What the scenario is about, checked against the generated files before anything runs. */
  prefix: string;
  subjects: string[];
  /** The run: a push to main, or a workflow_dispatch choosing this environment. */
  dispatchEnvironment?: string;
  /** Role B's and the bucket's account, when it is not `account`. */
  uploadAccount?: string;
  /** Role A exists already and belongs to another team: this test creates it as they would. */
  existingRoleA?: { arn: string; path: string };
  /** Only the first scenario also runs the cache, leak-control and failure variants. */
  variants?: true;
}

const SCENARIOS: Scenario[] = [
  {
    label: '(a) the seed parameters',
    create: 'npm create',
    args: ['--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/my-app', '--bucket', 'my-bucket'],
    repository: 'acme/my-app',
    account: '111111111111',
    region: 'ap-northeast-1',
    partition: 'aws',
    prefix: '',
    subjects: ['repo:acme/my-app:ref:refs/heads/main'],
    variants: true,
  },
  {
    label: '(b) a prefix and a trust restricted to an environment',
    create: 'cli --no-projen',
    args: ['--account', '222222222222', '--region', 'eu-west-1', '--repo', 'acme/site', '--bucket', 'acme-site-assets', '--prefix', 'site/v1', '--environments', 'production'],
    repository: 'acme/site',
    account: '222222222222',
    region: 'eu-west-1',
    partition: 'aws',
    prefix: 'site/v1/',
    subjects: ['repo:acme/site:environment:production'],
    dispatchEnvironment: 'production',
  },
  {
    label: '(c) the AWS GovCloud (US) partition',
    create: 'cli --no-projen',
    args: ['--account', '333333333333', '--region', 'us-gov-west-1', '--repo', 'acme/gov-app', '--bucket', 'gov-app-bucket', '--prefix', 'releases'],
    repository: 'acme/gov-app',
    account: '333333333333',
    region: 'us-gov-west-1',
    partition: 'aws-us-gov',
    prefix: 'releases/',
    subjects: ['repo:acme/gov-app:ref:refs/heads/main'],
  },
  {
    label: '(d) role A exists already and belongs to another team',
    create: 'cli --no-projen',
    args: ['--account', '444444444444', '--region', 'us-east-1', '--repo', 'acme/platform-app', '--bucket', 'platform-app-assets', '--prefix', 'site', '--oidc-role-arn', 'arn:aws:iam::444444444444:role/platform/platform-ci'],
    repository: 'acme/platform-app',
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
    repository: 'acme/cross-app',
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
const RUN_ID = '7001';
/** What the workflow's script makes of the run id and the actor. */
const SOURCE_IDENTITY = `github-${RUN_ID}-dependabot_bot_`;
/** A step the suite appends in one variant, after the workflow's cleanup step. */
const CLEANUP_PROBE = 'e2e probe: the credentials folder is gone';

const IAM_DIR = 'iam';
const OIDC_ROLE_FILES = { trust: 'oidc-role-trust-policy.json', permissions: ['oidc-role-permission-policy.json', 'oidc-role-ecr-push-policy.json'] };
/** With an existing role A: its owners add the hand-over statement; the ECR push policy is what it must already allow. */
const EXISTING_ROLE_A_FILES = { permissions: ['for-oidc-role-owners.json', 'oidc-role-ecr-push-policy.json'] };
const UPLOAD_ROLE_FILES = { trust: 'upload-role-trust-policy.json', permissions: ['upload-role-permission-policy.json'] };
/** What the uploader sets for the sample's files (see its content-type table). */
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8' };

interface WorkflowStep {
  name: string;
  id?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

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

/** S3 PUTs in moto's log since `from`, e.g. `"PUT /bucket/key`. */
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

let engines: Engines;
let issuer: TokenIssuer;
let suiteWork: string;

beforeAll(async () => {
  assertBuilt();
  requireEngines();
  requireAct();
  requireTool('aws', 'pip install awscli (./scripts/install-test-tools.sh)');
  requireTool('tar', 'apt-get install tar');
  suiteWork = mkdtempSync(join(tmpdir(), 'keyless-build-e2e-engines-'));
  await step('start dockerd, buildkitd and the image registry', async () => {
    engines = await startEngines(suiteWork);
  });
  await step('the Dockerfile frontend (docker/dockerfile:1) into the registry that mirrors docker.io', () => pushDockerfileFrontend(engines, suiteWork));
  issuer = await startTokenIssuer();
}, 300_000);

afterAll(async () => {
  await issuer?.stop();
  await step('stop the engines; nothing of theirs is left', async () => {
    await engines?.stop();
    if (suiteWork) {
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(suiteWork));
      expect(mounts, 'mounts left below the suite folder').toEqual([]);
      const processes = (await run('ps', ['-eo', 'args='])).stdout.split('\n').filter((line) => line.includes(suiteWork));
      expect(processes, 'processes left').toEqual([]);
      rmSync(suiteWork, { recursive: true, force: true });
    }
  });
}, 300_000);

describe.each(SCENARIOS)('generated repo $label', (scenario) => {
  let work: string;
  let repo: string;
  let moto: Moto;
  let workflowText: string;
  let oidcRoleArn: string;
  let uploadRoleArn: string;
  let bucket: string;
  let prefix: string;
  let imageRepository: string;
  let sha: string;
  let roleB: Required<Credentials>;
  let mainRun: ActRun;
  /** The folders act runs for the pinned actions (see support/actions.ts). */
  let actions: Record<string, string>;
  /** The generated workflow's steps, parsed once. */
  let steps: WorkflowStep[];
  /** moto's setup key: its calls land in `scenario.account` (MOTO_ACCOUNT_ID), or a session of that account when there are two. */
  let admin: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  /** Setup credentials in role B's account: moto keeps accounts apart by access key. */
  let uploadAdmin: Credentials = admin;
  const uploadAccount = scenario.uploadAccount ?? scenario.account;
  const roleAFiles = scenario.existingRoleA ? EXISTING_ROLE_A_FILES : OIDC_ROLE_FILES;
  /** A directory with an `aws` that records its arguments and role B's session, and runs the real CLI. */
  let awsRecorder: { dir: string; calls: string; session: string };

  const withAuthOff = async <T>(action: () => Promise<T>): Promise<T> => {
    await moto.setAuth(false);
    try {
      return await action();
    } finally {
      await moto.setAuth(true);
    }
  };

  /** Runs a workflow of the repo with act, as a push to main or a dispatch choosing the environment. */
  const act = (workflow: string, extraEnv: Record<string, string> = {}): Promise<ActRun> =>
    runAct({
      repo,
      workflow,
      event: scenario.dispatchEnvironment ? 'workflow_dispatch' : 'push',
      payload: scenario.dispatchEnvironment ? { ref: 'refs/heads/main', inputs: { environment: scenario.dispatchEnvironment } } : { ref: 'refs/heads/main' },
      actor: ACTOR,
      runId: RUN_ID,
      actions,
      stateDir: join(work, 'act'),
      env: jobEnvironment({ engines, motoEndpoint: moto.endpoint, issuer, pathBefore: awsRecorder.dir, extra: extraEnv }),
    });

  /** A copy of the generated workflow with one change, for a test-only variant run. */
  const variant = (name: string, change: (text: string) => string): string => {
    const changed = change(workflowText);
    expect(changed, `variant ${name} changes nothing`).not.toBe(workflowText);
    const file = `.github/workflows/e2e-${name}.yml`;
    writeFileSync(join(repo, file), changed);
    return file;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keyless-build-e2e-'));
    repo = join(work, 'repo');

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
          await mustRun(command, [...args], { cwd: repo, env: isolatedEnv({ CI: '' }) });
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
      await step(`${scenario.label}: npm install --package-lock-only`, () =>
        mustRun('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repo, env: isolatedEnv() }),
      );
    }
    sha = await commitAsPushed(repo, scenario.repository);

    workflowText = readFileSync(join(repo, WORKFLOW_PATH), 'utf8');
    steps = (parse(workflowText) as { jobs: { build: { steps: WorkflowStep[] } } }).jobs.build.steps;
    actions = actionFolders(work);
    oidcRoleArn = String(steps.find((s) => s.uses?.startsWith(`${ACTIONS.configureAwsCredentials.repository}@`))?.with?.['role-to-assume']);
    uploadRoleArn = String(steps.find((s) => s.id === STEP_IDS.uploadRole)?.env?.UPLOAD_ROLE_ARN);
    const buildInputs = steps.find((s) => s.id === STEP_IDS.build)?.with ?? {};
    const buildArgs = new Map(
      String(buildInputs['build-args'])
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    bucket = buildArgs.get('S3_BUCKET') ?? '';
    const rawPrefix = (buildArgs.get('S3_PREFIX') ?? '').replace(/^\/+|\/+$/g, '');
    prefix = rawPrefix ? `${rawPrefix}/` : '';
    expect(prefix).toBe(scenario.prefix);
    expect(oidcRoleArn.startsWith(`arn:${scenario.partition}:iam::${scenario.account}:role/`), oidcRoleArn).toBe(true);
    imageRepository = /\/([^/:]+):\$\{\{ github\.sha \}\}$/.exec(String(buildInputs.tags))?.[1] ?? '';
    expect(imageRepository).not.toBe('');

    await step(`${scenario.label}: start moto`, async () => {
      // moto-server.py: moto, with AWS's unsigned AssumeRoleWithWebIdentity, in the scenario's region.
      const script = join(__dirname, 'support', 'moto-server.py');
      const env = { KEYLESS_E2E_UNSIGNED_REGION: scenario.region };
      if (scenario.uploadAccount) {
        // MOTO_ACCOUNT_ID would pin every request to one account. Without it moto keeps accounts
        // apart by access key: the setup of each account runs in a session of that account.
        moto = await startMoto({ script, env });
        admin = await setupSessionIn(moto, scenario.account);
        uploadAdmin = await setupSessionIn(moto, scenario.uploadAccount);
      } else {
        moto = await startMoto({ script, env: { ...env, MOTO_ACCOUNT_ID: scenario.account } });
      }
    });
    const recorderDir = join(work, 'aws-recorder');
    awsRecorder = { dir: recorderDir, calls: join(recorderDir, 'calls.log'), session: join(recorderDir, 'role-b-session.txt') };
    mkdirSync(recorderDir);
    const realAws = (await run('sh', ['-c', 'command -v aws'])).stdout.trim();
    // Records each call; keeps what `sts assume-role` answered (role B's session: the values the
    // leak scans look for); with KEYLESS_E2E_CORRUPT_SECRET set, hands the script a wrong secret.
    writeFileSync(
      join(recorderDir, 'aws'),
      [
        '#!/bin/bash',
        `printf '%s\\n' "$*" >> '${awsRecorder.calls}'`,
        'if [ "$1 $2" = "sts assume-role" ]; then',
        `  answer=$('${realAws}' "$@") || exit $?`,
        `  printf '%s\\n' "$answer" > '${awsRecorder.session}'`,
        '  if [ -n "${KEYLESS_E2E_CORRUPT_SECRET:-}" ]; then',
        `    answer=$(printf '%s\\n' "$answer" | awk -F'\\t' 'BEGIN { OFS = "\\t" } { $2 = substr($2, 1, length($2) - 4) "XXXX"; print }')`,
        '  fi',
        `  printf '%s\\n' "$answer"`,
        '  exit 0',
        'fi',
        `exec '${realAws}' "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(join(recorderDir, 'aws'), 0o755);

    await step(`${scenario.label}: the local node base image, pushed to the registry that mirrors docker.io`, async () => {
      await importBaseImage(engines, readFileSync(join(repo, 'Dockerfile'), 'utf8'), moto.endpoint);
    });
  }, 900_000);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

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
      const subjects = [oidcTrust.Statement[0]?.Condition?.StringEquals?.[`${issuerHost}:sub`]].flat();
      expect(subjects).toEqual(scenario.subjects);

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
      const roleASession = `arn:${scenario.partition}:sts::${scenario.account}:assumed-role/${oidcRoleName}/keyless-build-${RUN_ID}`;
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

  it('2-5. act runs the generated workflow unmodified: OIDC -> role A -> role B, BuildKit builds with the secret, the upload lands, the image is pushed', async () => {
    const logStart = moto.log().length;
    issuer.setClaims({
      sub: scenario.subjects[0]!,
      repository: scenario.repository,
      ref: 'refs/heads/main',
      actor: ACTOR,
      runId: RUN_ID,
      sha,
      ...(scenario.dispatchEnvironment ? { environment: scenario.dispatchEnvironment } : {}),
    });
    const audiencesBefore = issuer.audiences.length;
    mainRun = await step(`${scenario.label}: 2-5 act ${scenario.dispatchEnvironment ? `workflow_dispatch (environment ${scenario.dispatchEnvironment})` : 'push'} ${WORKFLOW_PATH}`, () => act(WORKFLOW_PATH));
    process.stdout.write(`[e2e] ${scenario.label}: the workflow ran in ${mainRun.seconds.toFixed(1)} s\n`);
    expect(mainRun.code, mainRun.log).toBe(0);
    expect(mainRun.log).toContain('Job succeeded');

    // Every step of the job ran and succeeded, each action's post step too.
    const results = stepResults(mainRun.log);
    const ran = results.filter((r) => r.phase === 'Main').map((r) => r.step);
    expect(ran).toEqual(steps.map((s) => s.name));
    expect(results.filter((r) => r.result !== 'success'), mainRun.log).toEqual([]);

    // 2. The token was asked for with the workflow's audience; role A's session came from it.
    const configure = steps.find((s) => s.uses?.startsWith(`${ACTIONS.configureAwsCredentials.repository}@`));
    expect(issuer.audiences.slice(audiencesBefore)).toEqual([configure?.with?.audience]);

    // 3. The workflow's own script assumed role B with role A's session, with the run as source identity.
    const calls = readFileSync(awsRecorder.calls, 'utf8').trim().split('\n').filter((line) => line.startsWith('sts assume-role '));
    expect(calls).toEqual([expect.stringContaining(`sts assume-role --role-arn ${uploadRoleArn} `)]);
    expect(calls[0]).toContain(` --source-identity ${SOURCE_IDENTITY} `);
    expect(mainRun.log).toContain(`source identity ${SOURCE_IDENTITY}`);
    const [accessKeyId, secretAccessKey, sessionToken] = readFileSync(awsRecorder.session, 'utf8').trim().split('\t');
    roleB = { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken! };
    const identity = await awsJsonAs<{ Arn: string }>(moto, roleB, scenario.region, ['sts', 'get-caller-identity']);
    // Role B's session is in role B's account: another account than role A's in scenario (e).
    expect(identity.Arn).toBe(`arn:${scenario.partition}:sts::${uploadAccount}:assumed-role/${uploadRoleArn.split('/').pop()}/keyless-build-${RUN_ID}-1`);
    // The three values are masked in the job log.
    for (const value of Object.values(roleB)) expect(mainRun.log).not.toContain(value);
    expect(mainRun.log).toContain('***');

    // 4. BuildKit ran the upload with the secret: the SDK's default chain found the mounted file.
    expect(mainRun.log).toMatch(/uploading \d+ files/);
    expect(mainRun.log).toMatch(/credentials: the AWS SDK's default chain \(.*CREDENTIALS_PROFILE/);

    // 5. The objects, byte for byte with their content types; each PUT made with role B's session.
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

    // The image is in the registry under the workflow's tag; its runtime stage holds the upload's manifest.
    const image = await pullImage(engines.registry, imageRepository, sha, join(work, 'pulled'));
    const manifests = image.layerDirs.map((dir) => join(dir, 'app/upload-manifest.json')).filter((file) => existsSync(file));
    expect(manifests).toHaveLength(1);
    const manifest = readJson<{ bucket: string; objects: { key: string }[] }>(manifests[0]!);
    expect(manifest.bucket).toBe(bucket);
    expect(manifest.objects.map((object) => object.key).sort()).toEqual(files.map((file) => `${prefix}${file}`).sort());
  }, 900_000);

  it('6. least privilege, enforced by moto: role B can only put below the prefix; role A cannot put at all', async () => {
    await step(`${scenario.label}: 6 least privilege`, async () => {
      const probe = join(work, 'probe.txt');
      writeFileSync(probe, 'probe\n');
      const s3 = (credentials: Credentials, args: string[]) => awsAs(moto, credentials, scenario.region, ['s3api', ...args]);
      const existing = `${prefix}index.html`;
      // Role A's session, asked for as configure-aws-credentials does (unsigned, with a token).
      const assumedA = await awsJsonAs<{ Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }>(moto, { accessKeyId: 'unused', secretAccessKey: 'unused' }, scenario.region, [
        'sts', 'assume-role-with-web-identity', '--no-sign-request', '--role-arn', oidcRoleArn, '--role-session-name', `keyless-build-${RUN_ID}`, '--web-identity-token', 'e2e.not.checked',
      ]);
      const roleA = { accessKeyId: assumedA.Credentials.AccessKeyId, secretAccessKey: assumedA.Credentials.SecretAccessKey, sessionToken: assumedA.Credentials.SessionToken };

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

  it('7. no credential value in the registry, the BuildKit state, what act keeps or the job log', async () => {
    const secrets = { accessKeyId: roleB.accessKeyId, secretAccessKey: roleB.secretAccessKey, sessionToken: roleB.sessionToken };
    await step(`${scenario.label}: 7 leak scan of what the pipeline left behind`, async () => {
      const places = { registry: engines.registryStorage, buildkit: engines.buildkitRoot, act: join(work, 'act') };
      for (const [label, dir] of Object.entries(places)) {
        const scan = scanTree(dir, secrets, label);
        expect(scan.files, `${label}: files scanned`).toBeGreaterThan(0);
        expect(scan.findings, label).toEqual([]);
        if (label !== 'act') expect(scan.gzipMembers, `${label}: compressed layers unpacked`).toBeGreaterThan(0);
      }
      expect(scanText(mainRun.log, secrets, 'job log')).toEqual([]);
    });
    if (!scenario.variants) return;
    await step(`${scenario.label}: 7 negative control: the same scans find the values passed as build args`, async () => {
      const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
      writeFileSync(join(repo, 'Dockerfile.leak-control'), `${dockerfile}ARG AWS_ACCESS_KEY_ID\nARG AWS_SECRET_ACCESS_KEY\nARG AWS_SESSION_TOKEN\nRUN test -n "$AWS_SESSION_TOKEN"\n`);
      const workflow = variant('leak-control', (text) =>
        text
          .replace('          context: .\n', '          context: .\n          file: Dockerfile.leak-control\n')
          .replace(/( {12}S3_BUCKET=)/, `            AWS_ACCESS_KEY_ID=${secrets.accessKeyId}\n            AWS_SECRET_ACCESS_KEY=${secrets.secretAccessKey}\n            AWS_SESSION_TOKEN=${secrets.sessionToken}\n$1`),
      );
      const control = await act(workflow);
      expect(control.code, control.log).toBe(0);
      for (const [label, dir] of Object.entries({ registry: engines.registryStorage, buildkit: engines.buildkitRoot })) {
        const found = new Set(scanTree(dir, secrets, label).findings.map((finding) => finding.secret));
        expect([...found].sort(), label).toEqual(Object.keys(secrets).sort());
      }
      expect(scanText(control.log, secrets, 'job log').map((finding) => finding.secret).sort()).toEqual(Object.keys(secrets).sort());
    });
  }, 900_000);

  // The variants run for the first scenario only; the other scenarios do not register them.
  if (!scenario.variants) return;

  it('8. failure is loud: no role B stops the job before the build; a missing secret file stops the build at the mount; bad credentials fail the upload', async () => {
    const oidcRoleName = oidcRoleArn.split('/').pop()!;
    const permissionFile = roleAFiles.permissions[0]!;

    await step(`${scenario.label}: 8 role A without its permission to assume role B`, async () => {
      // moto lets anyone assume a role that does not exist, so "role B missing" cannot fail
      // here; role A without its permission to assume role B fails the same step the same way.
      const policyName = permissionFile.replace('.json', '');
      await withAuthOff(() => awsJsonAs(moto, admin, scenario.region, ['iam', 'delete-role-policy', '--role-name', oidcRoleName, '--policy-name', policyName]));
      const logStart = moto.log().length;
      try {
        const failed = await act(WORKFLOW_PATH);
        expect(failed.code, failed.log).not.toBe(0);
        expect(failed.log).toMatch(/AccessDenied/);
        const results = stepResults(failed.log).filter((r) => r.phase === 'Main');
        expect(results.find((r) => r.result === 'failure')?.step).toMatch(/^Assume .* for the build$/);
        // The build never started; the cleanup step still ran.
        expect(results.map((r) => r.step)).not.toContain('Build (uploads to S3) and push');
        expect(results.at(-1)).toEqual({ step: 'Remove the upload credentials', phase: 'Main', result: 'success' });
        expect(s3Puts(moto, logStart, bucket)).toEqual([]);
      } finally {
        await withAuthOff(() =>
          awsJsonAs(moto, admin, scenario.region, ['iam', 'put-role-policy', '--role-name', oidcRoleName, '--policy-name', policyName, '--policy-document', `file://${join(repo, IAM_DIR, permissionFile)}`]),
        );
      }
    });

    await step(`${scenario.label}: 8 a secret-files path that does not exist: build-push only warns, BuildKit stops at required=true`, async () => {
      const workflow = variant('missing-secret', (text) =>
        text.replace(`${SECRET_ID}=\${{ steps.${STEP_IDS.uploadRole}.outputs.credentials-file }}`, `${SECRET_ID}=\${{ runner.temp }}/keyless-build/no-such-file.ini`),
      );
      const logStart = moto.log().length;
      const failed = await act(workflow);
      expect(failed.code, failed.log).not.toBe(0);
      expect(failed.log).toMatch(/no-such-file\.ini/);
      expect(failed.log).toMatch(new RegExp(`secret ${SECRET_ID}`));
      expect(failed.log).not.toMatch(/uploading \d+ files/);
      expect(stepResults(failed.log).find((r) => r.result === 'failure')?.step).toBe('Build (uploads to S3) and push');
      expect(s3Puts(moto, logStart, bucket)).toEqual([]);
    });

    // act deletes the job's $RUNNER_TEMP when the job ends: a last step, added after the
    // generated ones, looks for the credentials folder while the job still runs.
    const withProbe = (text: string) =>
      `${text}      - name: ${JSON.stringify(CLEANUP_PROBE)}\n        if: always()\n        shell: bash\n        run: test ! -e "$RUNNER_TEMP/${RUNNER_TEMP_DIR}"\n`;
    await step(`${scenario.label}: 8 a wrong secret in role B's credentials fails the upload step and the job; the cleanup step still removes the credentials`, async () => {
      const logStart = moto.log().length;
      const failed = await act(variant('cleanup-probe', withProbe), { KEYLESS_E2E_CORRUPT_SECRET: '1' });
      expect(failed.code, failed.log).not.toBe(0);
      expect(stepResults(failed.log).filter((r) => r.phase === 'Main').slice(-2)).toEqual([
        { step: 'Remove the upload credentials', phase: 'Main', result: 'success' },
        { step: CLEANUP_PROBE, phase: 'Main', result: 'success' },
      ]);
      expect(failed.log).toMatch(/SignatureDoesNotMatch/);
      expect(failed.log).toContain('The upload credentials were rejected');
      expect(stepResults(failed.log).find((r) => r.result === 'failure')?.step).toBe('Build (uploads to S3) and push');
      // S3 refused what was sent: no PUT was answered 200.
      const puts = s3Puts(moto, logStart, bucket);
      expect(puts.length).toBeGreaterThan(0);
      expect(puts.filter((line) => / 200 /.test(line))).toEqual([]);
    });

    await step(`${scenario.label}: 8 negative control: without the cleanup step the probe finds the credentials`, async () => {
      const cleanup = workflowText.indexOf('      - name: Remove the upload credentials\n');
      expect(cleanup).toBeGreaterThan(0);
      const failed = await act(variant('no-cleanup', (text) => withProbe(text.slice(0, cleanup))), { KEYLESS_E2E_CORRUPT_SECRET: '1' });
      expect(stepResults(failed.log).filter((r) => r.phase === 'Main').at(-1)).toEqual({ step: CLEANUP_PROBE, phase: 'Main', result: 'failure' });
    });
  }, 1_800_000);

  it('5. a rebuild on a warm cache reuses the dependency install and still uploads', async () => {
    // Each GitHub-hosted job starts with a new builder: BuildKit's state is emptied before each run.
    const freshBuilder = () => emptyBuilder(engines);
    const uploadDir = join(repo, /^ARG UPLOAD_DIR=(.+)$/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1] ?? '');
    const files = filesBelow(uploadDir);
    const cold = await step(`${scenario.label}: 5 first run, empty cache`, async () => {
      rmSync(join(work, 'act', 'cache-server'), { recursive: true, force: true });
      await freshBuilder();
      return act(WORKFLOW_PATH);
    });
    expect(cold.code, cold.log).toBe(0);

    const warm = await step(`${scenario.label}: 5 second run, nothing changed, warm cache`, async () => {
      await freshBuilder();
      const logStart = moto.log().length;
      const result = await act(WORKFLOW_PATH);
      return { result, puts: s3Puts(moto, logStart, bucket) };
    });
    expect(warm.result.code, warm.result.log).toBe(0);
    expect(npmCiCached(warm.result.log)).toBe(true);
    expect(npmCiCached(cold.log)).toBe(false);
    // The upload ran again: one PUT per file, though nothing changed.
    expect(warm.puts).toHaveLength(files.length);
    const ratio = warm.result.seconds / cold.seconds;
    process.stdout.write(`[e2e] ${scenario.label}: cold run ${cold.seconds.toFixed(1)} s, warm run ${warm.result.seconds.toFixed(1)} s: ratio ${ratio.toFixed(2)} (one pair; npx projen bench:rebuild measures it)\n`);

    await step(`${scenario.label}: 5 third run, a changed file, warm cache`, async () => {
      const changed = join(uploadDir, files[0]!);
      writeFileSync(changed, `${readFileSync(changed, 'utf8')}\n<!-- changed by the e2e suite -->\n`);
      await freshBuilder();
      const changedRun = await act(WORKFLOW_PATH);
      expect(changedRun.code, changedRun.log).toBe(0);
      await withAuthOff(async () => {
        const downloaded = join(work, 'changed-download');
        await awsJsonAs(moto, uploadAdmin, scenario.region, ['s3api', 'get-object', '--bucket', bucket, '--key', `${prefix}${files[0]}`, downloaded]);
        expect(readFileSync(downloaded, 'utf8')).toContain('changed by the e2e suite');
      });
    });

    await step(`${scenario.label}: 5 negative control: without no-cache-filters the unchanged upload comes from the cache and does not run`, async () => {
      const workflow = variant('cached-upload', (text) => text.replace(new RegExp(`\\n +no-cache-filters: ${UPLOAD_STAGE}[^\\n]*`), ''));
      await freshBuilder();
      const first = await act(workflow);
      expect(first.code, first.log).toBe(0);
      await freshBuilder();
      const logStart = moto.log().length;
      const second = await act(workflow);
      expect(second.code, second.log).toBe(0);
      expect(s3Puts(moto, logStart, bucket)).toEqual([]);
      expect(second.log).not.toMatch(/uploading \d+ files/);
    });
  }, 2_400_000);
});

// Keeps the README's statement of which actions ran true: the stand-ins, or the real ones.
process.stdout.write(`[e2e] actions: ${realActions().length > 0 ? `the real releases ${realActions().join(', ')} from ${realActionsDir()}, stand-ins for the others` : 'the stand-ins in test/e2e/actions'}\n`);
