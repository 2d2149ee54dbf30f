/** Actions pinned to full commit SHAs, at their current major version. */
import { ACTIONS } from '../core/actions';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { actionName } from './workflow-reader';

export function checkActions({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      if (!step.uses) continue;
      const uses = step.uses.value;
      if (uses.startsWith('./')) continue;
      if (uses.startsWith('docker://')) {
        if (!/@sha256:[a-f0-9]{64}$/.test(uses)) {
          report(workflow.path, step.uses.line, 'action-not-pinned', `${uses} is not pinned to an image digest: the tag can be moved to other content`, `pin it: ${uses.replace(/@.*$/, '')}@sha256:<digest>`);
        }
        continue;
      }
      const ref = uses.includes('@') ? uses.slice(uses.lastIndexOf('@') + 1) : '';
      if (!/^[0-9a-f]{40}$/.test(ref)) {
        const known = Object.values(ACTIONS).find((a) => a.repository.toLowerCase() === actionName(uses).toLowerCase());
        const example = known ? `${known.repository}@${known.sha} # ${known.version}` : `${actionName(uses)}@<40-hex commit SHA> # <tag>`;
        report(workflow.path, step.uses.line, 'action-not-pinned', `${uses} is not pinned to a commit SHA: whoever controls the tag "${ref || '(none)'}" controls the code that runs with your AWS role`, `pin it to the release's full commit SHA, e.g. ${example}`);
      }
      const known = Object.values(ACTIONS).find((a) => a.repository.toLowerCase() === actionName(uses).toLowerCase());
      const version = /^v\d/.test(ref) ? ref : step.uses.comment;
      const major = version ? /^v?(\d+)/.exec(version)?.[1] : undefined;
      const currentMajor = known ? /^v(\d+)/.exec(known.version)![1] : undefined;
      if (known && major && Number(major) < Number(currentMajor)) {
        report(workflow.path, step.uses.line, 'action-outdated', `${actionName(uses)} ${version} is older than the current major version ${known.version}`, `upgrade to ${known.repository}@${known.sha} # ${known.version}`);
      }
    }
  }
}
