/** The rules verify checks, and the shape of what it reports. */

export const RULES = {
  'secret-id-mismatch': 'the workflow and the Dockerfile name the same BuildKit secret',
  'secret-not-required': 'each secret mount has required=true',
  'secret-path-mismatch': 'code reads the secret where the mount puts it',
  'credentials-in-build-context': 'the credentials file is written outside the build context',
  'credentials-not-dockerignored': '.dockerignore excludes the credentials file',
  'credentials-not-masked': 'credential values are masked in the log',
  'credentials-not-removed': 'an always() step removes the credentials file',
  'credential-in-arg': 'no credential-looking ARG in the Dockerfile',
  'credential-in-env': 'no credential-looking ENV in the Dockerfile',
  'credential-in-build-arg': 'no credential-looking build argument in the workflow',
  'expression-in-run': 'no ${{ }} expression inside a run: script',
  'trust-wildcard-sub': 'the OIDC trust names the repository and the ref or environment',
  'trust-missing-sub': 'the OIDC trust has a sub condition',
  'oidc-trust-missing': 'the repository holds the OIDC trust policy of the role it assumes',
  'chained-session-too-long': 'a chained session asks for at most 3600 seconds',
  'action-not-pinned': 'actions are pinned to full commit SHAs',
  'action-outdated': 'actions are at their current major version',
  'base-image-end-of-life': 'the base image is a supported Node.js release',
  'aws-sdk-v2': 'the AWS SDK for JavaScript v3 is used, not v2',
  'file-unreadable': 'the files verify reads parse',
} as const;

export type RuleId = keyof typeof RULES;

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: RuleId;
  readonly message: string;
  readonly fix: string;
}

export interface VerifyOptions {
  /** The date end-of-life rules compare with; today when not given. */
  readonly today?: Date;
}

/** Records one finding. */
export type Report = (file: string, line: number, rule: RuleId, message: string, fix: string) => void;
