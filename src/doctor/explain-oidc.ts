/**
 * Signing in with GitHub's OIDC token: credentials that never loaded, the account's OIDC
 * provider, and a trust policy that refuses the token.
 */
import { ACTIONS } from '../core/actions';
import type { ErrorText } from './error-text';
import type { ExplainContext, Explanation } from './explanation';
import type { RepoFacts } from './explanation';

/** The `sub` claim GitHub puts in the OIDC token, by what triggered the job
 * (https://docs.github.com/en/actions/reference/security/oidc). */
export const SUB_FORMATS = [
  'repo:OWNER/NAME:environment:ENV        a job with `environment:` (replaces the ref form below)',
  'repo:OWNER/NAME:ref:refs/heads/BRANCH  a push, or a workflow_dispatch run from that branch, no environment',
  'repo:OWNER/NAME:ref:refs/tags/TAG      a tag push, no environment',
  'repo:OWNER/NAME:pull_request           any pull_request event (forks included): never trust it for deploy roles',
  'repo:OWNER@OWNER_ID/NAME@REPO_ID:...   immutable form: repositories created, renamed or transferred from 2026-07-15, and those opted in (ids: gh api repos/OWNER/NAME --jq \'.owner.id, .id\')',
];

const CURRENT_MAJOR = Number(/^v(\d+)/.exec(ACTIONS.configureAwsCredentials.version)![1]);

/**
 * configure-aws-credentials fails with "Credentials could not be loaded, please check your
 * action inputs: Could not load credentials from any providers" when it has nothing to sign in
 * with: no OIDC token (no `id-token: write`, or a pull request from a fork, whose token GitHub caps
 * at read), keys from secrets that are empty, or role-chaining with no earlier credentials
 * (its source: src/index.ts and src/CredentialsClient.ts). Older releases printed the same words
 * for other failures, an STS refusal among them (aws-actions/configure-aws-credentials#282).
 */
export function explainNoCredentials(error: ErrorText, context: ExplainContext): Explanation | undefined {
  if (!/could not load credentials|credentials could not be loaded|unable to locate credentials|CredentialsProviderError/i.test(`${error.code ?? ''} ${error.text}`)) return undefined;
  if (!context.fromLog) {
    return {
      problem: 'no AWS credentials',
      why: 'no credentials were found in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), the shared files (~/.aws, AWS_PROFILE), SSO or a web identity token.',
      fix: 'sign in first (e.g. `aws sso login --profile NAME` and set AWS_PROFILE=NAME, or export temporary keys), then run doctor again. In a workflow, run it after aws-actions/configure-aws-credentials.',
    };
  }
  const facts = context.facts;
  const causes = facts ? repoCauses(facts) : [];
  // The action logs this line when a role is set but the job has no OIDC token (src/index.ts).
  if (/Did you mean to set the .?id-token.? permission/i.test(error.text)) {
    causes.unshift('the action noted that the job had no OIDC token: the job lacks `permissions: id-token: write`, or the run is a pull request from a fork, whose token GitHub caps at id-token: read');
  }
  const general = [
    'the job has no `permissions: id-token: write` (GitHub gives no OIDC token without it; a job-level `permissions:` replaces the workflow\'s)',
    'the run is a pull request from a fork: GitHub caps the fork\'s token at id-token: read and passes no secrets, so there is nothing to sign in with',
    'aws-access-key-id / aws-secret-access-key come from secrets that are empty in this run (forks, Dependabot, a secret not defined for this environment)',
    'a step with role-chaining: true runs before any step that signed in',
    `an older configure-aws-credentials (before the current ${ACTIONS.configureAwsCredentials.version}) printed this one message for several failures, an STS refusal of the trust policy among them`,
  ];
  return {
    problem: 'configure-aws-credentials had no credentials to start from',
    why: `the action found nothing to sign in with. This message covers several causes:\n${(causes.length ? causes : general).map((cause) => `      - ${cause}`).join('\n')}${causes.length ? '' : facts ? '\n      The repository shows none of them in its files (id-token: write granted, no pull_request trigger, a current action): look at the event and the secrets of the failing run.' : '\n      Run doctor with the repository directory to see which of these the workflow shows.'}`,
    fix: causes.length ? 'fix the cause above; then, if the step still fails, its log line right before this one (and the current action version) tells the STS answer.' : 'grant `id-token: write` on the job that signs in, run AWS steps only for events from this repository (`if: github.event.pull_request.head.repo.full_name == github.repository`), upgrade configure-aws-credentials to the current release to see the real error, and check that chaining steps come after the OIDC step.',
  };
}

function repoCauses(facts: RepoFacts): string[] {
  const causes: string[] = [];
  for (const step of facts.oidcSteps.filter((s) => s.idToken === false)) {
    causes.push(`${step.where}: this job has no \`permissions: id-token: write\` (GitHub's token has no id-token unless the job or the workflow grants it; a job-level permissions: replaces the workflow's), so the action has no OIDC token for ${step.role}`);
  }
  if (facts.triggers.some((t) => t === 'pull_request' || t === 'pull_request_target')) {
    causes.push(`the workflow runs on ${facts.triggers.filter((t) => t.startsWith('pull_request')).join(' and ')}: on a pull request from a fork GitHub caps the token at id-token: read and passes no secrets, so the step cannot sign in there; skip AWS steps for forks`);
  }
  if (facts.credentialsActionMajor !== undefined && facts.credentialsActionMajor < CURRENT_MAJOR) {
    causes.push(`the workflow uses configure-aws-credentials v${facts.credentialsActionMajor}, whose releases printed this one message for several failures (an STS refusal of the trust policy among them); upgrade to ${ACTIONS.configureAwsCredentials.version} to see the real error`);
  }
  return causes;
}

/** The account's OIDC provider for token.actions.githubusercontent.com, as STS reports it. */
export function explainOidcProvider(error: ErrorText): Explanation | undefined {
  if (/Incorrect token audience/i.test(error.text)) {
    return {
      problem: 'the OIDC provider does not accept the token\'s audience',
      why: 'the token\'s aud claim is not in the client ID list (audience) of the account\'s OIDC provider for token.actions.githubusercontent.com. configure-aws-credentials asks GitHub for aud = sts.amazonaws.com unless its audience input says otherwise.',
      fix: 'add sts.amazonaws.com to the provider\'s audiences (client IDs) (`aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ARN --client-id sts.amazonaws.com`), or make the step\'s `audience:` input and the trust policy\'s aud condition name what the provider lists.',
    };
  }
  if (/No OpenIDConnect provider found/i.test(error.text)) {
    return {
      problem: 'no OIDC provider for GitHub in this account',
      why: 'the account of role A has no IAM OIDC identity provider for the issuer of the token (https://token.actions.githubusercontent.com on github.com; https://token.actions.githubusercontent.com/ENTERPRISE with an enterprise\'s unique token URL; https://HOST/_services/token on GitHub Enterprise Server), or the trust policy\'s Principal.Federated names a provider ARN of another account or URL (the old vstoken.actions.githubusercontent.com, for one).',
      fix: 'create the provider in role A\'s account for the issuer the tokens come from (`aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com`, or the generated CloudFormation with oidcProvider: create, and oidcIssuer / ghesHost for an enterprise issuer) and make role A\'s trust name arn:PARTITION:iam::ACCOUNT:oidc-provider/ plus the issuer without https://, and its condition keys the same name (token.actions.githubusercontent.com:sub, HOST/_services/token:sub).',
    };
  }
  if (/thumbprint/i.test(error.text)) {
    return {
      problem: 'the OIDC provider\'s certificate thumbprint',
      why: 'STS checked the provider\'s TLS certificate against the thumbprints configured on the IAM OIDC provider and none matched. For GitHub, IAM now verifies the certificate through its library of trusted root CAs and keeps the legacy thumbprints unused (UpdateOpenIDConnectProviderThumbprint, IAM API reference), so this comes from a partition or setup where thumbprints still decide.',
      fix: 'update the provider\'s thumbprint list to the certificate GitHub serves now (`aws iam update-open-id-connect-provider-thumbprint`), or recreate the provider; then run the job again.',
    };
  }
  return undefined;
}

/**
 * STS refused AssumeRoleWithWebIdentity: the token's sub (or aud) matches nothing in role A's
 * trust. StringEquals and StringLike compare case-sensitively
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
export function explainWebIdentity(error: ErrorText, context: ExplainContext): Explanation | undefined {
  if (!/AssumeRoleWithWebIdentity/.test(error.text) && !/^(InvalidIdentityToken|IDPRejectedClaim)$/.test(error.code ?? '')) return undefined;
  const facts = context.facts;
  const trusted = context.trustedSubjects?.length ? ` The repo's OIDC trust allows: ${context.trustedSubjects.join(', ')}.` : '';
  const repo = facts ? webIdentityCauses(facts, context.trustedSubjects ?? []) : [];
  return {
    problem: 'the OIDC role does not trust this token',
    why: `STS refused AssumeRoleWithWebIdentity: the token's sub (or aud) claim matches no condition of the role's trust policy, or the account has no OIDC provider for token.actions.githubusercontent.com.${trusted}${repo.length ? `\n${repo.map((cause) => `      - ${cause}`).join('\n')}` : ''}\n      GitHub sends one of these sub forms:\n${SUB_FORMATS.map((line) => `      ${line}`).join('\n')}\n      IAM compares them case-sensitively under StringEquals and StringLike: Acme/App is not acme/app.`,
    fix: 'make the trust policy list the sub the failing job sends, spelled as GitHub spells the owner and repository (its environment if the job has one, else its branch or tag; the immutable OWNER@ID/NAME@ID form after a rename, a transfer or an opt-in, and for repositories created from 2026-07-15), keep aud = sts.amazonaws.com, and give the job `permissions: id-token: write`. A second configure-aws-credentials step meant to assume another role with the first one\'s credentials needs role-chaining: true.',
  };
}

function webIdentityCauses(facts: RepoFacts, subjects: readonly string[]): string[] {
  const causes: string[] = [];
  if (facts.unchainedSecondStep) {
    causes.push(`${facts.unchainedSecondStep.where}: a second configure-aws-credentials step for ${facts.unchainedSecondStep.role} has no role-chaining: true, so it signs in with the OIDC token again, and that role trusts role A, not GitHub's token: add role-chaining: true`);
  }
  if (facts.triggers.includes('workflow_dispatch') && subjects.some((s) => /:ref:refs\/heads\/[^*]+$/.test(s))) {
    causes.push('the workflow can be dispatched by hand (workflow_dispatch) from any branch, and the sub names the branch it was run from; the trust allows only the branches it lists');
  }
  if (facts.environments.length > 0 && subjects.length > 0 && !subjects.some((s) => s.includes(':environment:'))) {
    causes.push(`the job runs in environment ${facts.environments.join(', ')}, so its sub is repo:OWNER/NAME:environment:ENV, which the trust does not list`);
  }
  if (subjects.length > 0 && !subjects.some((s) => s.includes('@'))) {
    causes.push('the trust lists only name-based subjects: after a rename, a transfer or an opt-in to immutable subjects, GitHub sends repo:OWNER@OWNER_ID/NAME@REPO_ID:...');
  }
  return causes;
}
