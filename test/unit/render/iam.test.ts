import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from '../../../src/core/config';
import { GITHUB_OIDC_HOST, HAND_OVER_FILE } from '../../../src/core/constants';
import { iamDocuments, oidcProviderArn, type PolicyDocument } from '../../../src/render/iam';
import { dnsSuffix, roleArn, stsAudience } from '../../../src/core/partition';
import { SEED } from '../../support/parameter-sets';

/**
 * What the generated IAM documents allow and deny, decided by an IAM policy simulator
 * (@cloud-copilot/iam-simulate), over several parameter sets. Every case builds the request a
 * real call would make and compares the simulator's decision with the expected one.
 */

const OTHER_ACCOUNT = '999999999999';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

const parameterSets: [string, KeylessBuildOptions][] = [
  ['seed', SEED],
  ['aws-cn, prefix', { ...SEED, region: 'cn-north-1', bucket: 'cn-assets', prefix: 'site/v1' }],
  ['aws-us-gov, several branches', { ...SEED, region: 'us-gov-west-1', branches: ['main', 'release/v2'], prefix: 'builds' }],
  ['environments', { ...SEED, environments: ['production', 'staging'], ecrRepository: 'team/app', oidcRoleName: 'ci-oidc', uploadRoleName: 'ci-upload' }],
  ['immutable subjects', { ...SEED, region: 'us-east-1', ownerId: '4242', repoId: '987654321' }],
  ['custom subjects with a wildcard', { ...SEED, region: 'eu-west-1', branches: [], subjects: ['repo:acme/my-app:ref:refs/tags/v*'] }],
  ['legacy subjects with the numeric ids pinned', { ...SEED, ownerId: '4242', repoId: '987654321', subjectFormat: 'legacy' }],
  ['no source identity', { ...SEED, sourceIdentity: false }],
  ['role B and the bucket in another account', { ...SEED, uploadAccount: '222222222222', prefix: 'site' }],
  ['an existing role A of another team', { ...SEED, oidcRoleArn: 'arn:aws:iam::111111111111:role/platform-ci', prefix: 'builds' }],
  ['an existing role A, role B in another account', { ...SEED, region: 'us-gov-west-1', oidcRoleArn: 'arn:aws-us-gov:iam::111111111111:role/platform-ci', uploadAccount: '222222222222' }],
  ['SSE-KMS', { ...SEED, prefix: 'site/v1', kmsKeyArn: `arn:aws:kms:ap-northeast-1:111111111111:key/${KEY_ID}` }],
  ['SSE-KMS in aws-cn, another account', { ...SEED, region: 'cn-north-1', bucket: 'cn-assets', uploadAccount: '222222222222', kmsKeyArn: `arn:aws-cn:kms:cn-north-1:222222222222:key/${KEY_ID}` }],
  ["an enterprise's own issuer", { ...SEED, oidcIssuer: 'https://token.actions.githubusercontent.com/acme', ownerId: '4242', repoId: '987654321' }],
  ['GitHub Enterprise Server', { ...SEED, ghesHost: 'github.example.com', environments: ['production'] }],
];

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

async function simulate(
  request: Request,
  policies: { identity?: readonly PolicyDocument[]; resource?: PolicyDocument; account: string },
): Promise<{ decision: Decision; ignoredContextKeys: string[] }> {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: policies.account },
      contextVariables: request.context ?? {},
    },
    identityPolicies: (policies.identity ?? []).map((policy, index) => ({ name: `policy-${index}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.resource,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(`simulator rejected the request ${JSON.stringify(request)}: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== 'single') throw new Error(`expected one resource, got ${response.resultType}`);
  return { decision: response.overallResult as Decision, ignoredContextKeys: response.result.ignoredContextKeys ?? [] };
}

/** A role session's ARN: what STS calls the principal of a request made with assumed-role credentials. */
function sessionArn(config: KeylessBuildConfig, roleName: string, account = config.account): string {
  return `arn:${config.partition}:sts::${account}:assumed-role/${roleName}/keyless-build-1`;
}

describe.each(parameterSets)('%s', (_name, options) => {
  const config = resolveConfig(options);
  const documents = iamDocuments(config);
  const p = config.partition;
  const s3 = (path: string) => `arn:${p}:s3:::${path}`;
  const object = (key: string) => s3(`${config.bucket}/${config.prefix}${key}`);

  const roleAPermissions = documents[config.existingOidcRole ? HAND_OVER_FILE : 'oidc-role-permission-policy.json']!;

  describe('role B (upload role): only puts objects below the prefix', () => {
    // See withEncryptionContextStandIn: the simulator drops kms:EncryptionContext:* keys.
    const identity = [withEncryptionContextStandIn(documents['upload-role-permission-policy.json']!)];
    const asRoleB = (action: string, resource: string, context?: Record<string, string>) =>
      simulate(
        { principal: sessionArn(config, config.uploadRoleName, config.uploadAccount), action, resource, context: context && encryptionContextStandIn(context) },
        // A KMS key is used only when its key policy allows it too: here the default one, which lets the account's IAM policies decide.
        { identity, account: config.uploadAccount, ...(action.startsWith('kms:') ? { resource: defaultKeyPolicy(p, resource.split(':')[4]!) } : {}) },
      );

    it.each([
      ['s3:PutObject', 'a file below the prefix', 'index.html'],
      ['s3:PutObject', 'a nested file below the prefix', 'assets/js/app.js'],
      // A failed multipart upload must be able to clean up its parts.
      ['s3:AbortMultipartUpload', 'a file below the prefix', 'big.bin'],
    ])('allows %s on %s', async (action, _what, key) => {
      expect((await asRoleB(action, object(key))).decision).toBe('Allowed');
    });

    // CreateMultipartUpload, UploadPart and CompleteMultipartUpload are authorised as s3:PutObject:
    // IAM has no action of their own, and the simulator refuses them as actions.
    it.each(['s3:CreateMultipartUpload', 's3:UploadPart', 's3:CompleteMultipartUpload'])('%s is no IAM action: s3:PutObject covers it', async (action) => {
      await expect(asRoleB(action, object('big.bin'))).rejects.toThrow(/invalid\.action/);
    });

    const otherPrefix = config.prefix ? `other/${config.prefix}` : undefined;
    const denied: [string, string, string][] = [
      ['s3:GetObject', 'an object below the prefix', object('index.html')],
      ['s3:DeleteObject', 'an object below the prefix', object('index.html')],
      ['s3:DeleteObjectVersion', 'an object below the prefix', object('index.html')],
      ['s3:PutObjectAcl', 'an object below the prefix', object('index.html')],
      ['s3:GetObjectAcl', 'an object below the prefix', object('index.html')],
      ['s3:PutObjectTagging', 'an object below the prefix', object('index.html')],
      ['s3:ListMultipartUploadParts', 'an object below the prefix', object('big.bin')],
      ['s3:ListBucket', 'the bucket', s3(config.bucket)],
      ['s3:ListBucketMultipartUploads', 'the bucket', s3(config.bucket)],
      ['s3:PutBucketPolicy', 'the bucket', s3(config.bucket)],
      ['s3:PutBucketAcl', 'the bucket', s3(config.bucket)],
      ['s3:DeleteBucket', 'the bucket', s3(config.bucket)],
      ['s3:PutObject', 'another bucket', s3(`other-${config.bucket}/${config.prefix}index.html`)],
      ['s3:PutObject', 'a bucket whose name extends this one', s3(`${config.bucket}-backup/${config.prefix}index.html`)],
      ...(otherPrefix
        ? ([
            ['s3:PutObject', 'another prefix', s3(`${config.bucket}/${otherPrefix}index.html`)],
            ['s3:PutObject', 'the bucket root, outside the prefix', s3(`${config.bucket}/index.html`)],
            ['s3:PutObject', 'a sibling prefix that starts with the same characters', s3(`${config.bucket}/${config.prefix.replace(/\/$/, '')}0/index.html`)],
          ] as [string, string, string][])
        : []),
      ['sts:AssumeRole', 'role A', config.oidcRoleArn],
      ['ecr:PutImage', 'the ECR repository', `arn:${p}:ecr:${config.region}:${config.account}:repository/${config.ecrRepository}`],
      ['iam:PassRole', 'itself', config.uploadRoleArn],
      ['kms:Decrypt', 'a key of its account', `arn:${p}:kms:${config.region}:${config.uploadAccount}:key/${KEY_ID.replace('1234', '9999')}`],
    ];
    it.each(denied)('denies %s on %s', async (action, _what, resource) => {
      expect((await asRoleB(action, resource)).decision).toBe('ImplicitlyDenied');
    });

    if (config.kmsKeyArn) {
      const key = config.kmsKeyArn;
      const viaS3 = `s3.${config.region}.${dnsSuffix(p)}`;
      const inS3 = (arn: string, via = viaS3) => ({ 'kms:ViaService': via, 'kms:EncryptionContext:aws:s3:arn': arn });
      const otherRegion = config.region === 'cn-north-1' ? 'cn-northwest-1' : 'us-west-2';

      it.each([
        ['kms:GenerateDataKey', 'for a put below the prefix (object ARN as encryption context)', inS3(object('index.html'))],
        ['kms:Decrypt', 'to complete a multipart upload below the prefix', inS3(object('big.bin'))],
        ['kms:GenerateDataKey', 'with S3 Bucket Keys (bucket ARN as encryption context)', inS3(s3(config.bucket))],
        ['kms:Decrypt', 'with S3 Bucket Keys', inS3(s3(config.bucket))],
      ])('allows %s on the bucket key through S3 %s', async (action, _what, context) => {
        const result = await asRoleB(action, key, context);
        expect(result.ignoredContextKeys).toEqual([]);
        expect(result.decision).toBe('Allowed');
      });

      it.each([
        ['kms:GenerateDataKey', 'called directly (no kms:ViaService)', { 'kms:EncryptionContext:aws:s3:arn': object('index.html') }],
        ['kms:Decrypt', 'called directly to decrypt an object\'s data key', { 'kms:EncryptionContext:aws:s3:arn': object('index.html') }],
        ['kms:GenerateDataKey', 'through another service', inS3(object('index.html'), `sqs.${config.region}.${dnsSuffix(p)}`)],
        ['kms:GenerateDataKey', 'through S3 of another region', inS3(object('index.html'), `s3.${otherRegion}.${dnsSuffix(p)}`)],
        ['kms:Decrypt', 'through S3 for another bucket', inS3(s3(`other-${config.bucket}/${config.prefix}index.html`))],
        ['kms:GenerateDataKey', "through S3 for a bucket whose name extends this one's", inS3(s3(`${config.bucket}-backup`))],
        ...(config.prefix ? [['kms:GenerateDataKey', 'through S3 for an object outside the prefix', inS3(s3(`${config.bucket}/outside.txt`))] as [string, string, Record<string, string>]] : []),
        ['kms:GenerateDataKey', 'through S3 without an encryption context', { 'kms:ViaService': viaS3 }],
      ])('denies %s on the bucket key %s', async (action, _what, context) => {
        expect((await asRoleB(action, key, context)).decision).toBe('ImplicitlyDenied');
      });

      it.each(['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'])(
        'denies %s on the bucket key, even through S3 for the bucket',
        async (action) => {
          expect((await asRoleB(action, key, inS3(s3(config.bucket)))).decision).toBe('ImplicitlyDenied');
        },
      );
    }
  });

  describe('role A (OIDC role): assumes role B and pushes to its ECR repository, nothing else', () => {
    const identity = [roleAPermissions, documents['oidc-role-ecr-push-policy.json']!];
    const repository = `arn:${p}:ecr:${config.region}:${config.account}:repository/${config.ecrRepository}`;
    const asRoleA = (action: string, resource: string) =>
      simulate({ principal: sessionArn(config, config.oidcRoleName), action, resource }, { identity, account: config.account });

    it.each([
      ['sts:AssumeRole', 'role B', config.uploadRoleArn],
      ...(config.sourceIdentity ? [['sts:SetSourceIdentity', 'role B', config.uploadRoleArn] as [string, string, string]] : []),
      // GetAuthorizationToken has no resource-level permissions: it is granted on "*" only.
      ['ecr:GetAuthorizationToken', '*', '*'],
      ...['ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchGetImage'].map(
        (action) => [action, 'its repository', repository] as [string, string, string],
      ),
    ])('allows %s on %s', async (action, _what, resource) => {
      expect((await asRoleA(action, resource)).decision).toBe('Allowed');
    });

    it.each([
      ['sts:AssumeRole', 'itself', config.oidcRoleArn],
      ['sts:AssumeRole', 'another role', roleArn(config.partition, config.uploadAccount, 'admin')],
      ['sts:AssumeRole', 'a role of the same name in another account', `arn:${p}:iam::${OTHER_ACCOUNT}:role/${config.uploadRoleName}`],
      ['sts:TagSession', 'role B', config.uploadRoleArn],
      ['sts:SetSourceIdentity', 'another role', roleArn(config.partition, config.uploadAccount, 'admin')],
      ...(config.sourceIdentity ? [] : [['sts:SetSourceIdentity', 'role B (no source identity asked for)', config.uploadRoleArn] as [string, string, string]]),
      ['ecr:PutImage', 'another repository', `arn:${p}:ecr:${config.region}:${config.account}:repository/${config.ecrRepository}-other`],
      ['ecr:PutImage', 'its repository name in another region', `arn:${p}:ecr:${config.region === 'us-east-1' ? 'us-west-2' : 'us-east-1'}:${config.account}:repository/${config.ecrRepository}`],
      ['ecr:BatchDeleteImage', 'its repository', repository],
      ['ecr:DeleteRepository', 'its repository', repository],
      ['ecr:SetRepositoryPolicy', 'its repository', repository],
      ['s3:PutObject', 'the upload prefix', s3(`${config.bucket}/${config.prefix}index.html`)],
      ['s3:GetObject', 'the upload prefix', s3(`${config.bucket}/${config.prefix}index.html`)],
      ['s3:ListBucket', 'the bucket', s3(config.bucket)],
      ['iam:PassRole', 'role B', config.uploadRoleArn],
      ['iam:CreateRole', 'a new role', roleArn(config.partition, config.account, 'new-role')],
    ])('denies %s on %s', async (action, _what, resource) => {
      expect((await asRoleA(action, resource)).decision).toBe('ImplicitlyDenied');
    });
  });

  describe("role B's trust: sessions of role A and nothing else", () => {
    const trust = documents['upload-role-trust-policy.json']!;
    const roleB = config.uploadRoleArn;
    // Each caller's own policy allows the call, so that only the trust policy decides.
    const mayAssumeAnything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], Resource: '*' }] };
    const assume = (principal: string, action = 'sts:AssumeRole') =>
      simulate({ principal, action, resource: roleB }, { identity: [mayAssumeAnything], resource: trust, account: config.uploadAccount });
    const chainActions = config.sourceIdentity ? ['sts:AssumeRole', 'sts:SetSourceIdentity'] : ['sts:AssumeRole'];

    it.each(chainActions)("allows %s from a session of role A, with role A's own permission policy", async (action) => {
      const result = await simulate(
        { principal: sessionArn(config, config.oidcRoleName), action, resource: roleB },
        { identity: [roleAPermissions], resource: trust, account: config.uploadAccount },
      );
      expect(result.decision).toBe('Allowed');
    });

    if (config.crossAccount) {
      it('denies the chain when role A\'s own policy does not allow it, though role B\'s trust does (another account)', async () => {
        const result = await simulate(
          { principal: sessionArn(config, config.oidcRoleName), action: 'sts:AssumeRole', resource: roleB },
          { identity: [], resource: trust, account: config.uploadAccount },
        );
        expect(result.decision).toBe('ImplicitlyDenied');
      });
    }

    it.each([
      ['a session of another role in role A\'s account', () => sessionArn(config, 'deploy-role')],
      ['a session of a role named like role A in another account', () => sessionArn(config, config.oidcRoleName, OTHER_ACCOUNT)],
      ...(config.crossAccount ? [['a session of a role named like role A in role B\'s account', () => sessionArn(config, config.oidcRoleName, config.uploadAccount)] as [string, () => string]] : []),
      ['an IAM user of the account', () => `arn:${p}:iam::${config.account}:user/alice`],
      ['a session of role B itself', () => sessionArn(config, config.uploadRoleName, config.uploadAccount)],
    ])('denies sts:AssumeRole and sts:SetSourceIdentity from %s', async (_what, principal) => {
      expect((await assume(principal())).decision).toBe('ImplicitlyDenied');
      expect((await assume(principal(), 'sts:SetSourceIdentity')).decision).toBe('ImplicitlyDenied');
    });

    it('denies sts:TagSession from role A (the chain passes no session tags)', async () => {
      expect((await assume(sessionArn(config, config.oidcRoleName), 'sts:TagSession')).decision).toBe('ImplicitlyDenied');
    });
  });

  // An existing role A's trust is its owners': this repo holds none.
  if (!config.existingOidcRole) describe("role A's trust: GitHub's OIDC tokens for the configured repo and branches or environments only", () => {
    const trust = documents['oidc-role-trust-policy.json']!;
    const roleA = config.oidcRoleArn;
    const audience = stsAudience(p);
    const issuerKey = (claim: string) => `${config.issuer.name}:${claim}`;
    const repoPart = config.subjectFormat === 'immutable' ? `${config.owner}@${config.ownerId}/${config.repoName}@${config.repoId}` : config.repo;
    // What GitHub puts in every token besides sub and aud: the numeric ids (this repo's, or made up when not configured).
    const ids = { repository_owner_id: config.ownerId ?? '4242', repository_id: config.repoId ?? '987654321' };
    const idsPinned = JSON.stringify(trust).includes(issuerKey('repository_id'));
    const token = (sub: string, aud = audience, repositoryIds = ids) => ({ sub, aud, ...repositoryIds });

    /**
     * The simulator drops `token.actions.githubusercontent.com:sub` and `:aud` from the request
     * (they are not in its list of keys for sts:AssumeRoleWithWebIdentity), so a condition on
     * them always fails as "missing" and it can never show what the trust allows. The first test
     * proves that limitation; the others evaluate the same policy with the two keys renamed to a
     * global key the simulator does evaluate (aws:PrincipalTag/...), with the same operators
     * and values, so its own StringEquals / StringLike logic decides.
     */
    it('the simulator cannot evaluate the OIDC keys as written (why the cases below rename them)', async () => {
      const run = simulate(
        {
          principal: oidcProviderArn(config),
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: roleA,
          context: { [issuerKey('sub')]: config.subjects[0]!.replace(/\*/g, 'x'), [issuerKey('aud')]: audience },
        },
        { resource: trust, account: config.account },
      );
      // Some provider names with a path (an enterprise's issuer) are refused outright; the others are dropped.
      const result = await run.catch((error: Error) => {
        expect(error.message).toMatch(/Condition key .* not found/);
        return undefined;
      });
      if (!result) return;
      expect(result.ignoredContextKeys.sort()).toEqual([issuerKey('aud'), issuerKey('sub')]);
      expect(result.decision).toBe('ImplicitlyDenied');
    });

    const assumeWithToken = (claims: Record<string, string | undefined>, principal = oidcProviderArn(config)) =>
      simulateOidcTrust(trust, { principal, resource: roleA, account: config.account, claims, issuer: config.issuer.name });

    it(`names ${config.issuer.url}'s provider and its condition keys`, () => {
      expect(trust.Statement[0]!.Principal).toEqual({ Federated: `arn:${p}:iam::${config.account}:oidc-provider/${config.issuer.name}` });
      for (const keys of Object.values(trust.Statement[0]!.Condition!)) {
        for (const key of Object.keys(keys)) expect(key.startsWith(`${config.issuer.name}:`), key).toBe(true);
      }
    });

    it(`${idsPinned ? 'pins' : 'does not pin'} the numeric repository and owner ids`, () => {
      // AWS documents repository_id and repository_owner_id as keys of github.com's issuer only.
      expect(idsPinned).toBe(Boolean(config.ownerId && config.repoId && config.issuer.name === GITHUB_OIDC_HOST));
    });

    const allowedSubjects = config.subjects.map((subject) => subject.replace(/\*/g, '42'));
    it.each(allowedSubjects)('allows a token with sub %s', async (sub) => {
      expect(await assumeWithToken(token(sub))).toBe('Allowed');
    });

    const firstBranch = config.branches[0] ?? 'main';
    const deniedSubjects: [string, string][] = [
      ['another repository of the owner', `repo:${config.owner}/other-app:ref:refs/heads/${firstBranch}`],
      ['a fork under another owner', `repo:evil/${config.repoName}:ref:refs/heads/${firstBranch}`],
      ['a repository whose name extends this one', `repo:${repoPart}-fork:ref:refs/heads/${firstBranch}`],
      ['a branch that is not allowed', `repo:${repoPart}:ref:refs/heads/feature/x`],
      ['a branch whose name extends an allowed one', `repo:${repoPart}:ref:refs/heads/${firstBranch}-x`],
      ['a pull request', `repo:${repoPart}:pull_request`],
      ['an environment that is not allowed', `repo:${repoPart}:environment:sandbox`],
      ['a tag push', `repo:${repoPart}:ref:refs/tags/release`],
      ['the same claim in another case', (config.subjects[0] ?? '').replace(/\*/g, '42').toUpperCase()],
      // Repos created from 2026-07-15 send owner@id/name@id; the mutable form must not stand in for it, nor the reverse.
      ['the other subject form of the repository', config.subjectFormat === 'immutable' ? `repo:${config.repo}:ref:refs/heads/${firstBranch}` : `repo:${config.owner}@1/${config.repoName}@2:ref:refs/heads/${firstBranch}`],
    ];
    it.each(deniedSubjects)('denies a token from %s (%s)', async (_what, sub) => {
      expect(await assumeWithToken(token(sub))).toBe('ImplicitlyDenied');
    });

    if (idsPinned) {
      it.each([
        ['another repository id (a recycled name)', { ...ids, repository_id: '1' }],
        ['another owner id (a recycled owner name)', { ...ids, repository_owner_id: '1' }],
        ['no ids at all', {}],
      ])('denies a token with the right sub but %s', async (_what, repositoryIds) => {
        expect(await assumeWithToken(token(allowedSubjects[0]!, audience, repositoryIds as typeof ids))).toBe('ImplicitlyDenied');
      });
    }

    it('denies a token for another audience', async () => {
      expect(await assumeWithToken(token(allowedSubjects[0]!, 'sts.example.com'))).toBe('ImplicitlyDenied');
    });
    it('denies a token without a sub claim', async () => {
      expect(await assumeWithToken({ aud: audience, ...ids })).toBe('ImplicitlyDenied');
    });
    it('denies the right claims presented through another identity provider', async () => {
      const otherProvider = `arn:${p}:iam::${config.account}:oidc-provider/accounts.google.com`;
      expect(await assumeWithToken(token(allowedSubjects[0]!), otherProvider)).toBe('ImplicitlyDenied');
    });
  });
});

/**
 * The simulator drops `kms:EncryptionContext:<key>` from a request (the first test below proves
 * it), so a condition on S3's encryption context would always fail as "missing". The bucket-key
 * cases rename that key, in the policy and in the request alike, to a global key it evaluates.
 */
const ENCRYPTION_CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';

/** A KMS key's default key policy: the account's IAM policies decide who may use the key. */
function defaultKeyPolicy(partition: string, account: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM policies', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
}
const ENCRYPTION_CONTEXT_STAND_IN = 'aws:PrincipalTag/kms-context-s3-arn';

function encryptionContextStandIn(context: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [key === ENCRYPTION_CONTEXT_KEY ? ENCRYPTION_CONTEXT_STAND_IN : key, value]));
}

function withEncryptionContextStandIn(policy: PolicyDocument): PolicyDocument {
  return {
    ...policy,
    Statement: policy.Statement.map((statement) =>
      statement.Condition
        ? {
            ...statement,
            Condition: Object.fromEntries(
              Object.entries(statement.Condition).map(([operator, keys]) => [operator, encryptionContextStandIn(keys as Record<string, string>)]),
            ) as PolicyStatementCondition,
          }
        : statement,
    ),
  };
}

type PolicyStatementCondition = NonNullable<PolicyDocument['Statement'][number]['Condition']>;

describe('the encryption-context stand-in', () => {
  const key = `arn:aws:kms:ap-northeast-1:111111111111:key/${KEY_ID}`;
  const config = resolveConfig({ ...SEED, kmsKeyArn: key });
  const policy = iamDocuments(config)['upload-role-permission-policy.json']!;
  const request = (context: Record<string, string>) => ({ principal: sessionArn(config, config.uploadRoleName), action: 'kms:GenerateDataKey', resource: key, context });
  const context = { 'kms:ViaService': 's3.ap-northeast-1.amazonaws.com', [ENCRYPTION_CONTEXT_KEY]: 'arn:aws:s3:::my-bucket/index.html' };

  it('is needed: the simulator ignores kms:EncryptionContext:aws:s3:arn as written, and denies', async () => {
    const result = await simulate(request(context), { identity: [policy], resource: defaultKeyPolicy('aws', config.account), account: config.account });
    expect(result.ignoredContextKeys).toEqual([ENCRYPTION_CONTEXT_KEY]);
    expect(result.decision).toBe('ImplicitlyDenied');
  });

  it('renamed, the same request is decided on its value (negative control: another bucket is denied)', async () => {
    const renamed = withEncryptionContextStandIn(policy);
    expect(JSON.stringify(renamed)).not.toContain(ENCRYPTION_CONTEXT_KEY);
    const keyPolicy = defaultKeyPolicy('aws', config.account);
    expect((await simulate(request(encryptionContextStandIn(context)), { identity: [renamed], resource: keyPolicy, account: config.account })).decision).toBe('Allowed');
    const other = { ...context, [ENCRYPTION_CONTEXT_KEY]: 'arn:aws:s3:::other-bucket/index.html' };
    expect((await simulate(request(encryptionContextStandIn(other)), { identity: [renamed], resource: keyPolicy, account: config.account })).decision).toBe('ImplicitlyDenied');
  });
});

/** The global key standing in for an OIDC claim; the simulator evaluates global keys on every request. */
const standIn = (claim: string) => `aws:PrincipalTag/oidc-${claim}`;

/** The trust policy with every `<issuer>:<claim>` condition key renamed to its stand-in. */
function withStandInKeys(policy: PolicyDocument, issuer = GITHUB_OIDC_HOST): PolicyDocument {
  const prefix = `${issuer}:`;
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => ({
      ...statement,
      ...(statement.Condition
        ? {
            Condition: Object.fromEntries(
              Object.entries(statement.Condition).map(([operator, keys]) => [
                operator,
                Object.fromEntries(
                  Object.entries(keys).map(([key, value]) => {
                    if (!key.startsWith(prefix)) throw new Error(`unexpected condition key ${key}: extend the stand-in mapping`);
                    return [standIn(key.slice(prefix.length)), value];
                  }),
                ),
              ]),
            ),
          }
        : {}),
    })),
  };
}

async function simulateOidcTrust(
  trust: PolicyDocument,
  request: { principal: string; resource: string; account: string; claims: Record<string, string | undefined>; issuer?: string },
): Promise<Decision> {
  const context = Object.fromEntries(Object.entries(request.claims).filter(([, v]) => v !== undefined).map(([claim, value]) => [standIn(claim), value!]));
  const result = await simulate(
    { principal: request.principal, action: 'sts:AssumeRoleWithWebIdentity', resource: request.resource, context },
    { resource: withStandInKeys(trust, request.issuer), account: request.account },
  );
  // Nothing may be dropped now: every claim in the request is evaluated.
  expect(result.ignoredContextKeys).toEqual([]);
  return result.decision;
}

describe('the stand-in evaluation of OIDC conditions can fail (negative controls)', () => {
  const config = resolveConfig(SEED);
  const roleA = roleArn(config.partition, config.account, config.oidcRoleName);
  const base = iamDocuments(config)['oidc-role-trust-policy.json']!;
  const withCondition = (condition: Record<string, Record<string, string | string[]>>): PolicyDocument => ({
    ...base,
    Statement: [{ ...base.Statement[0]!, Condition: condition }],
  });
  const sub = `${GITHUB_OIDC_HOST}:sub`;
  const aud = `${GITHUB_OIDC_HOST}:aud`;
  const run = (policy: PolicyDocument, claims: Record<string, string>) =>
    simulateOidcTrust(policy, { principal: oidcProviderArn(config), resource: roleA, account: config.account, claims });
  const fork = { sub: 'repo:evil/my-app:pull_request', aud: 'sts.amazonaws.com' };

  it('a wildcard sub (the classic mistake) lets a fork\'s pull request in', async () => {
    expect(await run(withCondition({ StringEquals: { [aud]: 'sts.amazonaws.com' }, StringLike: { [sub]: '*' } }), fork)).toBe('Allowed');
  });
  it('an owner-wide wildcard lets another repository in', async () => {
    const policy = withCondition({ StringEquals: { [aud]: 'sts.amazonaws.com' }, StringLike: { [sub]: 'repo:acme/*' } });
    expect(await run(policy, { sub: 'repo:acme/other:ref:refs/heads/main', aud: 'sts.amazonaws.com' })).toBe('Allowed');
  });
  it('a condition on aud alone lets any repository in', async () => {
    expect(await run(withCondition({ StringEquals: { [aud]: 'sts.amazonaws.com' } }), fork)).toBe('Allowed');
  });
  it('StringLike with ? matches exactly one character', async () => {
    const policy = withCondition({ StringEquals: { [aud]: 'sts.amazonaws.com' }, StringLike: { [sub]: 'repo:acme/my-app:ref:refs/heads/v?' } });
    expect(await run(policy, { sub: 'repo:acme/my-app:ref:refs/heads/v1', aud: 'sts.amazonaws.com' })).toBe('Allowed');
    expect(await run(policy, { sub: 'repo:acme/my-app:ref:refs/heads/v10', aud: 'sts.amazonaws.com' })).toBe('ImplicitlyDenied');
  });
  it('a list of subjects allows each of them', async () => {
    const policy = withCondition({ StringEquals: { [aud]: 'sts.amazonaws.com', [sub]: ['repo:acme/my-app:ref:refs/heads/main', 'repo:acme/my-app:environment:prod'] } });
    expect(await run(policy, { sub: 'repo:acme/my-app:environment:prod', aud: 'sts.amazonaws.com' })).toBe('Allowed');
  });
  it('a condition key the renaming does not know is an error, not a silent pass', () => {
    expect(() => withStandInKeys(withCondition({ StringEquals: { 'aws:SourceIp': '10.0.0.1' } }))).toThrow(/unexpected condition key aws:SourceIp/);
  });
});
