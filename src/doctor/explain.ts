/**
 * What an STS error means for this pattern, and what to do about it. Pure: it reads the
 * error's name and message, the way the SDK and the AWS CLI report them.
 */

import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';

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
}


/** The `sub` claim GitHub puts in the OIDC token, by what triggered the job. */
export const SUB_FORMATS = [
  'repo:OWNER/NAME:environment:ENV        a job with `environment:` (replaces the ref form below)',
  'repo:OWNER/NAME:ref:refs/heads/BRANCH  a push or workflow_dispatch on a branch, no environment',
  'repo:OWNER/NAME:ref:refs/tags/TAG      a tag push, no environment',
  'repo:OWNER/NAME:pull_request           any pull_request event (forks included): never trust it for deploy roles',
  'repo:OWNER@OWNER_ID/NAME@REPO_ID:...   immutable form, sent for repositories created from 2026-07-15 (ids: gh api repos/OWNER/NAME --jq \'.owner.id, .id\')',
];

export function explainAwsError(error: unknown, context: ExplainContext): Explanation {
  const name = errorName(error);
  const message = errorMessage(error);
  const text = `${name}: ${message}`;

  if (name === 'CredentialsProviderError' || /could not load credentials|credential.*not found|unable to locate credentials/i.test(message)) {
    return {
      problem: 'no AWS credentials',
      why: 'no credentials were found in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), the shared files (~/.aws, AWS_PROFILE), SSO or a web identity token.',
      fix: 'sign in first (e.g. `aws sso login --profile NAME` and set AWS_PROFILE=NAME, or export temporary keys), then run doctor again. In a workflow, run it after aws-actions/configure-aws-credentials.',
    };
  }

  if (/AssumeRoleWithWebIdentity/.test(text) || /^(InvalidIdentityToken|IDPRejectedClaim)/.test(name)) {
    const trusted = context.trustedSubjects?.length ? ` The repo's OIDC trust allows: ${context.trustedSubjects.join(', ')}.` : '';
    return {
      problem: 'the OIDC role does not trust this token',
      why: `STS refused AssumeRoleWithWebIdentity: the token's sub (or aud) claim matches no condition of role A's trust policy, or the account has no OIDC provider for token.actions.githubusercontent.com.${trusted} GitHub sends one of these sub forms:\n${SUB_FORMATS.map((line) => `      ${line}`).join('\n')}`,
      fix: 'make the trust policy list the sub the failing job sends (its environment if the job has one, else its branch or tag; the immutable OWNER@ID/NAME@ID form for new repositories), keep aud = sts.amazonaws.com, give the job `permissions: id-token: write`, and deploy the OIDC provider.',
    };
  }

  if (/ExpiredToken|RequestExpired|TokenRefreshRequired/i.test(name) || /token.*expired|expired.*token/i.test(message)) {
    return {
      problem: 'expired credentials',
      why: 'the session token has expired: temporary credentials last 15 minutes to 12 hours (1 hour when chained).',
      fix: 'get fresh credentials (`aws sso login`, or assume the role again) and rerun.',
    };
  }

  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|IncompleteSignature|InvalidAccessKeyId/.test(name)) {
    return {
      problem: 'invalid credentials',
      why: `AWS does not accept these credentials (${name}): the access key does not exist or was deleted, the secret key is wrong, or a session token is missing, stale or belongs to other keys.`,
      fix: 'unset stale AWS_* variables (`env | grep ^AWS_`), check AWS_PROFILE, and sign in again.',
    };
  }

  if (/DurationSeconds exceeds the 1 hour session limit|role chaining/i.test(message)) {
    return chainedDurationExplanation(context.duration);
  }
  if (/DurationSeconds exceeds the MaxSessionDuration/i.test(message)) {
    return {
      problem: 'duration above the role\'s maximum',
      why: `the requested ${context.duration ?? ''} s exceeds role B's MaxSessionDuration.`.replace('  ', ' '),
      fix: `ask for at most ${MAX_CHAINED_SESSION_DURATION} s (the chained limit anyway), or raise MaxSessionDuration on the role.`,
    };
  }

  if (/TagSession/.test(message)) {
    return tagSessionExplanation(context);
  }

  if (/AccessDenied/.test(name) || /not authorized to perform:? sts:AssumeRole/.test(message)) {
    if (context.operation === 'AssumeRole') {
      const trusted = context.trustedPrincipals?.length ? `role B's trust policy in the repo names ${context.trustedPrincipals.join(', ')}` : 'role B\'s trust policy must name the caller\'s role';
      const tags = context.sessionTags ? ` The request carried session tags, so the trust must also allow sts:TagSession (${tagSessionExplanation(context).fix})` : '';
      return {
        problem: 'role B cannot be assumed by this session',
        why: `STS denied ${context.callerArn ?? 'the caller'} sts:AssumeRole on ${context.roleArn ?? 'role B'}. AWS gives the same answer when the role does not exist, when its trust policy does not name the caller's role (${trusted}), and when the caller's permissions lack sts:AssumeRole on it.${tags}`,
        fix: `check that ${context.roleArn ?? 'role B'} exists (\`aws iam get-role --role-name NAME\`), that its trust policy names role A's ARN (arn:PARTITION:iam::ACCOUNT:role/ROLE_A, not the assumed-role session ARN), and that role A's policy allows sts:AssumeRole on role B. Run doctor with role A's credentials, as the workflow does.`,
      };
    }
    return {
      problem: 'access denied',
      why: message,
      fix: 'check the caller\'s permissions for this call.',
    };
  }

  return { problem: name || 'error', why: message, fix: 'see the AWS message above; rerun with valid credentials and parameters.' };
}

export function chainedDurationExplanation(duration: number | undefined): Explanation {
  return {
    problem: 'duration too long for a chained session',
    why: `${duration ?? 'the requested'} s asked for role B, but the workflow assumes role B with role A's session (role chaining), and STS caps chained sessions at ${MAX_CHAINED_SESSION_DURATION} s: it answers "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining".`,
    fix: `use ${MAX_CHAINED_SESSION_DURATION} s or less (--session-duration in the generated repo, --duration-seconds / role-duration-seconds in the workflow).`,
  };
}

export function tagSessionExplanation(context: ExplainContext): Explanation {
  return {
    problem: 'sts:TagSession not allowed',
    why: `aws-actions/configure-aws-credentials tags the sessions it creates (GitHub, Repository, Workflow, Action, Actor, Branch, Commit), also with role-chaining: true, and STS then requires sts:TagSession in role B's trust policy for ${context.callerArn ?? 'the calling role'}.`,
    fix: 'add "sts:TagSession" next to "sts:AssumeRole" in role B\'s trust statement, or set role-skip-session-tagging: true on the chaining step.',
  };
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const candidate = (error as { Code?: unknown; name?: unknown }).Code ?? (error as { name?: unknown }).name;
    if (typeof candidate === 'string') return candidate;
  }
  return '';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Explains an error message pasted from a job log: the error's name is its first word in the
 * AWS CLI's and the SDK's forms, the failed call is guessed from the text.
 */
export function explainMessage(text: string, context: Omit<ExplainContext, 'operation'>): Explanation {
  const operation = /AssumeRole(?!WithWebIdentity)|TagSession|DurationSeconds/.test(text) ? 'AssumeRole' : 'GetCallerIdentity';
  const code = /^\s*(?:An error occurred \()?([A-Z][A-Za-z]+)\)?/.exec(text)?.[1];
  const error = Object.assign(new Error(text), { name: code && !/^(Error|Could|Not|User)$/.test(code) ? code : 'Error' });
  return explainAwsError(error, { operation, ...context });
}
