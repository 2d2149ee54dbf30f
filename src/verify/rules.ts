/** The rules verify checks, with their severity, and the shape of what it reports. */

/**
 * high: a credential can leave the build (into an image, a log, another repository's hands).
 * medium: the build breaks, or a safeguard is missing around credentials.
 * low: hygiene that does not expose anything by itself.
 */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

interface RuleDefinition {
  readonly severity: Severity;
  readonly description: string;
}

/** One row per rule; a rule whose findings differ in risk gives the severity with each finding. */
export const RULES = {
  'secret-id-mismatch': { severity: 'medium', description: 'the workflow and the Dockerfile name the same BuildKit secret' },
  'secret-not-required': { severity: 'medium', description: 'a secret mount the RUN cannot do without has required=true' },
  'secret-path-mismatch': { severity: 'medium', description: 'code reads the secret where the mount puts it' },
  'secret-leaves-mount': { severity: 'high', description: 'no RUN copies a secret out of its mount (file, git or npm config, URL)' },
  'credentials-in-build-context': { severity: 'high', description: 'the credentials file is written outside the build context' },
  'credentials-not-dockerignored': { severity: 'medium', description: '.dockerignore excludes the credentials file' },
  'credentials-not-masked': { severity: 'medium', description: 'credential values are masked in the log' },
  'credentials-not-removed': { severity: 'medium', description: 'an always() step removes the credentials file' },
  'credential-in-arg': { severity: 'high', description: 'no credential-looking ARG in the Dockerfile' },
  'credential-in-env': { severity: 'high', description: 'no credential-looking ENV in the Dockerfile' },
  'credential-in-build-arg': { severity: 'high', description: 'no credential-looking build argument in the workflow' },
  'expression-in-run': { severity: 'high', description: 'no attacker-influenced ${{ }} expression inside a run: script' },
  'trust-wildcard-sub': { severity: 'high', description: 'the OIDC trust names the repository and the ref or environment' },
  'trust-missing-sub': { severity: 'high', description: 'the OIDC trust has a sub condition' },
  'oidc-trust-missing': { severity: 'medium', description: "the repository holds the OIDC trust policy of the role it assumes, or declares that role another team's" },
  'chained-session-too-long': { severity: 'medium', description: 'a chained session asks for at most 3600 seconds' },
  'action-not-pinned': { severity: 'medium', description: 'actions and reusable workflows are pinned to full commit SHAs' },
  'action-outdated': { severity: 'low', description: 'actions are at their current major version' },
  'base-image-end-of-life': { severity: 'medium', description: 'the base image is a supported Node.js release' },
  'aws-sdk-v2': { severity: 'low', description: 'the AWS SDK for JavaScript v3 is used, not v2' },
  'upload-from-cache': { severity: 'medium', description: 'a build that imports a layer cache excludes the stage whose secret-mounted RUN uploads (no-cache-filters)' },
  'uploader-vendored': { severity: 'medium', description: 'the upload step depends on @keyless-build/upload instead of a copy of an earlier uploader' },
  'file-unreadable': { severity: 'medium', description: 'the files verify reads parse' },
} as const satisfies Readonly<Record<string, RuleDefinition>>;

export type RuleId = keyof typeof RULES;

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
}

export interface VerifyOptions {
  /** The date end-of-life rules compare with; today when not given. */
  readonly today?: Date;
}

/** Records one finding; the severity is the rule's unless given. */
export type Report = (file: string, line: number, rule: RuleId, message: string, fix: string, severity?: Severity) => void;

/** Whether a severity is at or above another. */
export function atLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
}
