/**
 * GitHub's OIDC `sub` claims: the ones this repo's runs send, and the rules for a trusted
 * pattern. The same rules judge a `--subjects` parameter and a trust policy `verify` reads.
 */

/**
 * From this day on GitHub sends immutable subjects (`repo:OWNER@ID/NAME@ID:...`) for new,
 * renamed and transferred repositories on github.com.
 */
export const IMMUTABLE_SUBJECTS_FROM = '2026-07-15';

export interface SubjectSource {
  readonly owner: string;
  readonly repoName: string;
  readonly ownerId?: string;
  readonly repoId?: string;
  readonly branches: readonly string[];
  readonly environments: readonly string[];
}

/**
 * The `sub` claims GitHub puts in the OIDC token of this repo's runs: a push to an allowed
 * branch, or a job in an allowed environment. With ids, the immutable form `owner@id/name@id`.
 */
export function deriveSubjects(source: SubjectSource): string[] {
  const repoPart =
    source.ownerId && source.repoId
      ? `${source.owner}@${source.ownerId}/${source.repoName}@${source.repoId}`
      : `${source.owner}/${source.repoName}`;
  // A job that names an environment gets the environment claim instead of the ref claim.
  if (source.environments.length > 0) {
    return source.environments.map((environment) => `repo:${repoPart}:environment:${environment}`);
  }
  return source.branches.map((branch) => `repo:${repoPart}:ref:refs/heads/${branch}`);
}

/** Why a trusted `sub` pattern admits more than one repository's chosen refs, if it does. */
export function subjectBreadthProblem(subject: string): string | undefined {
  if (/^[*?]+$/.test(subject)) return 'matches every repository on GitHub';
  const match = /^repo:([^:]*):?(.*)$/.exec(subject);
  if (!match) return subject.includes('*') || subject.includes('?') ? 'uses a wildcard outside the repo:OWNER/NAME:CONTEXT form' : undefined;
  const [, repository, context] = match as unknown as [string, string, string];
  if (/[*?]/.test(repository)) return 'has a wildcard in the repository part: other repositories can match';
  if (context === '' || /^[*?]+$/.test(context)) return 'allows every branch, tag, environment and pull request of the repository (a bare wildcard)';
  if (/^(ref:\*|ref:refs\/\*|ref:refs\/(heads|tags)\/\*|environment:\*)$/.test(context)) return `allows every ${context.startsWith('environment') ? 'environment' : 'ref'} of the repository`;
  return undefined;
}

/** Why a `subjects` parameter value cannot go into the trust policy: its form, or its breadth. */
export function subjectParameterProblem(subject: string): string | undefined {
  const match = /^repo:([^:]+):(.+)$/.exec(subject);
  if (!match) return 'must have the form repo:OWNER/NAME:CONTEXT';
  const breadth = subjectBreadthProblem(subject);
  if (breadth) return `must not be trusted: it ${breadth}`;
  const [, repoPart, context] = match as unknown as [string, string, string];
  if (!/^[\w.@-]+\/[\w.@-]+$/.test(repoPart)) return 'repository part must be OWNER/NAME (or OWNER@ID/NAME@ID)';
  if (!/^[\w./:@*?-]+$/.test(context)) return 'may contain only letters, digits and . / : @ * ? _ -';
  return undefined;
}
