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
