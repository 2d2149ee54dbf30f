import { Document } from 'yaml';
import type { KeylessBuildConfig } from '../core/config';
import { GITHUB_OIDC_HOST } from '../core/constants';
import {
  oidcRoleEcrPushPolicy,
  oidcRolePermissionPolicy,
  oidcRoleTrustPolicy,
  uploadRolePermissionPolicy,
  uploadRoleTrustPolicy,
} from './iam';
import { stsAudience } from '../core/partition';

export const CLOUDFORMATION_PATH = 'cloudformation/keyless-build.yaml';

/** A valid CloudFormation stack name derived from the repository name. */
export function stackName(config: KeylessBuildConfig): string {
  const base = config.repoName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
  return `${/^[a-z]/.test(base) ? base : `s-${base}`}-keyless-build`.slice(0, 128);
}

export function deployCommand(config: KeylessBuildConfig): string {
  if (!config.cloudformation) return `create roles ${config.oidcRoleName} and ${config.uploadRoleName} from the documents in iam/ (README.md: Deploy the roles)`;
  return `aws cloudformation deploy --region ${config.region} --stack-name ${stackName(config)} --template-file ${CLOUDFORMATION_PATH} --capabilities CAPABILITY_NAMED_IAM`;
}

/**
 * Both roles with exactly the policies of the `iam/` documents (the same objects), and,
 * as configured, GitHub's OIDC provider, the bucket and the ECR repository.
 */
export function cloudFormationTemplate(config: KeylessBuildConfig): Record<string, unknown> {
  const resources: Record<string, unknown> = {};

  if (config.oidcProvider === 'create') {
    resources.GitHubOidcProvider = {
      Type: 'AWS::IAM::OIDCProvider',
      Properties: { Url: `https://${GITHUB_OIDC_HOST}`, ClientIdList: [stsAudience(config.partition)] },
    };
  }

  resources.OidcRole = {
    Type: 'AWS::IAM::Role',
    ...(config.oidcProvider === 'create' ? { DependsOn: 'GitHubOidcProvider' } : {}),
    Properties: {
      RoleName: config.oidcRoleName,
      Description: `Assumed by ${config.repo} with GitHub OIDC; pushes to ECR and assumes ${config.uploadRoleName}`,
      MaxSessionDuration: 3600,
      ...boundary(config),
      AssumeRolePolicyDocument: oidcRoleTrustPolicy(config),
      Policies: [
        { PolicyName: 'assume-upload-role', PolicyDocument: oidcRolePermissionPolicy(config) },
        { PolicyName: 'ecr-push', PolicyDocument: oidcRoleEcrPushPolicy(config) },
      ],
    },
  };

  resources.UploadRole = {
    Type: 'AWS::IAM::Role',
    // IAM rejects a trust policy whose role principal does not exist yet.
    DependsOn: 'OidcRole',
    Properties: {
      RoleName: config.uploadRoleName,
      Description: `Assumed from ${config.oidcRoleName}; may only put objects into s3://${config.bucket}/${config.prefix}`,
      MaxSessionDuration: 3600,
      ...boundary(config),
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
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [{ Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
        },
      },
    };
  }

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

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `keyless-build for ${config.repo}: GitHub OIDC role, role chaining into an upload-only role`,
    Resources: resources,
    Outputs: {
      OidcRoleArn: { Description: 'Role A, assumed by the workflow with GitHub OIDC', Value: { 'Fn::GetAtt': ['OidcRole', 'Arn'] } },
      UploadRoleArn: { Description: 'Role B, handed to the docker build', Value: { 'Fn::GetAtt': ['UploadRole', 'Arn'] } },
    },
  };
}

/** The permissions boundary of a role the template creates, when one is configured. */
function boundary(config: KeylessBuildConfig): Record<string, string> {
  return config.permissionsBoundary ? { PermissionsBoundary: config.permissionsBoundary } : {};
}

/** A checkov suppression with its reason, read by checkov from the resource's Metadata. */
function checkovSkip(id: string, comment: string): Record<string, unknown> {
  return { checkov: { skip: [{ id, comment }] } };
}

export function renderCloudFormation(config: KeylessBuildConfig, marker?: string): string {
  // YAML 1.1 rules quote values such as 2010-09-09 that older parsers would read as dates.
  const doc = new Document(cloudFormationTemplate(config), { version: '1.1' });
  if (marker) doc.commentBefore = ` ${marker}`;
  return doc.toString({ lineWidth: 0 });
}
