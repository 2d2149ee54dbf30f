/** A session assumed from another role's session (role chaining) lasts at most an hour. */
import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { lineInRun, resolveShell, usesAction } from './workflow-reader';

export function checkChainedDuration({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const earlierRole = workflow.steps.some((s) => s.job === step.job && s.index < step.index && usesAction(s, 'aws-actions/configure-aws-credentials') && s.with['role-to-assume']);
      if (usesAction(step, 'aws-actions/configure-aws-credentials') && /^true$/i.test(step.with['role-chaining']?.value ?? '')) {
        const duration = step.with['role-duration-seconds'];
        if (duration && Number(resolveShell(duration.value, step.env)) > MAX_CHAINED_SESSION_DURATION) {
          report(workflow.path, duration.line, 'chained-session-too-long', `role-duration-seconds ${duration.value} with role-chaining: STS refuses more than ${MAX_CHAINED_SESSION_DURATION} s for a session assumed from another role's session`, `set role-duration-seconds to ${MAX_CHAINED_SESSION_DURATION} or less`);
        }
      }
      if (step.run && earlierRole && /\bsts\s+assume-role\b/.test(step.run.value)) {
        const resolved = resolveShell(step.run.value, step.env);
        for (const match of resolved.matchAll(/--duration-seconds[=\s]+["']?(\S+?)["']?(?=\s|$)/g)) {
          if (Number(match[1]) > MAX_CHAINED_SESSION_DURATION) {
            report(workflow.path, lineInRun(workflow, step, '--duration-seconds'), 'chained-session-too-long', `assume-role --duration-seconds ${match[1]} after the OIDC role: a chained session is capped at ${MAX_CHAINED_SESSION_DURATION} s and STS rejects the call`, `use --duration-seconds ${MAX_CHAINED_SESSION_DURATION} or less`);
          }
        }
      }
    }
  }
}
