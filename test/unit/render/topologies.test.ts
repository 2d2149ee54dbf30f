/**
 * The options that fit the way platform teams own roles, accounts and keys (issue 19): each
 * rendered into every file that depends on it, and nowhere else.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../../src/core/config';
import { HAND_OVER_FILE, WORKFLOW_PATH } from '../../../src/core/constants';
import { deployCommands, UPLOAD_CLOUDFORMATION_PATH } from '../../../src/render/cloudformation';
import type { PolicyDocument } from '../../../src/render/iam';
import type { RenderedFile } from '../../../src/render/rendered-file';
import { SEED } from '../../support/parameter-sets';
import { renderFiles } from '../../support/render';

type Template = { Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties: Record<string, unknown> }>; Outputs: Record<string, unknown> };

function content(files: Map<string, RenderedFile>, path: string): string {
  const file = files.get(path);
  if (!file) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
  return file.content;
}

function template(files: Map<string, RenderedFile>, path = 'cloudformation/keyless-build.yaml'): Template {
  return parseYaml(content(files, path)) as Template;
}

function roles(t: Template) {
  return Object.values(t.Resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
}

describe('permissionsBoundary', () => {
  const boundary = 'arn:aws:iam::111111111111:policy/ci-boundary';

  it('is set on every role the template creates, and named in the README', () => {
    const files = renderFiles({ permissionsBoundary: boundary });
    const created = roles(template(files));
    expect(created.length).toBe(2);
    for (const role of created) expect(role.Properties.PermissionsBoundary).toBe(boundary);
    expect(content(files, 'README.md')).toContain(`permissions boundary \`${boundary}\``);
  });

  it('an AWS managed policy is accepted as a boundary', () => {
    const managed = 'arn:aws:iam::aws:policy/PowerUserAccess';
    for (const role of roles(template(renderFiles({ permissionsBoundary: managed })))) expect(role.Properties.PermissionsBoundary).toBe(managed);
  });

  it('without a template, the README tells to create the roles with it', () => {
    const readme = content(renderFiles({ permissionsBoundary: boundary, cloudformation: false }), 'README.md');
    expect(readme).toContain(`--permissions-boundary ${boundary}`);
  });

  it('without it, no role has a boundary', () => {
    for (const role of roles(template(renderFiles()))) expect(role.Properties).not.toHaveProperty('PermissionsBoundary');
  });
});

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
function workflow(files: Map<string, RenderedFile>) {
  return parseYaml(content(files, WORKFLOW_PATH)) as { jobs: { build: { 'runs-on': unknown; steps: Step[] } } };
}
const json = (files: Map<string, RenderedFile>, path: string) => JSON.parse(content(files, path)) as PolicyDocument;

describe('oidcRoleArn: role A exists already and belongs to another team', () => {
  const roleA = 'arn:aws:iam::111111111111:role/platform/platform-ci';
  const files = renderFiles({ oidcRoleArn: roleA });
  const config = resolveConfig({ ...SEED, oidcRoleArn: roleA });

  it('creates role B only, trusting that ARN (path included); no role A, no OIDC provider', () => {
    const t = template(files);
    expect(Object.keys(t.Resources)).toEqual(['UploadRole', 'EcrRepository']);
    expect(t.Resources.UploadRole!.DependsOn).toBeUndefined();
    expect(json(files, 'iam/upload-role-trust-policy.json').Statement[0]!.Principal).toEqual({ AWS: roleA });
    expect(Object.keys(t.Outputs)).toEqual(['UploadRoleArn']);
    expect(config.oidcRoleName).toBe('platform-ci');
  });

  it('hands role A\'s owners exactly one statement, as a file of its own; no trust or permission policy of role A', () => {
    expect(files.has('iam/oidc-role-trust-policy.json')).toBe(false);
    expect(files.has('iam/oidc-role-permission-policy.json')).toBe(false);
    const handOver = json(files, `iam/${HAND_OVER_FILE}`);
    expect(handOver.Statement).toEqual([{ Sid: 'AssumeUploadRole', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: config.uploadRoleArn }]);
    const withoutSourceIdentity = json(renderFiles({ oidcRoleArn: roleA, sourceIdentity: false }), `iam/${HAND_OVER_FILE}`);
    expect(withoutSourceIdentity.Statement[0]!.Action).toBe('sts:AssumeRole');
  });

  it('the workflow signs in as that role; the README has the section to hand over, with the statement', () => {
    const steps = workflow(files).jobs.build.steps;
    expect(steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))!.with!['role-to-assume']).toBe(roleA);
    const readme = content(files, 'README.md');
    expect(readme).toContain("## For role A's owners");
    expect(readme).toContain(`\`iam/${HAND_OVER_FILE}\``);
    expect(readme).toContain('"sts:SetSourceIdentity"');
    expect(readme).toContain('`sts:TagSession` is not needed');
    expect(readme).not.toContain("GitHub's OIDC provider (if the account already has one");
  });

  it('without a template, the README names the role B documents and the hand-over file', () => {
    const readme = content(renderFiles({ oidcRoleArn: roleA, cloudformation: false }), 'README.md');
    expect(readme).toContain(`| \`${roleA}\` (A, exists already) | its owners' | add \`iam/${HAND_OVER_FILE}\` |`);
  });
});

describe('uploadAccount: role B and the bucket in another account', () => {
  const options = { uploadAccount: '222222222222', createBucket: true, prefix: 'site' };
  const files = renderFiles(options);
  const config = resolveConfig({ ...SEED, ...options });

  it('one template per account: role A\'s (provider, role A, ECR) and the upload account\'s (role B, bucket)', () => {
    const main = template(files);
    const upload = template(files, UPLOAD_CLOUDFORMATION_PATH);
    expect(Object.keys(main.Resources)).toEqual(['GitHubOidcProvider', 'OidcRole', 'EcrRepository']);
    expect(Object.keys(upload.Resources)).toEqual(['UploadRole', 'Bucket']);
    expect(upload.Resources.UploadRole!.DependsOn).toBeUndefined();
    expect(Object.keys(main.Outputs)).toEqual(['OidcRoleArn']);
    expect(Object.keys(upload.Outputs)).toEqual(['UploadRoleArn']);
  });

  it('ARNs name the right account: role A may assume role B over there, whose trust names role A here', () => {
    expect(config.uploadRoleArn).toBe('arn:aws:iam::222222222222:role/upload-to-s3-role');
    expect(json(files, 'iam/oidc-role-permission-policy.json').Statement[0]!.Resource).toBe(config.uploadRoleArn);
    expect(json(files, 'iam/upload-role-trust-policy.json').Statement[0]!.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:role/github-oidc-role' });
    const steps = workflow(files).jobs.build.steps;
    const oidc = steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))!;
    expect(oidc.with).toMatchObject({ 'role-to-assume': 'arn:aws:iam::111111111111:role/github-oidc-role', 'allowed-account-ids': '111111111111' });
    expect(steps.find((s) => s.id === 'upload-role')!.env!.UPLOAD_ROLE_ARN).toBe(config.uploadRoleArn);
  });

  it('the README and create print one deploy command per account, role A\'s first, each with its profile', () => {
    const commands = deployCommands(config);
    expect(commands).toEqual([
      'aws cloudformation deploy --profile ci-111111111111 --region ap-northeast-1 --stack-name my-app-keyless-build --template-file cloudformation/keyless-build.yaml --capabilities CAPABILITY_NAMED_IAM',
      'aws cloudformation deploy --profile upload-222222222222 --region ap-northeast-1 --stack-name my-app-keyless-build-upload --template-file cloudformation/keyless-build-upload.yaml --capabilities CAPABILITY_NAMED_IAM',
    ]);
    const readme = content(files, 'README.md');
    expect(readme.indexOf('--profile ci-111111111111')).toBeLessThan(readme.indexOf('--profile upload-222222222222'));
    expect(readme).toContain('Account 222222222222: role B (upload-to-s3-role) and the bucket.');
  });

  it('with an existing role A and no ECR repository to create, only the upload account has a template', () => {
    const only = renderFiles({ ...options, oidcRoleArn: 'arn:aws:iam::111111111111:role/platform-ci', createEcrRepository: false });
    expect([...only.keys()].filter((path) => path.startsWith('cloudformation/'))).toEqual([UPLOAD_CLOUDFORMATION_PATH]);
  });

  it('a boundary of role A\'s account becomes the same-named policy of the upload account for role B', () => {
    const bounded = renderFiles({ ...options, permissionsBoundary: 'arn:aws:iam::111111111111:policy/ci/boundary' });
    expect(template(bounded).Resources.OidcRole!.Properties.PermissionsBoundary).toBe('arn:aws:iam::111111111111:policy/ci/boundary');
    expect(template(bounded, UPLOAD_CLOUDFORMATION_PATH).Resources.UploadRole!.Properties.PermissionsBoundary).toBe('arn:aws:iam::222222222222:policy/ci/boundary');
  });
});

describe('kmsKeyArn: an SSE-KMS bucket', () => {
  const key = 'arn:aws-cn:kms:cn-north-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const files = renderFiles({ region: 'cn-north-1', bucket: 'cn-assets', prefix: 'site', kmsKeyArn: key, createBucket: true });

  it('role B may use the key through S3 in the region, for the bucket\'s encryption context only', () => {
    const statement = json(files, 'iam/upload-role-permission-policy.json').Statement[1]!;
    expect(statement).toEqual({
      Sid: 'UseBucketKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: key,
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.cn-north-1.amazonaws.com.cn' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws-cn:s3:::cn-assets', 'arn:aws-cn:s3:::cn-assets/site/*'] },
      },
    });
  });

  it('a bucket the template creates is encrypted with that key, with S3 Bucket Keys', () => {
    const bucket = template(files).Resources.Bucket!.Properties.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] };
    expect(bucket.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }]);
    expect(content(files, 'README.md')).toContain("## The bucket's KMS key");
  });
});

describe('GitHub Enterprise issuers', () => {
  it("an enterprise's own issuer: the provider URL, the condition keys and a note in the workflow", () => {
    const issuer = 'https://token.actions.githubusercontent.com/acme';
    const files = renderFiles({ oidcIssuer: issuer });
    expect(template(files).Resources.GitHubOidcProvider!.Properties.Url).toBe(issuer);
    const trust = json(files, 'iam/oidc-role-trust-policy.json').Statement[0]!;
    expect(trust.Principal).toEqual({ Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com/acme' });
    expect(Object.keys(trust.Condition!.StringEquals!)).toEqual(['token.actions.githubusercontent.com/acme:aud', 'token.actions.githubusercontent.com/acme:sub']);
    expect(content(files, WORKFLOW_PATH)).toContain(`# The OIDC token comes from ${issuer}`);
    expect(workflow(files).jobs.build['runs-on']).toBe('ubuntu-latest');
  });

  it('GitHub Enterprise Server: https://<host>/_services/token, its keys, self-hosted runners', () => {
    const files = renderFiles({ ghesHost: 'github.example.com' });
    expect(template(files).Resources.GitHubOidcProvider!.Properties.Url).toBe('https://github.example.com/_services/token');
    const trust = json(files, 'iam/oidc-role-trust-policy.json').Statement[0]!;
    expect(Object.keys(trust.Condition!.StringEquals!)).toEqual(['github.example.com/_services/token:aud', 'github.example.com/_services/token:sub']);
    expect(workflow(files).jobs.build['runs-on']).toEqual(['self-hosted', 'linux', 'x64']);
    expect(content(files, 'README.md')).toContain('## GitHub Enterprise Server');
    expect(content(files, 'README.md')).not.toContain('immutable `sub` claims');
  });

  it('--ghes-host and the same --oidc-issuer agree', () => {
    expect(resolveConfig({ ...SEED, ghesHost: 'github.example.com', oidcIssuer: 'https://github.example.com/_services/token' }).issuer.kind).toBe('ghes');
  });
});

describe('subjectFormat and the numeric ids', () => {
  it('legacy with ids: the legacy sub, and both ids pinned as condition keys', () => {
    const trust = json(renderFiles({ ownerId: '42', repoId: '4242', subjectFormat: 'legacy' }), 'iam/oidc-role-trust-policy.json').Statement[0]!;
    expect(trust.Condition!.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:repository_owner_id': '42',
      'token.actions.githubusercontent.com:repository_id': '4242',
      'token.actions.githubusercontent.com:sub': 'repo:acme/my-app:ref:refs/heads/main',
    });
  });

  it("an enterprise's issuer gets the immutable sub but no id keys (AWS documents them for github.com's issuer only)", () => {
    const trust = json(renderFiles({ ownerId: '42', repoId: '4242', oidcIssuer: 'https://token.actions.githubusercontent.com/acme' }), 'iam/oidc-role-trust-policy.json');
    expect(JSON.stringify(trust)).toContain('repo:acme@42/my-app@4242:ref:refs/heads/main');
    expect(JSON.stringify(trust)).not.toContain('repository_id');
  });
});

describe('sourceIdentity', () => {
  it('on by default: the script sets it from the run id and the actor, sanitised; role B trusts role A to set it', () => {
    const files = renderFiles();
    const step = workflow(files).jobs.build.steps.find((s) => s.id === 'upload-role')!;
    expect(step.env).toMatchObject({ RUN_ID: '${{ github.run_id }}', ACTOR: '${{ github.actor }}' });
    expect(step.run).toContain('--source-identity "$source_identity"');
    expect(step.run).toContain('${ACTOR//[^A-Za-z0-9_+=,.@-]/_}');
    expect(json(files, 'iam/upload-role-trust-policy.json').Statement[0]!.Action).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity']);
    expect(content(files, 'README.md')).toContain('## Who uploaded this object');
  });

  it('off: none of it', () => {
    const files = renderFiles({ sourceIdentity: false });
    const step = workflow(files).jobs.build.steps.find((s) => s.id === 'upload-role')!;
    expect(step.run).not.toContain('source');
    expect(step.env).not.toHaveProperty('ACTOR');
    expect(json(files, 'iam/upload-role-trust-policy.json').Statement[0]!.Action).toBe('sts:AssumeRole');
    expect(content(files, 'README.md')).not.toContain('## Who uploaded this object');
  });
});
