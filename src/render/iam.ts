import type { KeylessBuildConfig } from '../core/config';
import { HAND_OVER_FILE } from '../core/constants';
import { hasRepositoryIdKeys } from '../core/issuer';
import { dnsSuffix, stsAudience } from '../core/partition';

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

/** GitHub's OIDC provider in role A's account; IAM names it by its URL without `https://`. */
export function oidcProviderArn(config: KeylessBuildConfig): string {
  return `arn:${config.partition}:iam::${config.account}:oidc-provider/${config.issuer.name}`;
}

/** The bucket's ARN (S3 ARNs name no account or region). */
export function bucketArn(config: KeylessBuildConfig): string {
  return `arn:${config.partition}:s3:::${config.bucket}`;
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
  const key = (claim: string) => `${config.issuer.name}:${claim}`;
  const audience: Record<string, string> = { [key('aud')]: stsAudience(config.partition) };
  // The numeric ids never pass to another repository, whatever the names become; AWS documents
  // them as keys of github.com's issuer (reference_policies_iam-condition-keys.html#condition-keys-wif).
  if (config.ownerId && config.repoId && hasRepositoryIdKeys(config.issuer)) {
    audience[key('repository_owner_id')] = config.ownerId;
    audience[key('repository_id')] = config.repoId;
  }
  const subject = { [key('sub')]: subjects };
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

/**
 * What role A does to role B through STS: assume it, and with a source identity set it on the
 * session. A caller needs sts:SetSourceIdentity in its own policy and in the role's trust
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
 */
function chainActions(config: KeylessBuildConfig): string | string[] {
  return config.sourceIdentity ? ['sts:AssumeRole', 'sts:SetSourceIdentity'] : 'sts:AssumeRole';
}

/**
 * Role A may assume role B and nothing else through STS. When role A belongs to someone else,
 * this is the one statement its owners add (`iam/for-oidc-role-owners.json`).
 */
export function oidcRolePermissionPolicy(config: KeylessBuildConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumeUploadRole', Effect: 'Allow', Action: chainActions(config), Resource: config.uploadRoleArn }],
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
        Principal: { AWS: config.oidcRoleArn },
        Action: chainActions(config),
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
      ...(config.kmsKeyArn ? [bucketKeyStatement(config, config.kmsKeyArn)] : []),
    ],
  };
}

/**
 * An SSE-KMS bucket: S3 asks KMS for a data key on each put (GenerateDataKey) and decrypts it to
 * complete a multipart upload (Decrypt)
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
 * Only through S3 in the bucket's region (kms:ViaService,
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service),
 * and only for this bucket: S3's encryption context `aws:s3:arn` is the object's ARN, or the
 * bucket's with S3 Bucket Keys on
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
 */
function bucketKeyStatement(config: KeylessBuildConfig, key: string): PolicyStatement {
  return {
    Sid: 'UseBucketKeyThroughS3',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: key,
    Condition: {
      StringEquals: { 'kms:ViaService': `s3.${config.region}.${dnsSuffix(config.partition)}` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn(config), uploadObjectsArn(config)] },
    },
  };
}

/**
 * The IAM documents, by the file name they are written under in `iam/`. With an existing role A,
 * its trust and permission policy are its owners' business: they get the one statement to add
 * (HAND_OVER_FILE), and the ECR push policy stays as a reference of what role A must be able to do.
 */
export function iamDocuments(config: KeylessBuildConfig): Record<string, PolicyDocument> {
  return {
    ...(config.existingOidcRole
      ? { [HAND_OVER_FILE]: oidcRolePermissionPolicy(config) }
      : { 'oidc-role-trust-policy.json': oidcRoleTrustPolicy(config), 'oidc-role-permission-policy.json': oidcRolePermissionPolicy(config) }),
    'oidc-role-ecr-push-policy.json': oidcRoleEcrPushPolicy(config),
    'upload-role-trust-policy.json': uploadRoleTrustPolicy(config),
    'upload-role-permission-policy.json': uploadRolePermissionPolicy(config),
  };
}
