/** No `${{ }}` pasted into a script: GitHub substitutes it before the shell parses the line. */
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { usesAction } from './workflow-reader';

export function checkExpressionsInRun({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const scripts = [step.run && { source: step.run.source, offset: step.run.startOffset, key: 'run:' }];
      const script = step.with.script;
      if (script && step.uses && usesAction(step, 'actions/github-script')) {
        scripts.push({ source: `${script.value}`, offset: -1, key: 'with.script:' });
      }
      for (const entry of scripts) {
        if (!entry) continue;
        for (const match of entry.source.matchAll(/\$\{\{\s*([\s\S]*?)\s*\}\}/g)) {
          const line = entry.offset >= 0 ? workflow.lineOf(entry.offset + match.index!) : script!.line;
          const name = match[1]!.replace(/[^\w.-]+/g, '_').toUpperCase().replace(/^.*\./, '') || 'VALUE';
          report(workflow.path, line, 'expression-in-run', `\${{ ${match[1]} }} is pasted into the ${entry.key} script before the shell runs: a value with quotes or $(...) becomes code`, `pass it through env: (env: { ${name}: \${{ ${match[1]} }} }) and use "$${name}" in the script`);
        }
      }
    }
  }
}
