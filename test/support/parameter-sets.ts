/**
 * Parameter sets shared by the tests, the audit of generated repos and the render-matrix
 * script: the seed article's own parameters, and a matrix that covers every partition, prefix
 * shape, trigger, subject form, pinning, optional resource and repo mode.
 */
import type { KeylessBuildOptions } from '../../src/core/config';

/** A KMS key id for the parameter sets with an SSE-KMS bucket. */
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** The seed article's parameters: account 111111111111, ap-northeast-1, acme/my-app, my-bucket. */
export const SEED: KeylessBuildOptions = { account: '111111111111', region: 'ap-northeast-1', repo: 'acme/my-app', bucket: 'my-bucket' };

/** The seed parameters as command-line flags. */
export const SEED_FLAGS: readonly string[] = Object.entries(SEED).flatMap(([name, value]) => [`--${name}`, String(value)]);

export interface ParameterSet {
  readonly name: string;
  readonly options: KeylessBuildOptions;
  /** Rendered as a projen repo (else plain, `--no-projen`). */
  readonly projen: boolean;
}

export const PARAMETER_SETS: readonly ParameterSet[] = [
  { name: 'seed', options: SEED, projen: true },
  {
    name: 'aws-cn-tag-pinned-environments-plain',
    options: { ...SEED, region: 'cn-north-1', bucket: 'cn-assets', prefix: 'site/v1', environments: ['production', 'staging'], actionPinning: 'tag' },
    projen: false,
  },
  {
    name: 'aws-us-gov-branches-bucket-existing-provider',
    options: { ...SEED, region: 'us-gov-west-1', branches: ['main', 'release/v2', 'hotfix/x'], createBucket: true, oidcProvider: 'existing', prefix: 'builds' },
    projen: true,
  },
  {
    name: 'aws-immutable-subjects-no-ecr-repository-plain',
    options: { ...SEED, region: 'us-east-1', repo: 'Example-Org/web.site', bucket: 'example.assets', ownerId: '4242', repoId: '987654321', createEcrRepository: false, sessionDuration: 900 },
    projen: false,
  },
  {
    name: 'aws-custom-subjects-no-push-tag-pinned',
    options: {
      ...SEED,
      region: 'eu-west-1',
      branches: [],
      subjects: ['repo:acme/my-app:ref:refs/tags/v*', 'repo:acme/my-app:environment:production'],
      actionPinning: 'tag',
      oidcRoleName: 'ci-oidc',
      uploadRoleName: 'ci-upload',
    },
    projen: true,
  },
  {
    name: 'aws-environments-custom-image-plain',
    options: {
      ...SEED,
      region: 'ap-southeast-2',
      branches: ['main', 'develop'],
      environments: ['prod'],
      prefix: 'a/b/c',
      ecrRepository: 'team/app',
      nodeVersion: '24',
      baseImage: 'public.ecr.aws/docker/library/node:24-slim',
      uploadDir: 'site/out',
    },
    projen: false,
  },
  {
    name: 'aws-cn-northwest-sha-bucket',
    options: { ...SEED, region: 'cn-northwest-1', bucket: 'cn-nw-bucket', branches: ['main', 'release/2026'], createBucket: true, prefix: 'releases/' },
    projen: true,
  },
  // Issue 19: the way platform teams own roles, accounts and keys.
  {
    name: 'aws-existing-oidc-role-prefix',
    options: { ...SEED, oidcRoleArn: 'arn:aws:iam::111111111111:role/platform/platform-ci', prefix: 'site' },
    projen: true,
  },
  {
    name: 'aws-cross-account-bucket-plain',
    options: { ...SEED, region: 'eu-central-1', uploadAccount: '222222222222', createBucket: true, prefix: 'builds' },
    projen: false,
  },
  {
    name: 'aws-sse-kms-bucket-legacy-pinned-ids',
    options: { ...SEED, kmsKeyArn: `arn:aws:kms:ap-northeast-1:111111111111:key/${KEY_ID}`, createBucket: true, ownerId: '4242', repoId: '987654321', subjectFormat: 'legacy' },
    projen: true,
  },
  {
    name: 'aws-us-gov-cross-account-kms-boundary',
    options: {
      ...SEED,
      region: 'us-gov-west-1',
      uploadAccount: '222222222222',
      kmsKeyArn: `arn:aws-us-gov:kms:us-gov-west-1:222222222222:key/${KEY_ID}`,
      permissionsBoundary: 'arn:aws-us-gov:iam::111111111111:policy/ci-boundary',
      createBucket: true,
    },
    projen: true,
  },
  {
    name: 'aws-enterprise-issuer-immutable-boundary-plain',
    options: { ...SEED, region: 'us-east-1', oidcIssuer: 'https://token.actions.githubusercontent.com/acme', ownerId: '4242', repoId: '987654321', permissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess' },
    projen: false,
  },
  {
    name: 'aws-ghes-environments',
    options: { ...SEED, region: 'eu-west-1', ghesHost: 'github.example.com', environments: ['production'] },
    projen: true,
  },
  {
    name: 'aws-cn-existing-role-cross-account-no-source-identity-plain',
    options: { ...SEED, region: 'cn-north-1', bucket: 'cn-assets', oidcRoleArn: 'arn:aws-cn:iam::111111111111:role/platform-ci', uploadAccount: '222222222222', createEcrRepository: false, sourceIdentity: false },
    projen: false,
  },
];
