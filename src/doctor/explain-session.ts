/** Session length, chaining limits and session tags. */
import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';
import type { ErrorText } from './error-text';
import type { ExplainContext, Explanation } from './explanation';

/** STS's answer to a chained AssumeRole that asks for more than an hour
 * (AssumeRole, DurationSeconds: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
export const CHAINED_LIMIT_MESSAGE = /DurationSeconds exceeds the 1 hour session limit|role chaining/i;

export function chainedDurationExplanation(duration: number | undefined): Explanation {
  const asked = duration !== undefined && duration > MAX_CHAINED_SESSION_DURATION;
  return {
    problem: 'duration too long for a chained session',
    why: asked
      ? `${duration} s asked for role B, but the workflow assumes role B with role A's session (role chaining), and STS caps chained sessions at ${MAX_CHAINED_SESSION_DURATION} s: it answers "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining".`
      : `STS was asked for more than ${MAX_CHAINED_SESSION_DURATION} s for a session assumed from another role's session (role chaining), which it caps at one hour.${duration !== undefined ? ` The repo's chaining step asks for ${duration} s, within the limit, so the request came from elsewhere: another step or workflow, a role-duration-seconds or --duration-seconds that an expression set at run time, or an older configure-aws-credentials whose default was 6 hours when no session token was passed.` : ''}`,
    fix: `ask for ${MAX_CHAINED_SESSION_DURATION} s or less in every step that assumes role B (role-duration-seconds with role-chaining: true, --duration-seconds with aws sts assume-role, --session-duration in a generated repo).`,
  };
}

export function explainSession(error: ErrorText, context: ExplainContext): Explanation | undefined {
  if (CHAINED_LIMIT_MESSAGE.test(error.text)) return chainedDurationExplanation(context.duration);
  if (/DurationSeconds exceeds the MaxSessionDuration/i.test(error.text)) {
    return {
      problem: "duration above the role's maximum",
      why: `the requested duration exceeds the MaxSessionDuration set on the role (1 hour unless raised).${context.duration ? ` The repo asks for ${context.duration} s.` : ''}`,
      fix: `ask for at most ${MAX_CHAINED_SESSION_DURATION} s (the chained limit anyway), or raise MaxSessionDuration on the role.`,
    };
  }
  if (/sts:TagSession/.test(error.text)) return tagSessionExplanation(context);
  if (/sts:SetSourceIdentity|SourceIdentity/.test(error.text)) return setSourceIdentityExplanation(context);
  if (/ExpiredToken|RequestExpired|TokenRefreshRequired/i.test(error.code ?? '') || /token.*(is )?expired|expired.*token/i.test(error.text)) {
    return context.fromLog ? expiredInBuild() : expiredLocally();
  }
  return undefined;
}

/** An expired session in a job: the build outlasted the hour of role B's chained session. */
function expiredInBuild(): Explanation {
  return {
    problem: 'role B\'s session expired during the job',
    why: `the chained session lasts at most an hour (${MAX_CHAINED_SESSION_DURATION} s) from the assume-role step, and everything in the image build before the upload runs inside it: dependency installs, compilation, tests and other stages all spend the session's time before the RUN that uploads uses the credentials. Signing in again does not help; the job asks for a new session on its next run.`,
    fix: 'assume role B as late as possible (right before the build step), make the upload stage come first or depend only on what it needs (a stage that copies the built files, so BuildKit does not run unrelated stages before it), cache the slow stages (cache-from / cache-to), or upload in a separate step after the build with its own fresh session.',
  };
}

function expiredLocally(): Explanation {
  return {
    problem: 'expired credentials',
    why: 'the session token of the credentials doctor runs with has expired: temporary credentials last 15 minutes to 12 hours (1 hour when chained).',
    fix: 'get fresh credentials (`aws sso login`, or assume the role again) and run doctor again.',
  };
}

export function tagSessionExplanation(context: ExplainContext): Explanation {
  return {
    problem: 'sts:TagSession not allowed',
    why: `aws-actions/configure-aws-credentials tags the sessions it creates (GitHub, Repository, Workflow, Action, Actor, Branch, Commit), also with role-chaining: true, and STS then requires sts:TagSession in role B's trust policy for ${context.callerArn ?? 'the calling role'}.`,
    fix: 'add "sts:TagSession" next to "sts:AssumeRole" in role B\'s trust statement, or set role-skip-session-tagging: true on the chaining step.',
  };
}

/**
 * A chained AssumeRole that sets a source identity needs sts:SetSourceIdentity in the caller's
 * policy and in the role's trust; a session that has one already keeps it along the chain
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
 */
export function setSourceIdentityExplanation(context: ExplainContext): Explanation {
  const caller = context.callerArn ?? 'role A';
  return {
    problem: 'sts:SetSourceIdentity not allowed',
    why: `the step that assumes role B sets a source identity (the run id and actor, so that CloudTrail ties every upload to the run), and STS allows that only when both ${caller}'s own permission policy and role B's trust policy allow sts:SetSourceIdentity. When role A belongs to another team, its policy lacks it until they add the statement this repo hands them (iam/for-oidc-role-owners.json). A session that already carries another source identity (set on role A's own sign-in) cannot change it either.`,
    fix: 'add "sts:SetSourceIdentity" next to "sts:AssumeRole" in role A\'s permission statement for role B and in role B\'s trust statement for role A (a generated repo has both, and the hand-over file for role A\'s owners), or turn the source identity off (sourceIdentity: false / --no-source-identity) and re-render.',
  };
}
