import { Document } from 'yaml';
import type { KeylessBuildConfig } from '../core/config';
import {
  oidcRoleEcrPushPolicy,
  oidcRolePermissionPolicy,
  oidcRoleTrustPolicy,
  uploadRolePermissionPolicy,
  uploadRoleTrustPolicy,
} from './iam';
import { stsAudience } from '../core/partition';

export const CLOUDFORMATION_PATH = 'cloudformation/keyless-build.yaml';

/** With role B in another account: the template of that account. */
export const UPLOAD_CLOUDFORMATION_PATH = 'cloudformation/keyless-build-upload.yaml';

/** A valid CloudFormation stack name derived from the repository name. */
export function stackName(config: KeylessBuildConfig, suffix = ''): string {
  const base = config.repoName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
  return `${/^[a-z]/.test(base) ? base : `s-${base}`}-keyless-build${suffix}`.slice(0, 128);
}

/** One CloudFormation template, the account it is deployed into and how. */
export interface TemplateFile {
  readonly path: string;
  readonly account: string;
  /** What the account holds, for the README: "role A's account", "the upload account". */
  readonly role: 'main' | 'upload';
  readonly stackName: string;
  /** `--profile` of the deploy command: one per account when there are two, none otherwise. */
  readonly profile?: string;
  readonly template: Record<string, unknown>;
}

/**
 * The templates, in the order they must be deployed: role A's account first (role B's trust names
 * role A, and IAM refuses a trust whose role principal does not exist), then the upload account.
 * One template when both roles share an account; none for role A's account when it would be empty
 * (role A exists already, no ECR repository to create).
 */
export function templateFiles(config: KeylessBuildConfig): TemplateFile[] {
  if (!config.cloudformation) return [];
  if (!config.crossAccount) {
    return [{ path: CLOUDFORMATION_PATH, account: config.account, role: 'main', stackName: stackName(config), template: cloudFormationTemplate(config) }];
  }
  const files: TemplateFile[] = [];
  const main = mainAccountTemplate(config);
  if (Object.keys(main.Resources as object).length > 0) {
    files.push({ path: CLOUDFORMATION_PATH, account: config.account, role: 'main', stackName: stackName(config), profile: `ci-${config.account}`, template: main });
  }
  files.push({
    path: UPLOAD_CLOUDFORMATION_PATH,
    account: config.uploadAccount,
    role: 'upload',
    stackName: stackName(config, '-upload'),
    profile: `upload-${config.uploadAccount}`,
    template: uploadAccountTemplate(config),
  });
  return files;
}

/** The deploy command of one template, filled in. */
export function deployCommandOf(config: KeylessBuildConfig, file: TemplateFile): string {
  const profile = file.profile ? ` --profile ${file.profile}` : '';
  return `aws cloudformation deploy${profile} --region ${config.region} --stack-name ${file.stackName} --template-file ${file.path} --capabilities CAPABILITY_NAMED_IAM`;
}

/** The commands that deploy the roles, in order (what `create` prints last). */
export function deployCommands(config: KeylessBuildConfig): string[] {
  if (!config.cloudformation) {
    const roles = config.existingOidcRole ? `role ${config.uploadRoleName}` : `roles ${config.oidcRoleName} and ${config.uploadRoleName}`;
    return [`create ${roles} from the documents in iam/ (README.md: Deploy the roles)`];
  }
  return templateFiles(config).map((file) => deployCommandOf(config, file));
}

/**
 * Both roles with exactly the policies of the `iam/` documents (the same objects), and,
 * as configured, GitHub's OIDC provider, the bucket and the ECR repository: the template of one
 * account. With an existing role A, neither it nor the provider.
 */
export function cloudFormationTemplate(config: KeylessBuildConfig): Record<string, unknown> {
  return assemble({ ...oidcSide(config), ...uploadSide(config, !config.existingOidcRole), ...ecrSide(config) }, `keyless-build for ${config.repo}: ${config.existingOidcRole ? `role chaining from ${config.oidcRoleArn} into an upload-only role` : 'GitHub OIDC role, role chaining into an upload-only role'}`);
}

/** Role A's account, when role B is in another: the provider, role A and the ECR repository. */
export function mainAccountTemplate(config: KeylessBuildConfig): Record<string, unknown> {
  return assemble({ ...oidcSide(config), ...ecrSide(config) }, `keyless-build for ${config.repo}: GitHub OIDC role (role A); role B is in account ${config.uploadAccount}`);
}

/** The upload account: role B, trusting role A of the other account, and the bucket. */
export function uploadAccountTemplate(config: KeylessBuildConfig): Record<string, unknown> {
  return assemble(uploadSide(config, false), `keyless-build for ${config.repo}: upload-only role (role B), assumed from ${config.oidcRoleArn}`);
}

function assemble(resources: Record<string, unknown>, description: string): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  if ('OidcRole' in resources) outputs.OidcRoleArn = { Description: 'Role A, assumed by the workflow with GitHub OIDC', Value: { 'Fn::GetAtt': ['OidcRole', 'Arn'] } };
  if ('UploadRole' in resources) outputs.UploadRoleArn = { Description: 'Role B, handed to the docker build', Value: { 'Fn::GetAtt': ['UploadRole', 'Arn'] } };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: description,
    Resources: resources,
    ...(Object.keys(outputs).length > 0 ? { Outputs: outputs } : {}),
  };
}

/** GitHub's OIDC provider and role A, unless role A exists already. */
function oidcSide(config: KeylessBuildConfig): Record<string, unknown> {
  const resources: Record<string, unknown> = {};

  if (config.oidcProvider === 'create' && !config.existingOidcRole) {
    resources.GitHubOidcProvider = {
      Type: 'AWS::IAM::OIDCProvider',
      Properties: { Url: config.issuer.url, ClientIdList: [stsAudience(config.partition)] },
    };
  }

  if (!config.existingOidcRole) {
    resources.OidcRole = {
      Type: 'AWS::IAM::Role',
      ...(config.oidcProvider === 'create' ? { DependsOn: 'GitHubOidcProvider' } : {}),
      Properties: {
        RoleName: config.oidcRoleName,
        Description: `Assumed by ${config.repo} with GitHub OIDC; pushes to ECR and assumes ${config.uploadRoleName}`,
        MaxSessionDuration: 3600,
        ...boundary(config, config.account),
        AssumeRolePolicyDocument: oidcRoleTrustPolicy(config),
        Policies: [
          { PolicyName: 'assume-upload-role', PolicyDocument: oidcRolePermissionPolicy(config) },
          { PolicyName: 'ecr-push', PolicyDocument: oidcRoleEcrPushPolicy(config) },
        ],
      },
    };
  }

  return resources;
}

/** The ECR repository, in role A's account, when asked. */
function ecrSide(config: KeylessBuildConfig): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  if (config.createEcrRepository) {
    resources.EcrRepository = {
      Type: 'AWS::ECR::Repository',
      Metadata: checkovSkip('CKV_AWS_136', 'images are encrypted at rest with AES256; a KMS key adds a key policy and per-request cost, and the image holds no credentials (they are a build secret, never a layer)'),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        RepositoryName: config.ecrRepository,
        // Images are tagged with the commit SHA: a tag never needs to move.
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'AES256' },
      },
    };
  }
  return resources;
}

/** Role B and, when asked, the bucket; `afterOidcRole` when role A is created in the same template. */
function uploadSide(config: KeylessBuildConfig, afterOidcRole: boolean): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  resources.UploadRole = {
    Type: 'AWS::IAM::Role',
    // IAM rejects a trust policy whose role principal does not exist yet.
    ...(afterOidcRole ? { DependsOn: 'OidcRole' } : {}),
    Properties: {
      RoleName: config.uploadRoleName,
      Description: `Assumed from ${config.existingOidcRole || config.crossAccount ? config.oidcRoleArn : config.oidcRoleName}; may only put objects into s3://${config.bucket}/${config.prefix}`,
      MaxSessionDuration: 3600,
      ...boundary(config, config.uploadAccount),
      AssumeRolePolicyDocument: uploadRoleTrustPolicy(config),
      Policies: [{ PolicyName: 'put-objects', PolicyDocument: uploadRolePermissionPolicy(config) }],
    },
  };

  if (config.createBucket) {
    resources.Bucket = {
      Type: 'AWS::S3::Bucket',
      Metadata: checkovSkip('CKV_AWS_18', 'access logs need a second bucket this template cannot choose; set LoggingConfiguration to your log bucket, or use CloudTrail data events'),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketName: config.bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            config.kmsKeyArn
              ? // S3 Bucket Keys: one data key per bucket and period instead of one KMS call per object.
                { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: config.kmsKeyArn }, BucketKeyEnabled: true }
              : { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [{ Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
        },
      },
    };
  }
  return resources;
}

/**
 * The permissions boundary of a role the templates create in `account`. A boundary is a policy
 * of the role's own account (or AWS managed): with two accounts, the role in the other one gets
 * the policy of the same path and name in its own account.
 */
export function boundaryArn(config: KeylessBuildConfig, account: string): string | undefined {
  const given = config.permissionsBoundary;
  if (!given) return undefined;
  return given.replace(/^(arn:[^:]+:iam::)(\d{12})(:policy\/)/, (_all, head: string, _account: string, tail: string) => `${head}${account}${tail}`);
}

function boundary(config: KeylessBuildConfig, account: string): Record<string, string> {
  const arn = boundaryArn(config, account);
  return arn ? { PermissionsBoundary: arn } : {};
}

/** A checkov suppression with its reason, read by checkov from the resource's Metadata. */
function checkovSkip(id: string, comment: string): Record<string, unknown> {
  return { checkov: { skip: [{ id, comment }] } };
}

export function renderCloudFormation(config: KeylessBuildConfig, marker?: string, template = cloudFormationTemplate(config)): string {
  // YAML 1.1 rules quote values such as 2010-09-09 that older parsers would read as dates.
  const doc = new Document(template, { version: '1.1' });
  if (marker) doc.commentBefore = ` ${marker}`;
  return doc.toString({ lineWidth: 0 });
}
