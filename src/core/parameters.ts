/**
 * Every parameter once: its kind, help text, example, default and allowed values. The flag
 * parser, --help, the prompts, the checks and their messages, resolveConfig's defaults and the
 * generated `.projenrc.ts` all read this table, so none of them can drift from the others.
 */

export type ParameterKind = 'string' | 'list' | 'integer' | 'boolean' | 'choice';

interface ParameterSpec {
  readonly kind: ParameterKind;
  readonly description: string;
  readonly example: string;
  /** Asked for in a terminal when missing; an error naming the flag otherwise. */
  readonly required?: true;
  readonly choices?: readonly string[];
  /** The value when the parameter is not given. */
  readonly default?: string | number | boolean | readonly string[];
  /** How --help describes a default that is computed from other parameters. */
  readonly computedDefault?: string;
}

/** The table. Its order is the order of --help, of the checks' messages and of `.projenrc.ts`. */
export const PARAMETER_TABLE = {
  account: { kind: 'string', required: true, example: '111111111111', description: 'AWS account id (12 digits)' },
  region: { kind: 'string', required: true, example: 'ap-northeast-1', description: 'AWS region; decides the partition (aws, aws-cn, aws-us-gov)' },
  repo: { kind: 'string', required: true, example: 'acme/my-app', description: 'GitHub repository (owner/name) allowed to assume the OIDC role' },
  bucket: { kind: 'string', required: true, example: 'my-bucket', description: 'S3 bucket the build uploads to' },
  uploadAccount: {
    kind: 'string',
    example: '222222222222',
    computedDefault: 'the account',
    description: 'AWS account of role B and the bucket, when it is not role A\'s (one CloudFormation template per account)',
  },
  oidcRoleName: { kind: 'string', example: 'github-oidc-role', default: 'github-oidc-role', description: 'role A: assumed with GitHub OIDC; pushes to ECR and assumes role B' },
  uploadRoleName: { kind: 'string', example: 'upload-to-s3-role', default: 'upload-to-s3-role', description: 'role B: may only put objects under the prefix; handed to the build' },
  oidcRoleArn: {
    kind: 'string',
    example: 'arn:aws:iam::111111111111:role/platform-ci',
    description: 'an existing role A that another team owns: role B trusts it; neither it nor the OIDC provider is created',
  },
  prefix: { kind: 'string', example: 'site/v1', default: '', description: 'key prefix in the bucket; role B may write below it only' },
  kmsKeyArn: {
    kind: 'string',
    example: 'arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    description: "the bucket's SSE-KMS key: role B may use it through S3, for this bucket only",
  },
  ecrRepository: { kind: 'string', example: 'my-app', computedDefault: 'the repository name', description: 'ECR repository the image is pushed to' },
  branches: { kind: 'list', example: 'main,release', default: ['main'], description: 'branches whose pushes run the workflow and may assume role A (comma-separated)' },
  environments: { kind: 'list', example: 'production', default: [], description: 'GitHub environments that may assume role A instead of branches (comma-separated)' },
  ownerId: { kind: 'string', example: '123456', description: "numeric id of the repo's owner, for GitHub's immutable sub claims (repos created from 2026-07-15; looked up when missing)" },
  repoId: { kind: 'string', example: '789012', description: "numeric id of the repo, for GitHub's immutable sub claims" },
  subjectFormat: {
    kind: 'choice',
    choices: ['immutable', 'legacy'],
    example: 'legacy',
    computedDefault: 'immutable with --owner-id and --repo-id, else legacy',
    description: 'sub claims to trust: repo:owner@ID/name@ID or repo:owner/name (with ids, legacy also pins the numeric ids)',
  },
  subjects: { kind: 'list', example: 'repo:acme/my-app:ref:refs/heads/main', computedDefault: 'derived', description: 'OIDC sub claims to trust, replacing the derived ones (comma-separated)' },
  // Role B's credentials are taken before the build starts and must outlive it: as long as chaining allows.
  sessionDuration: { kind: 'integer', example: '3600', default: 3600, description: "role B's session in seconds, 900-3600 (chained sessions are capped at 1 h)" },
  sourceIdentity: {
    kind: 'boolean',
    example: 'false',
    default: true,
    description: "role B's session carries the run id and actor as its source identity, which CloudTrail records with every upload",
  },
  oidcIssuer: {
    kind: 'string',
    example: 'https://token.actions.githubusercontent.com/acme',
    computedDefault: 'https://token.actions.githubusercontent.com',
    description: "GitHub's OIDC issuer: github.com's, an enterprise's own (.../<enterprise>) or a GitHub Enterprise Server's",
  },
  ghesHost: {
    kind: 'string',
    example: 'github.example.com',
    description: 'GitHub Enterprise Server host: the issuer becomes https://<host>/_services/token, the job runs on self-hosted runners',
  },
  nodeVersion: { kind: 'string', example: '26', default: '26', description: 'Node.js major version of the image' },
  baseImage: { kind: 'string', example: 'node:26-slim', computedDefault: 'node:<node-version>-slim', description: 'base image of the Dockerfile (each FROM)' },
  uploadDir: { kind: 'string', example: 'dist', default: 'public', description: 'directory the build uploads' },
  partition: { kind: 'choice', choices: ['aws', 'aws-cn', 'aws-us-gov'], example: 'aws', computedDefault: 'from the region', description: 'AWS partition; must match the region' },
  actionPinning: { kind: 'choice', choices: ['sha', 'tag'], example: 'sha', default: 'sha', description: 'pin actions to release commit SHAs, or use version tags' },
  cloudformation: { kind: 'boolean', example: 'false', default: true, description: 'write the CloudFormation template; turn off when IAM is deployed from the iam/ documents another way' },
  oidcProvider: { kind: 'choice', choices: ['create', 'existing'], example: 'existing', default: 'create', description: "whether the CloudFormation template creates GitHub's OIDC provider or uses the account's" },
  createBucket: { kind: 'boolean', example: 'true', default: false, description: 'the CloudFormation template also creates the bucket' },
  createEcrRepository: { kind: 'boolean', example: 'true', default: true, description: 'the CloudFormation template also creates the ECR repository' },
  permissionsBoundary: {
    kind: 'string',
    example: 'arn:aws:iam::111111111111:policy/ci-boundary',
    description: 'managed policy set as the permissions boundary of every role the templates create',
  },
} as const satisfies Record<string, ParameterSpec>;

export type ParameterName = keyof typeof PARAMETER_TABLE;

export type Partition = (typeof PARAMETER_TABLE.partition.choices)[number];
export type ActionPinning = (typeof PARAMETER_TABLE.actionPinning.choices)[number];
export type OidcProviderMode = (typeof PARAMETER_TABLE.oidcProvider.choices)[number];
export type SubjectFormat = (typeof PARAMETER_TABLE.subjectFormat.choices)[number];

export interface ParameterDefinition extends ParameterSpec {
  readonly name: ParameterName;
  /** `--kebab-case` of the name. */
  readonly flag: string;
  /** How --help shows the default, or undefined when there is none. */
  readonly defaultText?: string;
}

export const PARAMETERS: readonly ParameterDefinition[] = (Object.entries(PARAMETER_TABLE) as [ParameterName, ParameterSpec][]).map(
  ([name, spec]) => ({ ...spec, name, flag: `--${kebab(name)}`, defaultText: spec.computedDefault ?? describeDefault(spec.default) }),
);

export const REQUIRED_PARAMETERS: readonly ParameterName[] = PARAMETERS.filter((p) => p.required).map((p) => p.name);

export function findParameter(name: ParameterName): ParameterDefinition {
  const found = PARAMETERS.find((p) => p.name === name);
  if (!found) throw new Error(`unknown parameter ${name}`);
  return found;
}

/** `--flag` of a parameter name, also for names that are not in the table (to quote them back). */
export function flagOf(name: string): string {
  return PARAMETERS.find((p) => p.name === name)?.flag ?? `--${kebab(name)}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function describeDefault(value: ParameterSpec['default']): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : '(none)';
  return value === '' ? '(none)' : String(value);
}
