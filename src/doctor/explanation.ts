/** The shapes explanations share: what an explanation says, and what it may read of the repo. */
import type { TrustStatement } from '../verify/policy-reader';

export interface Explanation {
  /** A short name for the situation, e.g. "no credentials". */
  readonly problem: string;
  readonly why: string;
  readonly fix: string;
}

export interface ExplainContext {
  /** The call that failed. */
  readonly operation: 'GetCallerIdentity' | 'AssumeRole' | 'TemporaryCredentials';
  readonly roleArn?: string;
  readonly callerArn?: string;
  /** Principals role B's trust policy names, as read from the repo. */
  readonly trustedPrincipals?: readonly string[];
  /** `sub` values role A's trust policy allows, as read from the repo. */
  readonly trustedSubjects?: readonly string[];
  readonly duration?: number;
  readonly sessionTags?: boolean;
  /** What else the repo tells (workflows, Dockerfiles, IAM documents), when doctor was given it. */
  readonly facts?: RepoFacts;
  /** The error was pasted from a job log (doctor --explain), not met by doctor's own call. */
  readonly fromLog?: boolean;
}

/** What the repo's workflows, Dockerfiles and IAM documents tell an explanation. */
export interface RepoFacts {
  /** The configure-aws-credentials steps that sign in with GitHub OIDC (role A). */
  readonly oidcSteps: readonly OidcStep[];
  /** A later configure-aws-credentials step without role-chaining: true, which signs in with OIDC again. */
  readonly unchainedSecondStep?: { readonly where: string; readonly role: string };
  /** Events of the workflows that assume a role. */
  readonly triggers: readonly string[];
  /** Environments their jobs run in (`environment:` changes the sub claim). */
  readonly environments: readonly string[];
  readonly roleA?: string;
  /** The configure-aws-credentials major version the workflows use (the lowest, when several). */
  readonly credentialsActionMajor?: number;
  readonly mountedSecretIds: readonly string[];
  readonly providedSecretIds: readonly string[];
  /** A secrets input given as one expression: the ids it provides are not in the repo. */
  readonly secretIdsUnknown: boolean;
  /** The statements of the repo's IAM documents. */
  readonly statements: readonly TrustStatement[];
}

export interface OidcStep {
  readonly where: string;
  readonly role: string;
  /** Whether the job (or the workflow) grants id-token: write; undefined for a composite action. */
  readonly idToken?: boolean;
}

