import type { KeylessBuildConfig } from '../core/config';
import { GITHUB_OIDC_HOST } from '../core/constants';
import { stsAudience } from '../core/partition';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export function roleArn(config: KeylessBuildConfig, roleName: string): string {
  return `arn:${config.partition}:iam::${config.account}:role/${roleName}`;
}

export function oidcProviderArn(config: KeylessBuildConfig): string {
  return `arn:${config.partition}:iam::${config.account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

export function ecrRepositoryArn(config: KeylessBuildConfig): string {
  return `arn:${config.partition}:ecr:${config.region}:${config.account}:repository/${config.ecrRepository}`;
}

/** The objects role B may write: everything below the prefix, nothing else. */
export function uploadObjectsArn(config: KeylessBuildConfig): string {
  return `arn:${config.partition}:s3:::${config.bucket}/${config.prefix}*`;
}

/** Role A's trust: GitHub's OIDC tokens for this repo's allowed branches or environments only. */
export function oidcRoleTrustPolicy(config: KeylessBuildConfig): PolicyDocument {
  const wildcard = config.subjects.some((s) => s.includes('*') || s.includes('?'));
  const subjects = config.subjects.length === 1 ? config.subjects[0]! : config.subjects;
  const audience = { [`${GITHUB_OIDC_HOST}:aud`]: stsAudience(config.partition) };
  const subject = { [`${GITHUB_OIDC_HOST}:sub`]: subjects };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn(config) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        // StringLike only when a user-supplied subject has a wildcard; exact matches otherwise.
        Condition: wildcard ? { StringEquals: audience, StringLike: subject } : { StringEquals: { ...audience, ...subject } },
      },
    ],
  };
}

/** Role A may assume role B and nothing else through STS. */
export function oidcRolePermissionPolicy(config: KeylessBuildConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AssumeUploadRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn(config, config.uploadRoleName) },
    ],
  };
}

/** Role A pushes the image to one repository; GetAuthorizationToken has no resource-level scope. */
export function oidcRoleEcrPushPolicy(config: KeylessBuildConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrPush',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: ecrRepositoryArn(config),
      },
    ],
  };
}

/** Role B's trust: sessions of role A, and no other principal. */
export function uploadRoleTrustPolicy(config: KeylessBuildConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ChainFromOidcRole',
        Effect: 'Allow',
        Principal: { AWS: roleArn(config, config.oidcRoleName) },
        Action: 'sts:AssumeRole',
      },
    ],
  };
}

/**
 * Role B writes objects below the prefix. PutObject also covers the multipart calls that
 * create, fill and complete an upload; AbortMultipartUpload lets a failed upload clean up
 * its parts. No read, list, delete or ACL action.
 */
export function uploadRolePermissionPolicy(config: KeylessBuildConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PutObjectsBelowPrefix',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: uploadObjectsArn(config),
      },
    ],
  };
}

/** The IAM documents, by the file name they are written under in `iam/`. */
export function iamDocuments(config: KeylessBuildConfig): Record<string, PolicyDocument> {
  return {
    'oidc-role-trust-policy.json': oidcRoleTrustPolicy(config),
    'oidc-role-permission-policy.json': oidcRolePermissionPolicy(config),
    'oidc-role-ecr-push-policy.json': oidcRoleEcrPushPolicy(config),
    'upload-role-trust-policy.json': uploadRoleTrustPolicy(config),
    'upload-role-permission-policy.json': uploadRolePermissionPolicy(config),
  };
}
