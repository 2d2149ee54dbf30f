import { flagOf, type ParameterName } from './parameters';

/** One broken rule: which parameter, what it was, what the rule is, how to fix it. */
export interface ConfigIssue {
  readonly parameter: ParameterName;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

/** Every broken rule of one set of options; its message lists them all. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
  }
}

/** `name (--flag) = value: rule. Fix: fix.` */
export function formatIssue(issue: ConfigIssue): string {
  const shown = issue.value === undefined ? 'missing' : JSON.stringify(issue.value);
  return `${issue.parameter} (${flagOf(issue.parameter)}) = ${shown}: ${issue.rule}. Fix: ${issue.fix}.`;
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return [`${issues.length} configuration ${noun}:`, ...issues.map((i) => `  - ${formatIssue(i)}`)].join('\n');
}
