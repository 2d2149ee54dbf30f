/**
 * The rules of the parameters, one small function per family. Each reports every problem it
 * finds (parameter, value, rule, fix) and returns the value resolveConfig keeps.
 */
import { MAX_CHAINED_SESSION_DURATION, MIN_SESSION_DURATION } from './constants';
import { PARAMETERS, PARAMETER_TABLE, findParameter, type ParameterDefinition, type ParameterName, type Partition } from './parameters';
import type { GitHubIssuer } from './issuer';
import { partitionOf } from './partition';
import { subjectParameterProblem } from './subjects';

export type Report = (parameter: ParameterName, value: unknown, rule: string, fix: string) => void;

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
 * What the table alone decides: required parameters, unknown names, value types, control
 * characters. @returns false when a value has the wrong type, so that no other rule may run.
 */
export function shape(options: Record<string, unknown>, report: Report): boolean {
  for (const parameter of PARAMETERS.filter((p) => p.required)) {
    const value = options[parameter.name];
    if (value === undefined || value === null || value === '') report(parameter.name, undefined, 'is required', `pass ${parameter.flag} ${parameter.example}`);
  }
  let sound = true;
  for (const [name, value] of Object.entries(options)) {
    const parameter = PARAMETERS.find((p) => p.name === name);
    if (!parameter) {
      const close = PARAMETERS.find((p) => p.name.toLowerCase() === name.toLowerCase().replace(/[-_]/g, ''));
      report(name as ParameterName, value, 'is not a keyless-build parameter', close ? `did you mean ${close.name}?` : `use one of ${PARAMETERS.map((p) => p.name).join(', ')}`);
      sound = false;
      continue;
    }
    if (value === undefined) continue;
    const typeProblem = wrongType(parameter, value);
    if (typeProblem) {
      report(parameter.name, value, typeProblem, `pass e.g. ${parameter.kind === 'list' ? `["${parameter.example}"]` : parameter.example}`);
      sound = false;
      continue;
    }
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === 'string' && /[\u0000-\u001f\u007f]/.test(text))) {
      report(parameter.name, value, 'contains a control character (newline, tab, ...)', 'remove it');
      sound = false;
    }
  }
  return sound;
}

function wrongType(parameter: ParameterDefinition, value: unknown): string | undefined {
  switch (parameter.kind) {
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

/** A choice parameter's value is one of its choices. */
export function choices(options: Record<string, unknown>, report: Report): void {
  for (const parameter of PARAMETERS.filter((p) => p.choices)) {
    const value = options[parameter.name];
    if (value === undefined || parameter.choices!.includes(value as string)) continue;
    const list = `${parameter.choices!.slice(0, -1).join(', ')} or ${parameter.choices!.at(-1)}`;
    const fallback = parameter.defaultText ? `omit it (default: ${parameter.defaultText}), or use ${list}` : `use ${list}`;
    report(parameter.name, value, `must be ${list}`, fallback);
  }
}

export function account(value: string | undefined, report: Report): void {
  if (value && !/^\d{12}$/.test(value)) {
    report('account', value, 'must be exactly 12 digits', 'use the 12-digit account id, e.g. 111111111111 (keep leading zeros)');
  }
}

/** @returns the region's partition, when the region is valid. */
export function region(value: string | undefined, partitionGiven: string | undefined, report: Report): Partition | undefined {
  if (!value) return undefined;
  if (!REGION.test(value)) {
    report('region', value, 'is not an AWS region name', 'use a region code such as ap-northeast-1, us-east-1 or cn-north-1');
    return undefined;
  }
  const partition = partitionOf(value);
  if (!partition) {
    report('region', value, 'is in a partition keyless-build does not support (GitHub OIDC reaches aws, aws-cn and aws-us-gov only)', 'use a region of the aws, aws-cn or aws-us-gov partition');
  } else if (partitionGiven !== undefined && partitionGiven !== partition) {
    report('partition', partitionGiven, `does not match region ${value}, which is in partition ${partition}`, `omit --partition or set it to ${partition}`);
  }
  return partition;
}

export function repo(value: string | undefined, report: Report): { owner: string; repoName: string } {
  if (!value) return { owner: '', repoName: '' };
  const parts = value.split('/');
  if (parts.length !== 2) {
    report('repo', value, 'must be owner/name', 'use the GitHub repository as owner/name, e.g. acme/my-app');
    return { owner: '', repoName: '' };
  }
  const [owner, repoName] = parts as [string, string];
  if (!GITHUB_OWNER.test(owner)) {
    report('repo', value, `owner "${owner}" is not a GitHub user or organisation name (1-39 letters, digits or single hyphens, not at either end)`, 'correct the owner part');
  }
  if (!GITHUB_REPO_NAME.test(repoName) || repoName === '.' || repoName === '..') {
    report('repo', value, `name "${repoName}" is not a GitHub repository name (1-100 of letters, digits, ".", "-", "_")`, 'correct the name part');
  }
  return { owner, repoName };
}

export function bucket(value: string | undefined, report: Report): void {
  if (!value) return;
  const problems: string[] = [];
  if (value.length < 3 || value.length > 63) problems.push(`must be 3-63 characters long (it has ${value.length})`);
  if (!/^[a-z0-9.-]*$/.test(value)) problems.push('may contain only lowercase letters, digits, dots and hyphens');
  if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value)) problems.push('must start and end with a lowercase letter or digit');
  if (value.includes('..')) problems.push('must not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) problems.push('must not be formatted as an IP address');
  for (const reserved of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (value.startsWith(reserved)) problems.push(`must not start with the reserved prefix ${reserved}`);
  }
  for (const reserved of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (value.endsWith(reserved)) problems.push(`must not end with the reserved suffix ${reserved}`);
  }
  for (const problem of problems) {
    report('bucket', value, problem, 'choose a bucket name of 3-63 lowercase letters, digits, dots and hyphens, e.g. my-app-assets');
  }
}

export function roleNames(oidcRoleName: string, uploadRoleName: string, sameAccount: boolean, report: Report): { oidcRoleName: string; uploadRoleName: string } {
  for (const [name, value] of [['oidcRoleName', oidcRoleName], ['uploadRoleName', uploadRoleName]] as const) {
    if (!IAM_ROLE_NAME.test(value)) {
      report(name, value, 'is not an IAM role name (1-64 of letters, digits and + = , . @ _ -)', 'use e.g. github-oidc-role');
    }
  }
  if (oidcRoleName === uploadRoleName && sameAccount) {
    report('uploadRoleName', uploadRoleName, 'must differ from oidcRoleName (or from the name in oidcRoleArn): the pattern needs two roles', 'pick another name, e.g. upload-to-s3-role');
  }
  return { oidcRoleName, uploadRoleName };
}

/** @returns the prefix, empty or ending with `/`. */
export function prefix(value: string, report: Report): string {
  if (value.startsWith('/')) {
    report('prefix', value, 'must not start with "/" (S3 keys would start with an empty segment)', `use ${JSON.stringify(value.replace(/^\/+/, ''))}`);
  } else if (value && !SAFE_PATH_CHARS.test(value)) {
    report('prefix', value, 'may contain only letters, digits and . _ - /', 'remove the other characters');
  } else if (value.split('/').some((segment) => segment === '.' || segment === '..') || value.includes('//')) {
    report('prefix', value, 'must not contain ".", ".." or empty path segments', 'use plain segments such as site/v1');
  } else if (value.length > 512) {
    report('prefix', value, 'is longer than 512 characters', 'shorten it');
  }
  return value && !value.endsWith('/') ? `${value}/` : value;
}

/** @returns the repository, by default the GitHub repository's name in lower case. */
export function ecrRepository(value: string | undefined, repoValue: string | undefined, repoName: string, report: Report): string {
  const repository = value ?? repoName.toLowerCase();
  if (value === undefined && !repoName) return repository;
  if (repository.length < 2 || repository.length > 256 || !ECR_REPOSITORY.test(repository)) {
    const derived = value === undefined ? `, derived from repo ${repoValue}` : '';
    report('ecrRepository', repository, `is not an ECR repository name (2-256 lowercase letters, digits, and . _ - / between them)${derived}`, 'pass --ecr-repository with e.g. my-app');
  }
  return repository;
}

export function branches(value: string[], environments: readonly string[], subjects: readonly string[] | undefined, report: Report): string[] {
  if (value.length === 0 && environments.length === 0 && !subjects?.length) {
    report('branches', value, 'is empty, and no environments or subjects are set: nothing could assume the OIDC role', 'name at least one branch, e.g. main');
  }
  for (const branch of value) {
    const problem = branchNameProblem(branch);
    if (problem) report('branches', branch, problem, 'use a git branch name such as main or release/v1');
  }
  return value;
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

export function environments(value: readonly string[], report: Report): void {
  for (const environment of value) {
    if (!ENVIRONMENT.test(environment) || environment.trim() !== environment) {
      report('environments', environment, 'is not a GitHub environment name (1-255 letters, digits, spaces, . _ -; no leading or trailing space)', 'use e.g. production');
    }
  }
}

export function githubIds(ownerId: string | undefined, repoId: string | undefined, issuer: GitHubIssuer, report: Report): { ownerId?: string; repoId?: string } {
  for (const [name, value] of [['ownerId', ownerId], ['repoId', repoId]] as const) {
    if (value !== undefined && !NUMERIC_ID.test(value)) {
      report(name, value, 'must be a numeric GitHub id', 'find it with: gh api repos/OWNER/REPO --jq ".owner.id, .id"');
    }
  }
  if ((ownerId === undefined) !== (repoId === undefined)) {
    const missing = ownerId === undefined ? 'ownerId' : 'repoId';
    report(missing, undefined, 'immutable subject claims need both ownerId and repoId', 'pass both --owner-id and --repo-id, or neither');
  }
  if (issuer.kind === 'ghes' && (ownerId !== undefined || repoId !== undefined)) {
    // GitHub's immutable subject claims are github.com's only, and AWS documents no id keys for a GHES issuer.
    report(ownerId !== undefined ? 'ownerId' : 'repoId', ownerId ?? repoId, 'means nothing on GitHub Enterprise Server: its tokens carry no immutable subject claims', 'remove --owner-id and --repo-id');
  }
  return { ownerId, repoId };
}

/** @returns the subject format: by default immutable when both ids are known. */
export function subjectFormat(value: string | undefined, ownerId: string | undefined, repoId: string | undefined, report: Report): 'immutable' | 'legacy' {
  const ids = ownerId !== undefined && repoId !== undefined;
  if (value === 'immutable' && !ids) {
    report('subjectFormat', value, 'needs the numeric ids that the immutable form holds', 'pass --owner-id and --repo-id (gh api repos/OWNER/REPO --jq ".owner.id, .id"), or use legacy');
  }
  if (value === 'immutable' || value === 'legacy') return value;
  return ids ? 'immutable' : 'legacy';
}

export function subjects(value: readonly string[] | undefined, report: Report): void {
  for (const subject of value ?? []) {
    const problem = subjectParameterProblem(subject);
    if (problem) report('subjects', subject, problem, 'use a full claim such as repo:acme/my-app:ref:refs/heads/main');
  }
}

export function sessionDuration(value: number | undefined, report: Report): number {
  const seconds = value ?? PARAMETER_TABLE.sessionDuration.default;
  if (!Number.isInteger(seconds) || seconds < MIN_SESSION_DURATION || seconds > MAX_CHAINED_SESSION_DURATION) {
    report(
      'sessionDuration',
      value,
      `must be a whole number of seconds from ${MIN_SESSION_DURATION} to ${MAX_CHAINED_SESSION_DURATION}: AWS caps role-chained sessions at 1 hour`,
      `use ${MAX_CHAINED_SESSION_DURATION} (the default) or less`,
    );
  }
  return seconds;
}

export function nodeVersion(value: string, report: Report): void {
  if (!NODE_VERSION.test(value)) {
    report('nodeVersion', value, 'must be a Node.js major version', 'use e.g. 26');
  } else if (Number(value) < 22) {
    report('nodeVersion', value, 'is older than Node.js 22: Node.js 20 reached end of life on 2026-04-30, and the AWS SDK the uploader uses requires 22 from January 2027', 'use 22 or later (26 is the current LTS)');
  }
}

/** @returns the base image, by default `node:<nodeVersion>-slim`. */
export function baseImage(value: string | undefined, nodeVersionValue: string, report: Report): string {
  if (value === undefined) return `node:${nodeVersionValue}-slim`;
  if (!IMAGE_REFERENCE.test(value) || value.length > 255) {
    report('baseImage', value, 'is not an image reference', 'use e.g. node:26-slim or public.ecr.aws/docker/library/node:26-slim');
  } else if (!hasVersionTagOrDigest(value)) {
    // An untagged or :latest base changes under the build without notice.
    report('baseImage', value, 'names no version tag or digest (or uses latest)', 'add a version tag, e.g. node:26-slim, or a digest @sha256:...');
  }
  return value;
}

function hasVersionTagOrDigest(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  // The tag follows the last ':' after the last '/' (a registry's :port comes before a '/').
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon > 0 && lastSegment.slice(colon + 1) !== 'latest';
}

/** @returns the directory without trailing slashes. */
export function uploadDir(value: string, report: Report): string {
  if (!SAFE_PATH_CHARS.test(value) || value.startsWith('/') || value.split('/').some((s) => s === '..' || s === '')) {
    report('uploadDir', value, 'must be a relative path inside the repo of letters, digits and . _ - /', 'use e.g. public or dist');
  }
  return value.replace(/\/+$/, '');
}

/** Parameters that only shape the CloudFormation template mean nothing without it. */
export function templateOnly(cloudformation: boolean, options: Record<string, unknown>, report: Report): void {
  if (cloudformation) return;
  for (const name of ['oidcProvider', 'createBucket', 'createEcrRepository'] as const) {
    if (options[name] !== undefined) {
      report(name, options[name], 'only shapes the CloudFormation template, which cloudformation: false turns off', `remove ${findParameter(name).flag}, or set cloudformation to true`);
    }
  }
}
