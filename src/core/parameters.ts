/**
 * Every parameter once: its flag, how the CLI reads it, the help text and an example.
 * The CLI's parser and --help, the prompts, the error messages and the generated
 * `.projenrc.ts` all read this table, so they cannot drift apart.
 */

export type ParameterKind = 'string' | 'list' | 'integer' | 'boolean' | 'choice';

export interface ParameterDefinition {
  readonly name: ParameterName;
  readonly flag: string;
  readonly kind: ParameterKind;
  readonly description: string;
  readonly example: string;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** Shown in --help; the real defaults live in config.ts. */
  readonly defaultText?: string;
}

export type ParameterName =
  | 'account'
  | 'region'
  | 'repo'
  | 'bucket'
  | 'oidcRoleName'
  | 'uploadRoleName'
  | 'prefix'
  | 'ecrRepository'
  | 'branches'
  | 'environments'
  | 'ownerId'
  | 'repoId'
  | 'subjects'
  | 'sessionDuration'
  | 'nodeVersion'
  | 'baseImage'
  | 'uploadDir'
  | 'partition'
  | 'actionPinning'
  | 'cloudformation'
  | 'oidcProvider'
  | 'createBucket'
  | 'createEcrRepository';

const definitions: readonly Omit<ParameterDefinition, 'flag'>[] = [
  { name: 'account', kind: 'string', required: true, example: '111111111111', description: 'AWS account id (12 digits)' },
  { name: 'region', kind: 'string', required: true, example: 'ap-northeast-1', description: 'AWS region; decides the partition (aws, aws-cn, aws-us-gov)' },
  { name: 'repo', kind: 'string', required: true, example: 'acme/my-app', description: 'GitHub repository (owner/name) allowed to assume the OIDC role' },
  { name: 'bucket', kind: 'string', required: true, example: 'my-bucket', description: 'S3 bucket the build uploads to' },
  { name: 'oidcRoleName', kind: 'string', example: 'github-oidc-role', defaultText: 'github-oidc-role', description: 'role A: assumed with GitHub OIDC; pushes to ECR and assumes role B' },
  { name: 'uploadRoleName', kind: 'string', example: 'upload-to-s3-role', defaultText: 'upload-to-s3-role', description: 'role B: may only put objects under the prefix; handed to the build' },
  { name: 'prefix', kind: 'string', example: 'site/v1', defaultText: '(none)', description: 'key prefix in the bucket; role B may write below it only' },
  { name: 'ecrRepository', kind: 'string', example: 'my-app', defaultText: 'the repository name', description: 'ECR repository the image is pushed to' },
  { name: 'branches', kind: 'list', example: 'main,release', defaultText: 'main', description: 'branches whose pushes run the workflow and may assume role A (comma-separated)' },
  { name: 'environments', kind: 'list', example: 'production', defaultText: '(none)', description: 'GitHub environments that may assume role A instead of branches (comma-separated)' },
  { name: 'ownerId', kind: 'string', example: '123456', description: "numeric id of the repo's owner, for GitHub's immutable sub claims (repos created from 2026-07-15)" },
  { name: 'repoId', kind: 'string', example: '789012', description: "numeric id of the repo, for GitHub's immutable sub claims" },
  { name: 'subjects', kind: 'list', example: 'repo:acme/my-app:ref:refs/heads/main', defaultText: 'derived', description: 'OIDC sub claims to trust, replacing the derived ones (comma-separated)' },
  { name: 'sessionDuration', kind: 'integer', example: '3600', defaultText: '3600', description: "role B's session in seconds, 900-3600 (chained sessions are capped at 1 h)" },
  { name: 'nodeVersion', kind: 'string', example: '26', defaultText: '26', description: 'Node.js major version of the image' },
  { name: 'baseImage', kind: 'string', example: 'node:26-slim', defaultText: 'node:<node-version>-slim', description: 'default base image (the NODE_IMAGE build arg)' },
  { name: 'uploadDir', kind: 'string', example: 'dist', defaultText: 'public', description: 'directory the build uploads' },
  { name: 'partition', kind: 'choice', choices: ['aws', 'aws-cn', 'aws-us-gov'], example: 'aws', defaultText: 'from the region', description: 'AWS partition; must match the region' },
  { name: 'actionPinning', kind: 'choice', choices: ['sha', 'tag'], example: 'sha', defaultText: 'sha', description: 'pin actions to release commit SHAs, or use version tags' },
  { name: 'cloudformation', kind: 'boolean', example: 'false', defaultText: 'true', description: 'write the CloudFormation template; turn off when IAM is deployed from the iam/ documents another way' },
  { name: 'oidcProvider', kind: 'choice', choices: ['create', 'existing'], example: 'existing', defaultText: 'create', description: "whether the CloudFormation template creates GitHub's OIDC provider or uses the account's" },
  { name: 'createBucket', kind: 'boolean', example: 'true', defaultText: 'false', description: 'the CloudFormation template also creates the bucket' },
  { name: 'createEcrRepository', kind: 'boolean', example: 'true', defaultText: 'true', description: 'the CloudFormation template also creates the ECR repository' },
];

export const PARAMETERS: readonly ParameterDefinition[] = definitions.map((d) => ({ ...d, flag: `--${kebab(d.name)}` }));

export function findParameter(name: ParameterName): ParameterDefinition {
  const found = PARAMETERS.find((p) => p.name === name);
  if (!found) throw new Error(`unknown parameter ${name}`);
  return found;
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
