/**
 * What an AWS (or BuildKit) error means for this pattern, and what to do about it. Pure: it
 * reads the error and what the repo says (RepoFacts); the text is read wherever its parts are,
 * never from its first word alone. Each family of errors has its own file.
 */
import { readErrorText, type ErrorText } from './error-text';
import { explainMissingSecret } from './explain-buildkit';
import { explainDenial } from './explain-denied';
import { explainNoCredentials, explainOidcProvider, explainWebIdentity } from './explain-oidc';
import { explainSession, tagSessionExplanation } from './explain-session';
import type { ExplainContext, Explanation } from './explanation';

export { SUB_FORMATS } from './explain-oidc';
export { chainedDurationExplanation, tagSessionExplanation } from './explain-session';
export type { ExplainContext, Explanation, RepoFacts } from './explanation';

type Explainer = (error: ErrorText, context: ExplainContext) => Explanation | undefined;

/** In order: the first that recognises the error answers. */
const EXPLAINERS: readonly Explainer[] = [
  explainMissingSecret,
  explainNoCredentials,
  explainOidcProvider,
  explainWebIdentity,
  explainSession,
  explainInvalidCredentials,
  explainAccessDenied,
];

/** An error doctor met on its own call (SDK exception). */
export function explainAwsError(error: unknown, context: ExplainContext): Explanation {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const read = readErrorText(`${name}: ${message}`);
  return explain({ ...read, code: name && name !== 'Error' ? name : read.code }, context);
}

/** An error message pasted from a job log (offline). */
export function explainMessage(text: string, context: Omit<ExplainContext, 'operation'>): Explanation {
  const operation = /\bAssumeRole\b(?!WithWebIdentity)|TagSession|SetSourceIdentity|DurationSeconds/.test(text) ? 'AssumeRole' : 'GetCallerIdentity';
  return explain(readErrorText(text), { operation, ...context, fromLog: true });
}

function explain(error: ErrorText, context: ExplainContext): Explanation {
  for (const explainer of EXPLAINERS) {
    const explanation = explainer(error, context);
    if (explanation) return explanation;
  }
  return {
    problem: 'an error doctor does not recognise',
    why: `doctor knows the errors of this pattern (credentials that do not load, OIDC trust and provider errors, "not authorized" denials, session length and tags, BuildKit secrets) and this is none of them${error.code ? ` (${error.code})` : ''}.`,
    fix: 'look at the log lines right before this one for the call that failed; run `keyless-build doctor` with role A\'s credentials to check the AWS side live, or `aws sts get-caller-identity` in the failing step to see which credentials it runs with.',
  };
}

function explainInvalidCredentials(error: ErrorText): Explanation | undefined {
  if (!/^(InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException|IncompleteSignature|InvalidAccessKeyId)$/.test(error.code ?? '')) return undefined;
  return {
    problem: 'invalid credentials',
    why: `AWS does not accept these credentials (${error.code}): the access key does not exist or was deleted, the secret key is wrong, or a session token is missing, stale or belongs to other keys (a session token left over from an earlier step while the keys changed, for one).`,
    fix: 'unset stale AWS_* variables (`env | grep ^AWS_`), check AWS_PROFILE and the credentials file the step uses, and get the credentials again.',
  };
}

function explainAccessDenied(error: ErrorText, context: ExplainContext): Explanation | undefined {
  if (error.denial && !(context.operation === 'AssumeRole' && /^sts:AssumeRole$/i.test(error.denial.action))) return explainDenial(error.denial, context);
  if (!/AccessDenied/.test(error.code ?? '') && !error.denial) return undefined;
  if (context.operation === 'AssumeRole') return assumeRoleDenied(context);
  return {
    problem: 'access denied',
    why: `AWS refused ${error.operation ?? 'the call'} without saying which principal or policy (older services and some S3 answers give only "Access Denied"). In this pattern the upload (s3:PutObject, kms:GenerateDataKey) runs as role B and ECR as role A.`,
    fix: 'find which credentials the failing step used (`aws sts get-caller-identity` in that step, or the upload log\'s "credentials:" line), then check that role\'s permission policy and the bucket or key policy for the action.',
  };
}

function assumeRoleDenied(context: ExplainContext): Explanation {
  const trusted = context.trustedPrincipals?.length ? `role B's trust policy in the repo names ${context.trustedPrincipals.join(', ')}` : "role B's trust policy must name the caller's role";
  const tags = context.sessionTags ? ` The request carried session tags, so the trust must also allow sts:TagSession (${tagSessionExplanation(context).fix})` : '';
  return {
    problem: 'role B cannot be assumed by this session',
    why: `STS denied ${context.callerArn ?? 'the caller'} sts:AssumeRole on ${context.roleArn ?? 'role B'}. AWS gives the same answer when the role does not exist, when its trust policy does not name the caller's role (${trusted}), and when the caller's permissions lack sts:AssumeRole on it.${tags}`,
    fix: `check that ${context.roleArn ?? 'role B'} exists (\`aws iam get-role --role-name NAME\`), that its trust policy names role A's ARN (arn:PARTITION:iam::ACCOUNT:role/ROLE_A, not the assumed-role session ARN), and that role A's policy allows sts:AssumeRole on role B. Run doctor with role A's credentials, as the workflow does.`,
  };
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const candidate = (error as { Code?: unknown; name?: unknown }).Code ?? (error as { name?: unknown }).name;
    if (typeof candidate === 'string') return candidate;
  }
  return '';
}
