/**
 * The rules of the parameters that place the pattern in an organisation: an existing role A,
 * another account for role B and the bucket, a KMS key, a permissions boundary, an enterprise's
 * OIDC issuer. Each reports every problem it finds and returns the value resolveConfig keeps.
 */
import { findParameter, type Partition } from './parameters';
import { ENTERPRISE_SLUG, GITHUB_COM_ISSUER, HOST_NAME, ghesIssuer, issuerFromUrl, type GitHubIssuer } from './issuer';
import type { Report } from './parameter-rules';

// arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
// arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID (a key id, or a multi-Region key's mrk-...)
const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/((?:mrk-)?[A-Za-z0-9-]{1,64})$/;
// arn:PARTITION:iam::ACCOUNT|aws:policy/[PATH/]NAME (IAM policy names: 1-128 of [\w+=,.@-]).
const POLICY_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}|aws):policy\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,128})$/;

/** @returns the upload account when one other than the account is given. */
export function uploadAccount(value: string | undefined, accountValue: string | undefined, report: Report): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{12}$/.test(value)) {
    report('uploadAccount', value, 'must be exactly 12 digits', 'use the 12-digit id of the account that holds role B and the bucket, e.g. 222222222222');
    return undefined;
  }
  if (value === accountValue) {
    report('uploadAccount', value, 'is the account itself: role B and the bucket are already in it', 'leave --upload-account out for one account, or name the other account');
    return undefined;
  }
  return value;
}

/**
 * An existing role A, owned elsewhere: a role ARN in the region's partition and in --account
 * (role A's account). Options that only shape the role A and the provider this repo would
 * create contradict it. @returns its ARN and name, when valid.
 */
export function oidcRoleArn(
  value: string | undefined,
  partition: Partition | undefined,
  account: string | undefined,
  options: Record<string, unknown>,
  report: Report,
): { arn: string; name: string } | undefined {
  if (value === undefined) return undefined;
  const match = ROLE_ARN.exec(value);
  if (!match) {
    report('oidcRoleArn', value, 'is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME)', 'pass the ARN of the existing role, e.g. arn:aws:iam::111111111111:role/platform-ci');
    return undefined;
  }
  const [, arnPartition, arnAccount, , name] = match as unknown as [string, string, string, string, string];
  let sound = true;
  if (partition && arnPartition !== partition) {
    report('oidcRoleArn', value, `is in partition ${arnPartition}, but the region is in ${partition}`, `use the role's ARN in ${partition}: a role can only be assumed within its partition`);
    sound = false;
  }
  if (account && arnAccount !== account) {
    report('oidcRoleArn', value, `is a role of account ${arnAccount}, but --account (role A's account, where the workflow signs in) is ${account}`, `set --account ${arnAccount}, and --upload-account for role B's account if it differs`);
    sound = false;
  }
  for (const contradicting of ['oidcRoleName', 'oidcProvider'] as const) {
    if (options[contradicting] === undefined) continue;
    report(contradicting, options[contradicting], 'contradicts oidcRoleArn: role A exists already, so this repo creates neither role A nor the OIDC provider', `remove ${findParameter(contradicting).flag}, or oidcRoleArn to create role A here`);
  }
  return sound ? { arn: value, name } : undefined;
}

/**
 * The bucket's SSE-KMS key: a key ARN (IAM policies cannot name a key by alias) in the region, and
 * in the bucket's account, or with the bucket in another account, in role A's (its key policy must
 * then admit role B).
 */
export function kmsKeyArn(
  value: string | undefined,
  where: { partition?: Partition; region?: string; account?: string; uploadAccount?: string },
  report: Report,
): string | undefined {
  if (value === undefined) return undefined;
  if (/^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(value) || value.startsWith('alias/')) {
    report('kmsKeyArn', value, 'is a key alias: an IAM policy names a key by its key ARN, and an alias can be moved to another key', 'use the key ARN (aws kms describe-key --key-id <alias> --query KeyMetadata.Arn)');
    return undefined;
  }
  const match = KMS_KEY_ARN.exec(value);
  if (!match) {
    report('kmsKeyArn', value, 'is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID)', 'use the key ARN, e.g. arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    return undefined;
  }
  const [, keyPartition, keyRegion, keyAccount] = match as unknown as [string, string, string, string];
  let sound = true;
  if (where.partition && keyPartition !== where.partition) {
    report('kmsKeyArn', value, `is in partition ${keyPartition}, but the region is in ${where.partition}`, `use the bucket's key in ${where.partition}`);
    sound = false;
  }
  if (where.region && keyRegion !== where.region) {
    report('kmsKeyArn', value, `is a key of region ${keyRegion}, but the bucket is in ${where.region}: S3 uses a key of the bucket's own region`, `use the bucket's key in ${where.region}`);
    sound = false;
  }
  const bucketAccount = where.uploadAccount ?? where.account;
  const crossAccount = where.uploadAccount !== undefined && where.uploadAccount !== where.account;
  const allowed = crossAccount ? [bucketAccount, where.account] : [bucketAccount];
  if (bucketAccount && !allowed.includes(keyAccount)) {
    const rule = crossAccount
      ? `is a key of account ${keyAccount}, neither the bucket's (${bucketAccount}) nor role A's (${where.account})`
      : `is a key of account ${keyAccount}, but the bucket is in ${bucketAccount}`;
    report('kmsKeyArn', value, rule, crossAccount ? 'use the bucket\'s key' : 'use the bucket\'s key, or set --upload-account to the bucket\'s account if the bucket is in another one');
    sound = false;
  }
  return sound ? value : undefined;
}

/** GitHub's OIDC issuer, from --oidc-issuer or --ghes-host (github.com's by default). */
export function issuer(url: string | undefined, ghesHost: string | undefined, report: Report): GitHubIssuer {
  let fromHost: GitHubIssuer | undefined;
  if (ghesHost !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ghesHost) || ghesHost.includes('/')) {
      report('ghesHost', ghesHost, 'must be a host name alone, without scheme or path', `use the host, e.g. ${ghesHost.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] || 'github.example.com'}`);
    } else if (!HOST_NAME.test(ghesHost)) {
      report('ghesHost', ghesHost, 'is not a host name (lower-case labels of letters, digits and hyphens, separated by dots)', 'use e.g. github.example.com');
    } else if (ghesHost === 'github.com' || ghesHost.endsWith('.githubusercontent.com')) {
      report('ghesHost', ghesHost, 'is github.com, not a GitHub Enterprise Server', 'leave --ghes-host out for github.com');
    } else {
      fromHost = ghesIssuer(ghesHost);
    }
  }
  if (url === undefined) return fromHost ?? GITHUB_COM_ISSUER;
  if (!url.startsWith('https://')) {
    report('oidcIssuer', url, 'must be an https:// URL: AWS fetches the issuer\'s keys over TLS only', `use https://${url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`);
    return fromHost ?? GITHUB_COM_ISSUER;
  }
  const parsed = issuerFromUrl(url);
  if (!parsed) {
    const enterprise = /^https:\/\/token\.actions\.githubusercontent\.com\/(.*)$/.exec(url)?.[1];
    const rule = enterprise !== undefined && !ENTERPRISE_SLUG.test(enterprise)
      ? `names "${enterprise}", which is not an enterprise slug (lower-case letters, digits and hyphens)`
      : 'is none of the issuers GitHub Actions uses';
    report('oidcIssuer', url, rule, 'use https://token.actions.githubusercontent.com, https://token.actions.githubusercontent.com/<enterprise> or https://<host>/_services/token (no trailing slash, query or port)');
    return fromHost ?? GITHUB_COM_ISSUER;
  }
  if (fromHost && fromHost.url !== parsed.url) {
    report('ghesHost', ghesHost, `contradicts oidcIssuer ${url}, whose issuer is another`, 'pass one of --ghes-host and --oidc-issuer');
  }
  return parsed;
}

/**
 * A permissions boundary is a managed policy of the role's own account, or an AWS managed one
 * (`arn:PARTITION:iam::aws:policy/...`), in the region's partition.
 * @returns the ARN as given, when it is one.
 */
export function permissionsBoundary(value: string | undefined, partition: Partition | undefined, accounts: readonly (string | undefined)[], report: Report): string | undefined {
  if (value === undefined) return undefined;
  const match = POLICY_ARN.exec(value);
  if (!match) {
    report('permissionsBoundary', value, 'is not an IAM managed policy ARN (arn:PARTITION:iam::ACCOUNT:policy/NAME)', 'pass the ARN of the boundary policy, e.g. arn:aws:iam::111111111111:policy/ci-boundary');
    return undefined;
  }
  const [, arnPartition, arnAccount] = match as unknown as [string, string, string];
  if (partition && arnPartition !== partition) {
    report('permissionsBoundary', value, `is in partition ${arnPartition}, but the region is in ${partition}`, `use the policy's ARN in ${partition} (arn:${partition}:iam::...)`);
  }
  const known = [...new Set(accounts.filter((a): a is string => a !== undefined))];
  if (known.length > 0 && arnAccount !== 'aws' && !known.includes(arnAccount)) {
    report('permissionsBoundary', value, `is a policy of account ${arnAccount}; a boundary must be a policy of the role's own account (${known.join(' or ')}) or AWS managed`, `use the boundary policy of account ${known[0]}`);
  }
  return value;
}
