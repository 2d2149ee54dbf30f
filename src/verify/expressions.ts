/**
 * No attacker-influenced `${{ }}` pasted into a script: GitHub substitutes it before the shell
 * parses the line, so a value holding quotes or $(...) becomes code. Only values someone outside
 * the workflow can choose are reported: the github.event fields GitHub names as untrusted
 * (https://docs.github.com/en/actions/concepts/security/script-injections), github.head_ref,
 * inputs (chosen by whoever dispatches or calls), and, at medium, step and job outputs, which may
 * carry such data. env, matrix, runner, vars, secrets and the commit SHA are the workflow's own.
 */
import type { Repository } from './parsed-repository';
import type { Report, Severity } from './rules';
import { usesAction } from './workflow-reader';

/** Event fields GitHub or the repository sets: numbers, ids, SHAs, times, flags. */
const SAFE_EVENT_FIELD = /(^|[._])(number|id|sha|before|after|size|count|merged|draft|action|created_at|updated_at|closed_at|merged_at|private|fork|html_url|url)$/;

/** How far someone outside the workflow can choose the value: high, medium, or not at all. */
export function expressionRisk(expression: string): Severity | undefined {
  const sources = expression.match(/\b(?:github\.event(?:\.[\w-]+|\[[^\]]*\])*|github\.head_ref|inputs\.[\w-]+|(?:steps|needs)\.[\w-]+\.outputs\.[\w-]+)/g) ?? [];
  let risk: Severity | undefined;
  for (const source of sources) {
    if (source.startsWith('github.event') && SAFE_EVENT_FIELD.test(source)) continue;
    if (/^(steps|needs)\./.test(source)) risk ??= 'medium';
    else return 'high';
  }
  return risk;
}

export function checkExpressionsInRun({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const scripts = [step.run && { source: step.run.source, offset: step.run.startOffset, key: 'run:' }];
      const script = step.with.script;
      if (script && usesAction(step, 'actions/github-script')) scripts.push({ source: script.source, offset: script.startOffset, key: 'with.script:' });
      for (const entry of scripts) {
        if (!entry) continue;
        for (const match of entry.source.matchAll(/\$\{\{\s*([\s\S]*?)\s*\}\}/g)) {
          const risk = expressionRisk(match[1]!);
          if (!risk) continue;
          const name = match[1]!.replace(/[^\w.-]+/g, '_').toUpperCase().replace(/^.*\./, '').replace(/-/g, '_') || 'VALUE';
          const who = risk === 'high' ? 'whoever triggers the workflow chooses this value' : 'this output may carry data from outside the workflow';
          report(workflow.path, workflow.lineOf(entry.offset + match.index!), 'expression-in-run', `\${{ ${match[1]} }} is pasted into the ${entry.key} script before the shell runs, and ${who}: a value with quotes or $(...) becomes code`, `pass it through env: (env: { ${name}: \${{ ${match[1]} }} }) and use "$${name}" in the script`, risk);
        }
      }
    }
  }
}
