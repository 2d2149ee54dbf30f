/**
 * GitHub's OIDC issuers, and what each one means on the AWS side: the provider's URL, the prefix
 * of its condition keys and which of GitHub's claims AWS documents as keys for it.
 *
 * - github.com: `https://token.actions.githubusercontent.com`.
 * - GitHub Enterprise Cloud with a unique token URL (the enterprise's `include_enterprise_slug`
 *   setting, https://docs.github.com/en/enterprise-cloud@latest/rest/actions/oidc):
 *   `https://token.actions.githubusercontent.com/<enterprise>`
 *   (https://docs.github.com/en/enterprise-cloud@latest/actions/reference/security/oidc).
 * - GitHub Enterprise Server: `https://<host>/_services/token`
 *   (https://docs.github.com/en/enterprise-server@3.16/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services:
 *   provider URL `https://HOSTNAME/_services/token`; GitHub-hosted runners are not supported there).
 *
 * IAM names an OIDC provider by its URL without `https://`, path included, and prefixes the
 * provider's condition keys with that name: `token.actions.githubusercontent.com:sub`,
 * `HOSTNAME/_services/token:sub`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
 */
import { GITHUB_OIDC_HOST } from './constants';

export type IssuerKind = 'github.com' | 'enterprise' | 'ghes';

export interface GitHubIssuer {
  readonly kind: IssuerKind;
  /** The issuer URL, `iss` of the tokens and the OIDC provider's URL. */
  readonly url: string;
  /** The URL without `https://`: the provider's name in its ARN and the prefix of its condition keys. */
  readonly name: string;
  /** The enterprise slug of an enterprise-specific issuer. */
  readonly enterprise?: string;
  /** The GitHub Enterprise Server host. */
  readonly host?: string;
}

export const GITHUB_COM_ISSUER_URL = `https://${GITHUB_OIDC_HOST}`;

/** A host name: lower-case labels of letters, digits and inner hyphens, at least two of them. */
export const HOST_NAME = /^(?=.{4,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** An enterprise slug, as GitHub forms it from the enterprise's name. */
export const ENTERPRISE_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;

/** The issuer of a URL of one of GitHub's three forms, or undefined. */
export function issuerFromUrl(url: string): GitHubIssuer | undefined {
  if (url === GITHUB_COM_ISSUER_URL) return { kind: 'github.com', url, name: GITHUB_OIDC_HOST };
  const enterprise = new RegExp(`^${GITHUB_COM_ISSUER_URL.replace(/\./g, '\\.')}/([^/]+)$`).exec(url)?.[1];
  if (enterprise !== undefined) return ENTERPRISE_SLUG.test(enterprise) ? { kind: 'enterprise', url, name: url.slice('https://'.length), enterprise } : undefined;
  const host = /^https:\/\/([^/]+)\/_services\/token$/.exec(url)?.[1];
  if (host !== undefined && HOST_NAME.test(host) && host !== GITHUB_OIDC_HOST) return ghesIssuer(host);
  return undefined;
}

export function ghesIssuer(host: string): GitHubIssuer {
  const url = `https://${host}/_services/token`;
  return { kind: 'ghes', url, name: url.slice('https://'.length), host };
}

export const GITHUB_COM_ISSUER: GitHubIssuer = issuerFromUrl(GITHUB_COM_ISSUER_URL)!;

/** Whether a federated principal (an OIDC provider ARN or name) is one of GitHub's issuers. */
export function isGitHubProvider(federated: string): boolean {
  const name = federated.replace(/^.*:oidc-provider\//, '');
  return name === GITHUB_OIDC_HOST || name.startsWith(`${GITHUB_OIDC_HOST}/`) || /^[^/]+\/_services\/token$/.test(name);
}

/**
 * Whether AWS documents GitHub's `repository_id` and `repository_owner_id` claims as condition
 * keys for this issuer: for github.com's issuer (the "GitHub" keys of "Available keys for AWS
 * OIDC federation"); for an enterprise's own issuer and for GitHub Enterprise Server it lists none.
 */
export function hasRepositoryIdKeys(issuer: GitHubIssuer): boolean {
  return issuer.kind === 'github.com';
}
