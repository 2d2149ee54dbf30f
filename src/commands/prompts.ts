import { resolveConfig, type KeylessBuildOptions } from '../core/config';
import { ConfigError } from '../core/config-error';
import { findParameter, type ParameterName } from '../core/parameters';

/**
 * Asks for each missing required parameter, checking every answer with the same rules as
 * the flags. Loaded only when a terminal is attached and something is missing.
 * @returns the completed options, or undefined when the user cancelled.
 */
export async function promptForMissing(
  options: Record<string, unknown>,
  missing: readonly ParameterName[],
): Promise<Record<string, unknown> | undefined> {
  const prompts = await import('@clack/prompts');
  prompts.intro('create-keyless-build');
  const answers: Record<string, unknown> = { ...options };
  for (const name of missing) {
    const parameter = findParameter(name);
    const answer = await prompts.text({
      message: `${parameter.description} (${parameter.flag})`,
      placeholder: parameter.example,
      validate: (value) => problemWith(answers, name, value ?? ''),
    });
    if (prompts.isCancel(answer)) {
      prompts.cancel('Cancelled: nothing was written.');
      return undefined;
    }
    answers[name] = answer;
  }
  prompts.outro('All required parameters set.');
  return answers;
}

function problemWith(options: Record<string, unknown>, name: ParameterName, value: string): string | undefined {
  if (value.trim() === '') return 'required';
  try {
    resolveConfig({ ...options, [name]: value } as unknown as KeylessBuildOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const own = error.issues.find((issue) => issue.parameter === name);
    if (own) return `${own.rule}. Fix: ${own.fix}.`;
  }
  return undefined;
}

/**
 * Asks for the repository's numeric ids when they could not be looked up; an empty answer skips.
 * @returns both ids, or undefined when skipped or cancelled.
 */
export async function promptForIds(repo: string, tried: readonly string[]): Promise<{ ownerId: string; repoId: string } | undefined> {
  const prompts = await import('@clack/prompts');
  prompts.note(`${tried.join('\n')}\n\nRepositories created from 2026-07-15 send immutable OIDC subjects (repo:owner@ID/name@ID).\nFind the ids with: gh api repos/${repo} --jq '.owner.id, .id'\nLeave empty to trust the legacy form.`, `${repo}'s numeric ids`);
  const numeric = (value: string | undefined) => (!value || /^[1-9]\d{0,19}$/.test(value.trim()) ? undefined : 'a number, or empty to skip');
  const ownerId = await prompts.text({ message: `numeric id of ${repo.split('/')[0]} (--owner-id)`, placeholder: 'empty: legacy subjects', validate: numeric });
  if (prompts.isCancel(ownerId) || !ownerId?.trim()) return undefined;
  const repoId = await prompts.text({ message: `numeric id of ${repo} (--repo-id)`, placeholder: 'empty: legacy subjects', validate: numeric });
  if (prompts.isCancel(repoId) || !repoId?.trim()) return undefined;
  return { ownerId: ownerId.trim(), repoId: repoId.trim() };
}
