/**
 * "User: ARN is not authorized to perform: ACTION on resource: RES because ..." read in this
 * pattern's terms: which role made the call, which role the action belongs to, which policy
 * refused, and what the repo's IAM documents allow (message shape:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
 */
import { roleNameOf, type Denial } from './error-text';
import type { ExplainContext, Explanation } from './explanation';
import type { TrustStatement } from '../verify/policy-reader';

/** What role B (the upload role) is for; everything else the workflow does runs as role A. */
const ROLE_B_ACTION = /^(s3:(PutObject|AbortMultipartUpload|CreateMultipartUpload|UploadPart|CompleteMultipartUpload|ListMultipartUploadParts)|kms:(GenerateDataKey|Decrypt|Encrypt))$/i;
const ROLE_A_ACTION = /^(ecr:[\w*]+|sts:AssumeRole)$/i;

export function explainDenial(denial: Denial, context: ExplainContext): Explanation {
  const belongsTo = ROLE_B_ACTION.test(denial.action) ? 'B' : ROLE_A_ACTION.test(denial.action) ? 'A' : undefined;
  const caller = callerOf(denial.principal, context);
  const who = whoCalled(denial, caller, belongsTo);
  const policy = whichPolicy(denial);
  const repo = repoPolicies(denial, context.facts?.statements ?? []);
  const wrongCaller = belongsTo !== undefined && caller !== undefined && caller !== belongsTo && caller !== 'other';
  return {
    problem: wrongCaller ? `${denial.action} was called with role ${caller}'s credentials, not role ${belongsTo}'s` : `${denial.action} denied to ${caller === 'other' ? 'credentials that are neither role A nor role B' : caller ? `role ${caller}` : denial.principal}`,
    why: [who, policy.why, repo].filter(Boolean).join('\n      '),
    fix: wrongCaller || caller === 'other' ? `${fixCaller(belongsTo)} ${policy.fix}` : policy.fix,
  };
}

type Caller = 'A' | 'B' | 'other' | undefined;

function callerOf(principal: string, context: ExplainContext): Caller {
  const name = roleNameOf(principal);
  const roleA = roleNameOf(context.facts?.roleA);
  const roleB = roleNameOf(context.roleArn);
  if (name && name === roleB) return 'B';
  if (name && name === roleA) return 'A';
  if (!roleA && !roleB) return undefined;
  return 'other';
}

function whoCalled(denial: Denial, caller: Caller, belongsTo: 'A' | 'B' | undefined): string {
  const role = belongsTo ? `In this pattern ${denial.action} is role ${belongsTo}'s (${belongsTo === 'B' ? 'the upload role: s3:PutObject, the multipart actions, kms:GenerateDataKey / kms:Decrypt for an SSE-KMS bucket' : 'the OIDC role: ECR push and sts:AssumeRole on role B'}).` : '';
  if (caller === 'other') return `The call was made by ${denial.principal}, neither role A nor role B of this repo: the SDK found other credentials first (AWS_* variables in the environment, a profile, or the runner's instance role through IMDS), so the credentials meant for the call never reached it. ${role}`;
  if (caller && belongsTo && caller !== belongsTo) return `The call was made by role ${caller}'s session (${denial.principal}), but ${role}`;
  const check = !caller && belongsTo && roleNameOf(denial.principal) ? ` If ${roleNameOf(denial.principal)} is not role ${belongsTo}, the call ran with the wrong credentials (run doctor with the repository directory to compare).` : '';
  return `The call was made by ${denial.principal}${caller ? ` (role ${caller})` : ''}. ${role}${check}`;
}

function fixCaller(belongsTo: 'A' | 'B' | undefined): string {
  if (belongsTo === 'B') return 'Hand role B\'s credentials to the step that uploads: the secret mounted on that RUN with required=true and AWS_SHARED_CREDENTIALS_FILE pointing at it, no AWS_ACCESS_KEY_ID / AWS_SESSION_TOKEN passed into the build as build args or env (they win over the file), AWS_EC2_METADATA_DISABLED=true so the SDK cannot fall back to an instance role.';
  return 'Make the step run with role A\'s session: after the OIDC configure-aws-credentials step, with no later step overwriting AWS_* in the environment.';
}

/** Which kind of policy refused, from the message's "because ..." / "with an explicit deny in ..." part. */
function whichPolicy(denial: Denial): { why: string; fix: string } {
  const type = denial.policyType ?? '';
  const resourcePolicy = /^s3:/i.test(denial.action) ? 'the bucket policy' : /^kms:/i.test(denial.action) ? 'the KMS key policy' : /^ecr:/i.test(denial.action) ? 'the ECR repository policy' : /^sts:/i.test(denial.action) ? "the role's trust policy" : 'the resource\'s policy';
  const place = /identity/.test(type) ? "the calling role's permission policies" : /resource/.test(type) ? resourcePolicy : /service control/.test(type) ? 'a service control policy of your AWS Organization' : /resource control/.test(type) ? 'a resource control policy of your AWS Organization' : /boundary/.test(type) ? "the role's permissions boundary" : /session/.test(type) ? 'the session policy passed when the role was assumed (inline-session-policy / managed-session-policies)' : /endpoint/.test(type) ? 'the VPC endpoint policy' : undefined;
  if (!place) {
    return {
      why: `The message does not say which policy refused: check the calling role's permission policies and ${resourcePolicy} for ${denial.action}${denial.resource ? ` on ${denial.resource}` : ''}.`,
      fix: `Allow ${denial.action}${denial.resource ? ` on ${denial.resource}` : ''} in the role's policy, and make sure ${resourcePolicy} does not deny it.`,
    };
  }
  if (denial.explicit) {
    return { why: `A Deny statement in ${place} matches this request: an explicit deny wins over any Allow.`, fix: `Find the Deny statement in ${place} that matches ${denial.action}${denial.resource ? ` on ${denial.resource}` : ''} and narrow it (its Condition or Resource); adding an Allow elsewhere cannot help.` };
  }
  return { why: `No statement in ${place} allows this request (an implicit deny).`, fix: `Add an Allow for ${denial.action}${denial.resource ? ` on ${denial.resource}` : ''} to ${place}.` };
}

/** What the repo's IAM documents say about the action. */
function repoPolicies(denial: Denial, statements: readonly TrustStatement[]): string {
  const matching = statements.filter((s) => s.actions.some((pattern) => wildcard(pattern, denial.action, true)));
  if (statements.length === 0) return '';
  if (matching.length === 0) return `None of the repo's IAM documents mentions ${denial.action}.`;
  return matching.map((s) => {
    const covers = !denial.resource || s.resources.length === 0 || s.resources.some((pattern) => wildcard(pattern, denial.resource!, false));
    return `${s.file}:${s.line} ${s.effect === 'Deny' ? 'denies' : 'allows'} it on ${s.resources.join(', ') || '(no Resource)'}${denial.resource ? (covers ? `, which covers ${denial.resource}` : `, which does not cover ${denial.resource}`) : ''}.`;
  }).join('\n      ');
}

/** IAM's wildcards: `*` any run of characters, `?` one; actions compare case-insensitively. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
