import { PARAMETERS, findParameter, kebab, type ParameterName } from './parameters';
import { partitionOf, type Partition } from './partition';
import { MAX_CHAINED_SESSION_DURATION, MIN_SESSION_DURATION } from './constants';

/** What a user may set. Required: account, region, repo, bucket. */
export interface KeylessBuildOptions {
  /** AWS account id, 12 digits. */
  readonly account: string;
  /** AWS region, e.g. `ap-northeast-1`; decides the partition. */
  readonly region: string;
  /** GitHub repository, `owner/name`. */
  readonly repo: string;
  /** S3 bucket the build uploads to. */
  readonly bucket: string;
  /** Role A, assumed with GitHub's OIDC token. */
  readonly oidcRoleName?: string;
  /** Role B, PutObject-only, assumed from role A and handed to the build. */
  readonly uploadRoleName?: string;
  /** Key prefix in the bucket; role B may write below it only. */
  readonly prefix?: string;
  /** ECR repository the image is pushed to. */
  readonly ecrRepository?: string;
  /** Branches whose pushes run the workflow and may assume role A. */
  readonly branches?: readonly string[];
  /** GitHub environments that may assume role A (the job then runs in one of them). */
  readonly environments?: readonly string[];
  /** Numeric id of the repository's owner, for GitHub's immutable `sub` claims. */
  readonly ownerId?: string;
  /** Numeric id of the repository, for GitHub's immutable `sub` claims. */
  readonly repoId?: string;
  /** OIDC `sub` patterns to trust instead of the ones derived from branches/environments. */
  readonly subjects?: readonly string[];
  /** Lifetime of role B's session in seconds (900-3600: chained sessions are capped at 1 hour). */
  readonly sessionDuration?: number;
  /** Node.js major version of the image. */
  readonly nodeVersion?: string;
  /** Base image of the Dockerfile (its `NODE_IMAGE` build arg default). */
  readonly baseImage?: string;
  /** Directory whose files the build uploads, relative to the repo root. */
  readonly uploadDir?: string;
  /** AWS partition; derived from the region when not set, and must agree with it when set. */
  readonly partition?: Partition;
  /** `sha` pins each action to its release's commit (version in a comment); `tag` uses the version tag. */
  readonly actionPinning?: ActionPinning;
  /** Whether to write the CloudFormation template; off when the `iam/` documents are deployed another way. */
  readonly cloudformation?: boolean;
  /** `create` adds GitHub's OIDC provider to the CloudFormation template; `existing` uses the account's. */
  readonly oidcProvider?: OidcProviderMode;
  /** Whether the CloudFormation template also creates the bucket. */
  readonly createBucket?: boolean;
  /** Whether the CloudFormation template also creates the ECR repository. */
  readonly createEcrRepository?: boolean;
}

export type ActionPinning = 'sha' | 'tag';
export type OidcProviderMode = 'create' | 'existing';

/** Options with every default applied and every rule checked. */
export interface KeylessBuildConfig {
  readonly account: string;
  readonly region: string;
  readonly partition: Partition;
  readonly repo: string;
  readonly owner: string;
  readonly repoName: string;
  readonly bucket: string;
  readonly oidcRoleName: string;
  readonly uploadRoleName: string;
  /** Empty, or ends with `/`. */
  readonly prefix: string;
  readonly ecrRepository: string;
  readonly branches: readonly string[];
  readonly environments: readonly string[];
  readonly ownerId?: string;
  readonly repoId?: string;
  readonly subjects: readonly string[];
  readonly sessionDuration: number;
  readonly nodeVersion: string;
  readonly baseImage: string;
  readonly uploadDir: string;
  readonly actionPinning: ActionPinning;
  readonly cloudformation: boolean;
  readonly oidcProvider: OidcProviderMode;
  readonly createBucket: boolean;
  readonly createEcrRepository: boolean;
}

/** One broken rule: which parameter, what it was, what the rule is, how to fix it. */
export interface ConfigIssue {
  readonly parameter: ParameterName;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const flag = PARAMETERS.find((p) => p.name === issue.parameter)?.flag ?? `--${kebab(issue.parameter)}`;
  const shown = issue.value === undefined ? 'missing' : JSON.stringify(issue.value);
  return `${issue.parameter} (${flag}) = ${shown}: ${issue.rule}. Fix: ${issue.fix}.`;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return [`${issues.length} configuration ${noun}:`, ...issues.map((i) => `  - ${formatIssue(i)}`)].join('\n');
}

export const DEFAULTS = {
  oidcRoleName: 'github-oidc-role',
  uploadRoleName: 'upload-to-s3-role',
  prefix: '',
  branches: ['main'],
  environments: [],
  // Role B's credentials are taken before the build starts and must outlive it: as long as chaining allows.
  sessionDuration: 3600,
  nodeVersion: '26',
  uploadDir: 'public',
  actionPinning: 'sha',
  cloudformation: true,
  oidcProvider: 'create',
  createBucket: false,
  createEcrRepository: true,
} as const;

export const REQUIRED_PARAMETERS = ['account', 'region', 'repo', 'bucket'] as const;

const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ENVIRONMENT = /^[A-Za-z0-9 _.-]{1,255}$/;
const NUMERIC_ID = /^[1-9]\d{0,19}$/;
const NODE_VERSION = /^\d{2,}$/;
// An image reference: [registry/]path[:tag][@digest]; no spaces, quotes or expressions.
const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:]*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
// Printable ASCII without the characters that could change a YAML, JSON, shell or Dockerfile line.
const SAFE_PATH_CHARS = /^[A-Za-z0-9._\-/]+$/;

/**
 * Applies defaults and checks every rule. Reports all broken rules at once.
 * @throws ConfigError listing each problem with its fix.
 */
export function resolveConfig(options: KeylessBuildOptions): KeylessBuildConfig {
  const issues: ConfigIssue[] = [];
  const report = (parameter: ParameterName, value: unknown, rule: string, fix: string) =>
    issues.push({ parameter, value, rule, fix });

  for (const name of REQUIRED_PARAMETERS) {
    const value = options[name];
    if (value === undefined || value === null || value === '') {
      const { flag, example } = findParameter(name);
      report(name, undefined, 'is required', `pass ${flag} ${example}`);
    }
  }
  const issuesBeforeTypes = issues.length;
  for (const [name, value] of Object.entries(options)) {
    const parameter = PARAMETERS.find((p) => p.name === name);
    if (!parameter) {
      const known = PARAMETERS.map((p) => p.name);
      const close = known.find((k) => k.toLowerCase() === name.toLowerCase().replace(/[-_]/g, ''));
      report(name as ParameterName, value, 'is not a keyless-build parameter', close ? `did you mean ${close}?` : `use one of ${known.join(', ')}`);
      continue;
    }
    if (value === undefined) continue;
    const typeProblem = wrongType(parameter.kind, value);
    if (typeProblem) {
      report(parameter.name, value, typeProblem, `pass e.g. ${parameter.kind === 'list' ? `["${parameter.example}"]` : parameter.example}`);
      continue;
    }
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === 'string' && /[\u0000-\u001f\u007f]/.test(text))) {
      report(parameter.name, value, 'contains a control character (newline, tab, ...)', 'remove it');
    }
  }
  // The rules below read values as the types they should be: stop here when one is not.
  if (issues.length > issuesBeforeTypes) throw new ConfigError(issues);

  const account = text(options.account);
  if (account && !/^\d{12}$/.test(account)) {
    report('account', account, 'must be exactly 12 digits', 'use the 12-digit account id, e.g. 111111111111 (keep leading zeros)');
  }

  const region = text(options.region);
  let partition: Partition | undefined;
  if (region) {
    if (!REGION.test(region)) {
      report('region', region, 'is not an AWS region name', 'use a region code such as ap-northeast-1, us-east-1 or cn-north-1');
    } else {
      partition = partitionOf(region);
      if (!partition) {
        report('region', region, 'is in a partition keyless-build does not support (GitHub OIDC reaches aws, aws-cn and aws-us-gov only)', 'use a region of the aws, aws-cn or aws-us-gov partition');
      } else if (options.partition !== undefined && options.partition !== partition) {
        report('partition', options.partition, `does not match region ${region}, which is in partition ${partition}`, `omit --partition or set it to ${partition}`);
      }
    }
  }
  if (options.partition !== undefined && !['aws', 'aws-cn', 'aws-us-gov'].includes(options.partition)) {
    report('partition', options.partition, 'must be aws, aws-cn or aws-us-gov', 'omit it: it is derived from the region');
  }

  const repo = text(options.repo);
  let owner = '';
  let repoName = '';
  if (repo) {
    const parts = repo.split('/');
    if (parts.length !== 2) {
      report('repo', repo, 'must be owner/name', 'use the GitHub repository as owner/name, e.g. acme/my-app');
    } else {
      [owner, repoName] = parts as [string, string];
      if (!GITHUB_OWNER.test(owner)) {
        report('repo', repo, `owner "${owner}" is not a GitHub user or organisation name (1-39 letters, digits or single hyphens, not at either end)`, 'correct the owner part');
      }
      if (!GITHUB_REPO_NAME.test(repoName) || repoName === '.' || repoName === '..') {
        report('repo', repo, `name "${repoName}" is not a GitHub repository name (1-100 of letters, digits, ".", "-", "_")`, 'correct the name part');
      }
    }
  }

  const bucket = text(options.bucket);
  if (bucket) {
    for (const problem of bucketNameProblems(bucket)) {
      report('bucket', bucket, problem, 'choose a bucket name of 3-63 lowercase letters, digits, dots and hyphens, e.g. my-app-assets');
    }
  }

  const oidcRoleName = text(options.oidcRoleName) ?? DEFAULTS.oidcRoleName;
  const uploadRoleName = text(options.uploadRoleName) ?? DEFAULTS.uploadRoleName;
  for (const [name, value] of [['oidcRoleName', oidcRoleName], ['uploadRoleName', uploadRoleName]] as const) {
    if (!IAM_ROLE_NAME.test(value)) {
      report(name, value, 'is not an IAM role name (1-64 of letters, digits and + = , . @ _ -)', 'use e.g. github-oidc-role');
    }
  }
  if (oidcRoleName === uploadRoleName) {
    report('uploadRoleName', uploadRoleName, 'must differ from oidcRoleName: the pattern needs two roles', 'pick another name, e.g. upload-to-s3-role');
  }

  const rawPrefix = text(options.prefix) ?? DEFAULTS.prefix;
  if (rawPrefix.startsWith('/')) {
    report('prefix', rawPrefix, 'must not start with "/" (S3 keys would start with an empty segment)', `use ${JSON.stringify(rawPrefix.replace(/^\/+/, ''))}`);
  } else if (rawPrefix && !SAFE_PATH_CHARS.test(rawPrefix)) {
    report('prefix', rawPrefix, 'may contain only letters, digits and . _ - /', 'remove the other characters');
  } else if (rawPrefix.split('/').some((segment) => segment === '.' || segment === '..') || rawPrefix.includes('//')) {
    report('prefix', rawPrefix, 'must not contain ".", ".." or empty path segments', 'use plain segments such as site/v1');
  } else if (rawPrefix.length > 512) {
    report('prefix', rawPrefix, 'is longer than 512 characters', 'shorten it');
  }
  const prefix = rawPrefix && !rawPrefix.endsWith('/') ? `${rawPrefix}/` : rawPrefix;

  const ecrRepository = text(options.ecrRepository) ?? repoName.toLowerCase();
  if (text(options.ecrRepository) !== undefined || repoName) {
    if (ecrRepository.length < 2 || ecrRepository.length > 256 || !ECR_REPOSITORY.test(ecrRepository)) {
      const derived = text(options.ecrRepository) === undefined ? `, derived from repo ${repo}` : '';
      report('ecrRepository', ecrRepository, `is not an ECR repository name (2-256 lowercase letters, digits, and . _ - / between them)${derived}`, 'pass --ecr-repository with e.g. my-app');
    }
  }

  const branches = list(options.branches) ?? [...DEFAULTS.branches];
  if (branches.length === 0 && !list(options.environments)?.length && !list(options.subjects)?.length) {
    report('branches', branches, 'is empty, and no environments or subjects are set: nothing could assume the OIDC role', 'name at least one branch, e.g. main');
  }
  for (const branch of branches) {
    const problem = branchNameProblem(branch);
    if (problem) report('branches', branch, problem, 'use a git branch name such as main or release/v1');
  }

  const environments = list(options.environments) ?? [...DEFAULTS.environments];
  for (const environment of environments) {
    if (!ENVIRONMENT.test(environment) || environment.trim() !== environment) {
      report('environments', environment, 'is not a GitHub environment name (1-255 letters, digits, spaces, . _ -; no leading or trailing space)', 'use e.g. production');
    }
  }

  const ownerId = text(options.ownerId);
  const repoId = text(options.repoId);
  for (const [name, value] of [['ownerId', ownerId], ['repoId', repoId]] as const) {
    if (value !== undefined && !NUMERIC_ID.test(value)) {
      report(name, value, 'must be a numeric GitHub id', 'find it with: gh api repos/OWNER/REPO --jq ".owner.id, .id"');
    }
  }
  if ((ownerId === undefined) !== (repoId === undefined)) {
    const missing = ownerId === undefined ? 'ownerId' : 'repoId';
    report(missing, undefined, 'immutable subject claims need both ownerId and repoId', 'pass both --owner-id and --repo-id, or neither');
  }

  const customSubjects = list(options.subjects);
  for (const subject of customSubjects ?? []) {
    const problem = subjectProblem(subject);
    if (problem) report('subjects', subject, problem, 'use a full claim such as repo:acme/my-app:ref:refs/heads/main');
  }

  const sessionDuration = options.sessionDuration ?? DEFAULTS.sessionDuration;
  if (!Number.isInteger(sessionDuration) || sessionDuration < MIN_SESSION_DURATION || sessionDuration > MAX_CHAINED_SESSION_DURATION) {
    report(
      'sessionDuration',
      options.sessionDuration,
      `must be a whole number of seconds from ${MIN_SESSION_DURATION} to ${MAX_CHAINED_SESSION_DURATION}: AWS caps role-chained sessions at 1 hour`,
      `use ${MAX_CHAINED_SESSION_DURATION} (the default) or less`,
    );
  }

  const nodeVersion = text(options.nodeVersion) ?? DEFAULTS.nodeVersion;
  if (!NODE_VERSION.test(nodeVersion)) {
    report('nodeVersion', nodeVersion, 'must be a Node.js major version', 'use e.g. 26');
  } else if (Number(nodeVersion) < 22) {
    report('nodeVersion', nodeVersion, 'is older than Node.js 22, which the upload script needs', 'use 22 or later (26 is the current LTS)');
  }
  const baseImage = text(options.baseImage) ?? `node:${nodeVersion}-slim`;
  if (text(options.baseImage) !== undefined && (!IMAGE_REFERENCE.test(baseImage) || baseImage.length > 255)) {
    report('baseImage', baseImage, 'is not an image reference', 'use e.g. node:26-slim or public.ecr.aws/docker/library/node:26-slim');
  } else if (text(options.baseImage) !== undefined && !hasVersionTagOrDigest(baseImage)) {
    // An untagged or :latest base changes under the build without notice.
    report('baseImage', baseImage, 'names no version tag or digest (or uses latest)', 'add a version tag, e.g. node:26-slim, or a digest @sha256:...');
  }

  const uploadDir = text(options.uploadDir) ?? DEFAULTS.uploadDir;
  if (!SAFE_PATH_CHARS.test(uploadDir) || uploadDir.startsWith('/') || uploadDir.split('/').some((s) => s === '..' || s === '')) {
    report('uploadDir', uploadDir, 'must be a relative path inside the repo of letters, digits and . _ - /', 'use e.g. public or dist');
  }

  const actionPinning = options.actionPinning ?? DEFAULTS.actionPinning;
  if (!['sha', 'tag'].includes(actionPinning)) {
    report('actionPinning', actionPinning, 'must be sha or tag', 'use sha (the default) to pin actions to commit SHAs');
  }
  const oidcProvider = options.oidcProvider ?? DEFAULTS.oidcProvider;
  if (!['create', 'existing'].includes(oidcProvider)) {
    report('oidcProvider', oidcProvider, 'must be create or existing', 'use existing when the account already has the GitHub OIDC provider');
  }

  const cloudformation = options.cloudformation ?? DEFAULTS.cloudformation;
  if (!cloudformation) {
    for (const name of ['oidcProvider', 'createBucket', 'createEcrRepository'] as const) {
      if (options[name] !== undefined) {
        report(name, options[name], 'only shapes the CloudFormation template, which cloudformation: false turns off', `remove ${findParameter(name).flag}, or set cloudformation to true`);
      }
    }
  }

  if (issues.length > 0) throw new ConfigError(issues);

  const subjects =
    customSubjects ??
    deriveSubjects({ owner, repoName, ownerId, repoId, branches, environments });

  return {
    account: account!,
    region: region!,
    partition: partition!,
    repo: repo!,
    owner,
    repoName,
    bucket: bucket!,
    oidcRoleName,
    uploadRoleName,
    prefix,
    ecrRepository,
    branches,
    environments,
    ownerId,
    repoId,
    subjects,
    sessionDuration,
    nodeVersion,
    baseImage,
    uploadDir: uploadDir.replace(/\/+$/, ''),
    actionPinning,
    cloudformation,
    oidcProvider,
    createBucket: options.createBucket ?? DEFAULTS.createBucket,
    createEcrRepository: options.createEcrRepository ?? DEFAULTS.createEcrRepository,
  };
}

/**
 * The `sub` claims GitHub puts in the OIDC token of this repo's runs: a push to an allowed
 * branch, or a job in an allowed environment. With ids, the immutable form `owner@id/name@id`.
 */
function deriveSubjects(input: {
  owner: string;
  repoName: string;
  ownerId?: string;
  repoId?: string;
  branches: readonly string[];
  environments: readonly string[];
}): string[] {
  const repoPart =
    input.ownerId && input.repoId
      ? `${input.owner}@${input.ownerId}/${input.repoName}@${input.repoId}`
      : `${input.owner}/${input.repoName}`;
  // A job that names an environment gets the environment claim instead of the ref claim.
  if (input.environments.length > 0) {
    return input.environments.map((environment) => `repo:${repoPart}:environment:${environment}`);
  }
  return input.branches.map((branch) => `repo:${repoPart}:ref:refs/heads/${branch}`);
}

function bucketNameProblems(bucket: string): string[] {
  const problems: string[] = [];
  if (bucket.length < 3 || bucket.length > 63) problems.push(`must be 3-63 characters long (it has ${bucket.length})`);
  if (!/^[a-z0-9.-]*$/.test(bucket)) problems.push('may contain only lowercase letters, digits, dots and hyphens');
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) problems.push('must start and end with a lowercase letter or digit');
  if (bucket.includes('..')) problems.push('must not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) problems.push('must not be formatted as an IP address');
  for (const reserved of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (bucket.startsWith(reserved)) problems.push(`must not start with the reserved prefix ${reserved}`);
  }
  for (const reserved of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (bucket.endsWith(reserved)) problems.push(`must not end with the reserved suffix ${reserved}`);
  }
  return problems;
}

/** git check-ref-format rules, plus no wildcard: the name goes into a trust-policy condition. */
function branchNameProblem(branch: string): string | undefined {
  if (branch.length === 0 || branch.length > 255) return 'must be 1-255 characters long';
  if (/[\s~^:?*[\\\u007f]/.test(branch)) return 'must not contain spaces or any of ~ ^ : ? * [ \\';
  if (/[\u0000-\u001f]/.test(branch)) return 'must not contain control characters';
  if (branch.startsWith('/') || branch.endsWith('/') || branch.includes('//')) return 'must not start or end with "/" or contain "//"';
  if (branch.startsWith('-')) return 'must not start with "-"';
  if (branch.includes('..') || branch.includes('@{') || branch === '@') return 'must not contain "..", "@{" or be "@"';
  if (branch.endsWith('.') || branch.endsWith('.lock') || branch.split('/').some((s) => s.startsWith('.'))) {
    return 'no path segment may start with "." and the name must not end with "." or ".lock"';
  }
  if (/["'`$#{}]/.test(branch)) return 'must not contain quotes, "$", "#" or braces';
  return undefined;
}

function subjectProblem(subject: string): string | undefined {
  const match = /^repo:([^:]+):(.+)$/.exec(subject);
  if (!match) return 'must have the form repo:OWNER/NAME:CONTEXT';
  const [, repoPart, context] = match as unknown as [string, string, string];
  if (repoPart.includes('*') || repoPart.includes('?')) return 'must not use a wildcard in the repository part: any repository could match';
  if (!/^[\w.@-]+\/[\w.@-]+$/.test(repoPart)) return 'repository part must be OWNER/NAME (or OWNER@ID/NAME@ID)';
  if (/^[*?]+$/.test(context)) return 'must not allow every workflow of the repository with a bare wildcard';
  if (!/^[\w./:@*?-]+$/.test(context)) return 'may contain only letters, digits and . / : @ * ? _ -';
  return undefined;
}

function hasVersionTagOrDigest(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  // The tag follows the last ':' after the last '/' (a registry's :port comes before a '/').
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon > 0 && lastSegment.slice(colon + 1) !== 'latest';
}

function wrongType(kind: string, value: unknown): string | undefined {
  switch (kind) {
    case 'list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'must be a list of strings';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'integer':
      // Non-numbers get the range rule's own, more useful message.
      return undefined;
    default:
      return typeof value === 'string' ? undefined : 'must be a string';
  }
}

function text(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function list(value: readonly string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : [...value];
}
