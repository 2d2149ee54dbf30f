import * as check from './parameter-rules';
import * as topology from './topology-rules';
import { ConfigError, type ConfigIssue } from './config-error';
import type { GitHubIssuer } from './issuer';
import { PARAMETER_TABLE, type ActionPinning, type OidcProviderMode, type ParameterName, type Partition, type SubjectFormat } from './parameters';
import { roleArn } from './partition';
import { deriveSubjects } from './subjects';

/** What a user may set. Required: account, region, repo, bucket. Defaults: see the parameter table. */
export interface KeylessBuildOptions {
  /** AWS account id, 12 digits. */
  readonly account: string;
  /** AWS region, e.g. `ap-northeast-1`; decides the partition. */
  readonly region: string;
  /** GitHub repository, `owner/name`. */
  readonly repo: string;
  /** S3 bucket the build uploads to. */
  readonly bucket: string;
  /** Account of role B and the bucket, when it is not `account` (role A's). */
  readonly uploadAccount?: string;
  /** Role A, assumed with GitHub's OIDC token. */
  readonly oidcRoleName?: string;
  /** Role B, PutObject-only, assumed from role A and handed to the build. */
  readonly uploadRoleName?: string;
  /** An existing role A that another team owns: role B trusts it, and neither it nor the OIDC provider is created. */
  readonly oidcRoleArn?: string;
  /** Key prefix in the bucket; role B may write below it only. */
  readonly prefix?: string;
  /** The bucket's SSE-KMS key (a key ARN): role B may use it through S3 for this bucket only. */
  readonly kmsKeyArn?: string;
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
  /** `immutable` trusts `repo:owner@ID/name@ID:...`; `legacy` trusts `repo:owner/name:...` (and pins the ids when given). */
  readonly subjectFormat?: SubjectFormat;
  /** OIDC `sub` patterns to trust instead of the ones derived from branches/environments. */
  readonly subjects?: readonly string[];
  /** Lifetime of role B's session in seconds (900-3600: chained sessions are capped at 1 hour). */
  readonly sessionDuration?: number;
  /** Whether role B's session carries the run id and actor as its source identity (CloudTrail records it). */
  readonly sourceIdentity?: boolean;
  /** GitHub's OIDC issuer URL: github.com's, an enterprise's own, or a GitHub Enterprise Server's. */
  readonly oidcIssuer?: string;
  /** A GitHub Enterprise Server host, for its issuer `https://<host>/_services/token` and self-hosted runners. */
  readonly ghesHost?: string;
  /** Node.js major version of the image. */
  readonly nodeVersion?: string;
  /** Base image of the Dockerfile's stages (each `FROM`). */
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
  /** ARN of a managed policy set as the permissions boundary of every role the templates create. */
  readonly permissionsBoundary?: string;
}

/** Options with every default applied and every rule checked. */
export interface KeylessBuildConfig {
  /** Role A's account (and ECR's). */
  readonly account: string;
  /** Role B's and the bucket's account: `account` unless another one was given. */
  readonly uploadAccount: string;
  /** Whether role B and the bucket live in another account than role A. */
  readonly crossAccount: boolean;
  readonly region: string;
  readonly partition: Partition;
  readonly repo: string;
  readonly owner: string;
  readonly repoName: string;
  readonly bucket: string;
  /** Role A's name (the last segment of its ARN when it exists already). */
  readonly oidcRoleName: string;
  readonly uploadRoleName: string;
  /** Role A's ARN, path included. */
  readonly oidcRoleArn: string;
  /** Role B's ARN, in the upload account. */
  readonly uploadRoleArn: string;
  /** Whether role A exists already and belongs to someone else (then neither it nor the OIDC provider is created here). */
  readonly existingOidcRole: boolean;
  /** Empty, or ends with `/`. */
  readonly prefix: string;
  readonly kmsKeyArn?: string;
  readonly ecrRepository: string;
  readonly branches: readonly string[];
  readonly environments: readonly string[];
  readonly ownerId?: string;
  readonly repoId?: string;
  readonly subjectFormat: SubjectFormat;
  readonly subjects: readonly string[];
  readonly sessionDuration: number;
  readonly sourceIdentity: boolean;
  readonly issuer: GitHubIssuer;
  readonly nodeVersion: string;
  readonly baseImage: string;
  readonly uploadDir: string;
  readonly actionPinning: ActionPinning;
  readonly cloudformation: boolean;
  readonly oidcProvider: OidcProviderMode;
  readonly createBucket: boolean;
  readonly createEcrRepository: boolean;
  /** The boundary's ARN as given (in role A's account, or AWS managed), or undefined. */
  readonly permissionsBoundary?: string;
}

// The options interface and the parameter table name the same parameters (a compile-time check).
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : never) : never;
const optionsMatchTable: SameKeys<KeylessBuildOptions, typeof PARAMETER_TABLE> = true;
void optionsMatchTable;

/**
 * Applies the table's defaults and checks every rule. Reports all broken rules at once.
 * @throws ConfigError listing each problem with its fix.
 */
export function resolveConfig(options: KeylessBuildOptions): KeylessBuildConfig {
  const issues: ConfigIssue[] = [];
  const report: check.Report = (parameter, value, rule, fix) => issues.push({ parameter, value, rule, fix });

  // The options as the caller passed them (anything, from JavaScript or .projenrc.ts), for the rules that read them by name.
  const raw = options as unknown as Record<string, unknown>;
  // The rules after this read values as the types they should be: stop here when one is not.
  if (!check.shape(raw, report)) throw new ConfigError(issues);

  const given = <Name extends ParameterName>(name: Name) => given_(options, name);
  const account = given('account');
  const region = given('region');
  const repo = given('repo');
  const bucket = given('bucket');
  const nodeVersion = given('nodeVersion') ?? PARAMETER_TABLE.nodeVersion.default;
  const environments = given('environments') ?? [...PARAMETER_TABLE.environments.default];
  const customSubjects = given('subjects');
  const cloudformation = given('cloudformation') ?? PARAMETER_TABLE.cloudformation.default;

  check.account(account, report);
  const uploadAccount = topology.uploadAccount(given('uploadAccount'), account, report) ?? account;
  const partition = check.region(region, given('partition'), report);
  const { owner, repoName } = check.repo(repo, report);
  check.bucket(bucket, report);
  const existingRole = topology.oidcRoleArn(given('oidcRoleArn'), partition, account, raw, report);
  const { oidcRoleName, uploadRoleName } = check.roleNames(
    existingRole?.name ?? given('oidcRoleName') ?? PARAMETER_TABLE.oidcRoleName.default,
    given('uploadRoleName') ?? PARAMETER_TABLE.uploadRoleName.default,
    uploadAccount === account,
    report,
  );
  const kmsKeyArn = topology.kmsKeyArn(given('kmsKeyArn'), { partition, region, account, uploadAccount }, report);
  const issuer = topology.issuer(given('oidcIssuer'), given('ghesHost'), report);
  const prefix = check.prefix(given('prefix') ?? PARAMETER_TABLE.prefix.default, report);
  const ecrRepository = check.ecrRepository(given('ecrRepository'), repo, repoName, report);
  const branches = check.branches(given('branches') ?? [...PARAMETER_TABLE.branches.default], environments, customSubjects, report);
  check.environments(environments, report);
  const { ownerId, repoId } = check.githubIds(given('ownerId'), given('repoId'), issuer, report);
  const subjectFormat = check.subjectFormat(given('subjectFormat'), ownerId, repoId, report);
  check.subjects(customSubjects, report);
  const sessionDuration = check.sessionDuration(options.sessionDuration, report);
  check.nodeVersion(nodeVersion, report);
  const baseImage = check.baseImage(given('baseImage'), nodeVersion, report);
  const uploadDir = check.uploadDir(given('uploadDir') ?? PARAMETER_TABLE.uploadDir.default, report);
  check.choices(raw, report);
  check.templateOnly(cloudformation, raw, report);
  const permissionsBoundary = topology.permissionsBoundary(given('permissionsBoundary'), partition, [account, uploadAccount], report);

  if (issues.length > 0) throw new ConfigError(issues);

  return {
    account: account!,
    uploadAccount: uploadAccount!,
    crossAccount: uploadAccount !== account,
    region: region!,
    partition: partition!,
    repo: repo!,
    owner,
    repoName,
    bucket: bucket!,
    oidcRoleName,
    uploadRoleName,
    oidcRoleArn: existingRole?.arn ?? roleArn(partition!, account!, oidcRoleName),
    uploadRoleArn: roleArn(partition!, uploadAccount!, uploadRoleName),
    existingOidcRole: existingRole !== undefined,
    prefix,
    kmsKeyArn,
    ecrRepository,
    branches,
    environments,
    ownerId,
    repoId,
    subjectFormat,
    subjects: customSubjects ?? deriveSubjects({ owner, repoName, ownerId: subjectFormat === 'immutable' ? ownerId : undefined, repoId, branches, environments }),
    sessionDuration,
    sourceIdentity: given('sourceIdentity') ?? PARAMETER_TABLE.sourceIdentity.default,
    issuer,
    nodeVersion,
    baseImage,
    uploadDir,
    actionPinning: given('actionPinning') ?? PARAMETER_TABLE.actionPinning.default,
    cloudformation,
    // An existing role A is trusted through whatever provider its owners use: this repo creates none.
    oidcProvider: existingRole ? 'existing' : (given('oidcProvider') ?? PARAMETER_TABLE.oidcProvider.default),
    createBucket: given('createBucket') ?? PARAMETER_TABLE.createBucket.default,
    createEcrRepository: given('createEcrRepository') ?? PARAMETER_TABLE.createEcrRepository.default,
    permissionsBoundary,
  };
}

type Given<Name extends ParameterName> = Exclude<KeylessBuildOptions[Name], undefined> extends readonly string[]
  ? string[]
  : Exclude<KeylessBuildOptions[Name], undefined>;

/** A parameter's value as given: undefined when not given (an empty string counts as not given); lists copied. */
function given_<Name extends ParameterName>(options: KeylessBuildOptions, name: Name): Given<Name> | undefined {
  const value = options[name] as unknown;
  if (value === undefined || value === '') return undefined;
  return (Array.isArray(value) ? [...(value as string[])] : value) as Given<Name>;
}
