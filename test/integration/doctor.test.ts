/**
 * doctor against moto server (STS and IAM with authentication on), through the real binary,
 * with the parameters read from a generated repo. Errors moto cannot produce (expired tokens,
 * STS's chained-duration and TagSession refusals, a refused web identity) are checked on the
 * explanation mapping with the SDK's own exception class (test/unit/doctor/explain.test.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config';
import { WORKFLOW_PATH } from '../../src/core/constants';
import type { CheckResult } from '../../src/doctor/live-checks';
import { renderRepository } from '../../src/render/repository';
import { FAKE_CREDENTIALS, isolatedEnv, startMoto, type Moto } from '../support/moto';
import { KEYLESS_BIN, assertBuilt, makeTempDir, runCli } from '../support/run-cli';

/** moto's default account. */
const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-1';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let moto: Moto;
let repo: string;
let chainingRepo: string;
/** An IAM user allowed everything: the admin who deployed the roles. */
let admin: Keys;
/** A session of role A (github-oidc-role), as the workflow has after the OIDC step. */
let roleA: Keys;
const cleanups: string[] = [];

function writeRepo(files: ReadonlyMap<string, string>): string {
  const dir = makeTempDir();
  cleanups.push(dir);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function doctor(args: readonly string[], keys: Keys | undefined, cwd = repo) {
  const env = isolatedEnv({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(keys ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } : {}),
    ...(keys?.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
  });
  return runCli(['doctor', ...args], { cwd, env: env as Record<string, string>, bin: KEYLESS_BIN });
}

function checks(stdout: string): CheckResult[] {
  return (JSON.parse(stdout) as { checks: CheckResult[] }).checks;
}

beforeAll(async () => {
  assertBuilt();
  moto = await startMoto();
  const config = resolveConfig({ account: ACCOUNT, region: REGION, repo: 'acme/my-app', bucket: 'my-bucket' });
  const files = new Map(renderRepository(config, { projen: false, version: '0.0.0-test' }).map((f) => [f.path, f.content]));
  repo = writeRepo(files);
  // The same repo chaining with configure-aws-credentials, which tags the session.
  const chaining = files.get(WORKFLOW_PATH)!.replace(
    /      - name: Assume upload-to-s3-role for the build[\s\S]*?(?=      - name: Set up Docker Buildx)/,
    [
      '      - name: Assume upload-to-s3-role for the build',
      '        uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3',
      '        with:',
      `          role-to-assume: ${roleArn('upload-to-s3-role')}`,
      `          aws-region: ${REGION}`,
      '          role-chaining: true',
      '          role-duration-seconds: 3600',
      '',
    ].join('\n'),
  );
  chainingRepo = writeRepo(new Map(files).set(WORKFLOW_PATH, chaining));

  const iam = new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials: FAKE_CREDENTIALS });
  await iam.send(new CreateUserCommand({ UserName: 'deployer' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))).AccessKey!;
  admin = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  await iam.send(new PutUserPolicyCommand({ UserName: 'deployer', PolicyName: 'all', PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
  await iam.send(new CreateRoleCommand({
    RoleName: 'github-oidc-role',
    // Stands in for the OIDC trust: moto does not verify web identity tokens.
    AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/deployer` }, Action: 'sts:AssumeRole' }),
  }));
  // moto checks permissions with the resource "*" for STS calls; AWS would scope them to role B.
  await iam.send(new PutRolePolicyCommand({ RoleName: 'github-oidc-role', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));

  await moto.setAuth(true);
  const sts = new STSClient({ endpoint: moto.endpoint, region: REGION, credentials: admin });
  const session = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn('github-oidc-role'), RoleSessionName: 'keyless-build-1' }));
  roleA = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };

  await moto.setAuth(false);
  // moto compares trust principals with the caller's ARN as plain strings, so role B trusts
  // the session ARN here; on AWS the trust names the role (arn:...:role/github-oidc-role).
  await iam.send(new CreateRoleCommand({
    RoleName: 'upload-to-s3-role',
    AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: session.AssumedRoleUser!.Arn! }, Action: 'sts:AssumeRole' }),
  }));
  // A role B whose trust does not include the caller.
  await iam.send(new CreateRoleCommand({
    RoleName: 'someone-elses-role',
    AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/another-role` }, Action: 'sts:AssumeRole' }),
  }));
  await moto.setAuth(true);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('keyless-build doctor against moto', () => {
  it('role A can assume role B, read from the workflow: every check passes', () => {
    const result = doctor([], roleA);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Role B ${roleArn('upload-to-s3-role')} (.github/workflows/keyless-build.yml:`);
    expect(result.stdout).toMatch(/OK +credentials +arn:aws:sts::123456789012:assumed-role\/github-oidc-role\/keyless-build-1/);
    expect(result.stdout).toMatch(/OK +duration +3600 s .*chains/);
    expect(result.stdout).toMatch(/OK +assume-role +arn:aws:sts::123456789012:assumed-role\/upload-to-s3-role\/keyless-build-doctor-\d+/);
    expect(result.stdout).toMatch(/OK +temporary-credentials +they work: arn:aws:sts::123456789012:assumed-role\/upload-to-s3-role\//);
  });

  it('--json: parameters and four checks', () => {
    const result = doctor(['--json'], roleA);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { parameters: Record<string, unknown>; checks: CheckResult[] };
    expect(report.parameters).toMatchObject({ roleArn: roleArn('upload-to-s3-role'), duration: 3600, region: REGION, sessionTags: false });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['credentials', 'ok'], ['duration', 'ok'], ['assume-role', 'ok'], ['temporary-credentials', 'ok'],
    ]);
  });

  it('a role B whose trust does not include the caller: AccessDenied, explained', () => {
    const result = doctor(['--role-arn', roleArn('someone-elses-role'), '--json'], roleA);
    expect(result.code).toBe(1);
    const [credentials, duration, assume, temporary] = checks(result.stdout);
    expect([credentials!.status, duration!.status, assume!.status, temporary!.status]).toEqual(['ok', 'ok', 'fail', 'skip']);
    expect(assume!.detail).toContain('AccessDenied');
    expect(assume!.explanation!.problem).toBe('role B cannot be assumed by this session');
    expect(assume!.explanation!.why).toContain('trust policy does not name the caller');
    expect(assume!.explanation!.fix).toContain('trust policy names role A\'s ARN');
  });

  it('a chained session asking for more than 3600 s: the duration check fails and explains', () => {
    // doctor refuses before calling STS: moto does not enforce the chained limit (STS's own refusal is mapped below).
    const result = doctor(['--duration', '7200'], roleA);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL +duration +7200 s > 3600 s and this session is itself an assumed role/);
    expect(result.stdout).toContain('STS caps chained sessions at 3600 s');
    // The trust is still checked, with the longest duration a chained session may have.
    expect(result.stdout).toMatch(/OK +assume-role/);
  });

  it('session tags: read from a configure-aws-credentials chaining step and sent', () => {
    const result = doctor(['--json'], roleA, chainingRepo);
    const report = JSON.parse(result.stdout) as { parameters: { sessionTags: boolean; roleArn: string }; checks: CheckResult[] };
    expect(report.parameters.sessionTags).toBe(true);
    expect(report.parameters.roleArn).toBe(roleArn('upload-to-s3-role'));
    // moto accepts session tags without sts:TagSession; the refusal AWS gives is checked below.
    expect(report.checks.find((c) => c.id === 'assume-role')!.status).toBe('ok');
  });

  it('a web identity session (as in a GitHub Actions job) is read by the SDK\'s default chain', async () => {
    // moto does not verify web identity tokens, and answers AssumeRoleWithWebIdentity only with authentication off.
    const token = join(repo, '..', `web-identity-${Date.now()}.jwt`);
    const claims = Buffer.from(JSON.stringify({ sub: 'repo:acme/my-app:ref:refs/heads/main', aud: 'sts.amazonaws.com' })).toString('base64url');
    writeFileSync(token, `eyJhbGciOiJub25lIn0.${claims}.`);
    cleanups.push(token);
    await moto.setAuth(false);
    try {
      const env = isolatedEnv({
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_WEB_IDENTITY_TOKEN_FILE: token,
        AWS_ROLE_ARN: roleArn('github-oidc-role'),
        AWS_ROLE_SESSION_NAME: 'keyless-build-web-identity',
      });
      const result = runCli(['doctor', '--json'], { cwd: repo, env: env as Record<string, string>, bin: KEYLESS_BIN });
      const [credentials] = checks(result.stdout);
      expect(credentials).toMatchObject({ status: 'ok', detail: expect.stringContaining(':assumed-role/github-oidc-role/keyless-build-web-identity') });
    } finally {
      await moto.setAuth(true);
    }
  });

  it('unknown access key: invalid credentials', () => {
    const result = doctor(['--json'], { accessKeyId: 'AKIAKEYLESSNOSUCHKEY', secretAccessKey: 'keyless-test-not-a-key' });
    expect(result.code).toBe(1);
    const [credentials, ...rest] = checks(result.stdout);
    expect(credentials!.detail).toContain('InvalidClientTokenId');
    expect(credentials!.explanation!.problem).toBe('invalid credentials');
    expect(rest.map((c) => c.status)).toEqual(['skip', 'skip', 'skip']);
  });

  it('wrong secret key: invalid credentials (signature)', () => {
    const result = doctor(['--json'], { ...admin, secretAccessKey: 'keyless-test-wrong-secret' });
    expect(result.code).toBe(1);
    const [credentials] = checks(result.stdout);
    expect(credentials!.detail).toContain('SignatureDoesNotMatch');
    expect(credentials!.explanation!.problem).toBe('invalid credentials');
  });

  it('no credentials at all', () => {
    const result = doctor([], undefined);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL +credentials +CredentialsProviderError/);
    expect(result.stdout).toContain('Problem: no AWS credentials');
  });
});

describe('keyless-build doctor: usage', () => {
  it('--help, bad flags, no role ARN', () => {
    const help = runCli(['doctor', '--help'], { cwd: repo, bin: KEYLESS_BIN });
    expect(help.code).toBe(0);
    for (const check of ['credentials', 'duration', 'assume-role', 'temporary-credentials', '--role-arn', '--explain']) expect(help.stdout).toContain(check);

    const badArn = runCli(['doctor', '--role-arn', 'upload-to-s3-role'], { cwd: repo, bin: KEYLESS_BIN });
    expect(badArn.code).toBe(2);
    expect(badArn.stderr).toContain('is not an IAM role ARN');

    const badDuration = runCli(['doctor', '--duration', '1h'], { cwd: repo, bin: KEYLESS_BIN });
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('--duration "1h" is not a number of seconds');

    const unknown = runCli(['doctor', '--rolearn', 'x'], { cwd: repo, bin: KEYLESS_BIN });
    expect(unknown.code).toBe(2);

    const empty = makeTempDir();
    cleanups.push(empty);
    const noRole = runCli(['doctor'], { cwd: empty, bin: KEYLESS_BIN });
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain('Pass it: --role-arn');
  });

  it('--explain: a workflow log line about the OIDC trust, explained with the repo\'s subjects', () => {
    const result = runCli(['doctor', '--explain', 'Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity'], { cwd: repo, bin: KEYLESS_BIN });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Problem: the OIDC role does not trust this token');
    expect(result.stdout).toContain('The repo\'s OIDC trust allows: repo:acme/my-app:ref:refs/heads/main');
    for (const form of ['environment:', 'ref:refs/heads/', 'pull_request', 'OWNER@OWNER_ID/NAME@REPO_ID']) expect(result.stdout).toContain(form);
  });

  it('--explain: an AWS CLI error line keeps its code and operation', () => {
    const denied = runCli(['doctor', '--explain', 'An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::1:assumed-role/a/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/b', '--json'], { cwd: repo, bin: KEYLESS_BIN });
    expect(denied.code).toBe(0);
    expect((JSON.parse(denied.stdout) as { explanation: { problem: string } }).explanation.problem).toBe('role B cannot be assumed by this session');
    const expired = runCli(['doctor', '--explain', 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired'], { cwd: repo, bin: KEYLESS_BIN });
    // Pasted from a job log: the hour of role B's chained session ran out during the build.
    expect(expired.stdout).toContain("Problem: role B's session expired during the job");
    expect(expired.stdout).not.toContain('aws sso login');
  });
});
