/** Actions and reusable workflows pinned to full commit SHAs, at their current major version. */
import { ACTIONS } from '../core/actions';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { actionName, usesAction, type Located, type WorkflowFile } from './workflow-reader';

type Uses = Located & { readonly comment?: string };

export function checkActions({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    const holds = usesAws(workflow) ? 'runs with your AWS role' : 'runs with this workflow\'s token and secrets';
    for (const step of workflow.steps) {
      if (step.uses) checkUses(workflow, step.uses, holds, 'action', report);
    }
    for (const job of workflow.jobs) {
      // A reusable workflow runs in the caller's job with the permissions and secrets it is given.
      if (job.uses) checkUses(workflow, job.uses, holds, 'reusable workflow', report);
    }
  }
}

function usesAws(workflow: WorkflowFile): boolean {
  return workflow.steps.some((step) => usesAction(step, 'aws-actions/configure-aws-credentials') || /\baws\s+\w/.test(step.run?.value ?? '') || Object.keys(step.env).some((name) => name.startsWith('AWS_')));
}

function checkUses(workflow: WorkflowFile, uses: Uses, holds: string, what: string, report: Report): void {
  const value = uses.value;
  if (value.startsWith('./')) return;
  if (value.startsWith('docker://')) {
    if (!/@sha256:[a-f0-9]{64}$/.test(value)) {
      report(workflow.path, uses.line, 'action-not-pinned', `${value} is not pinned to an image digest: the tag can be moved to other content`, `pin it: ${value.replace(/@.*$/, '')}@sha256:<digest>`);
    }
    return;
  }
  const ref = value.includes('@') ? value.slice(value.lastIndexOf('@') + 1) : '';
  const known = Object.values(ACTIONS).find((a) => a.repository.toLowerCase() === actionName(value).toLowerCase());
  const pinned = /^[0-9a-f]{40}$/.test(ref);
  if (!pinned) {
    const example = known ? `${known.repository}@${known.sha} # ${known.version}` : `${actionName(value)}@<40-hex commit SHA> # <tag>`;
    report(workflow.path, uses.line, 'action-not-pinned', `${value} is not pinned to a commit SHA: whoever controls the ${what}'s ref "${ref || '(none)'}" controls the code that ${holds}`, `pin it to the release's full commit SHA, e.g. ${example}`);
  }
  if (!known) return;
  const version = /^v\d/.test(ref) ? ref : uses.comment;
  const major = version ? /^v?(\d+)/.exec(version)?.[1] : undefined;
  const currentMajor = /^v(\d+)/.exec(known.version)![1];
  if (major && Number(major) < Number(currentMajor)) {
    report(workflow.path, uses.line, 'action-outdated', `${actionName(value)} ${version} is older than the current major version ${known.version}`, `upgrade to ${known.repository}@${known.sha} # ${known.version}`);
  } else if (pinned && !major && ref !== known.sha) {
    // A bare SHA says nothing of its release; only the current release's commit is known here.
    report(workflow.path, uses.line, 'action-outdated', `${actionName(value)} is pinned to ${ref.slice(0, 12)}, which is not the commit of the current release ${known.version}, and has no version comment: which release it is cannot be read from the workflow`, `pin the current release with its version as a comment: ${known.repository}@${known.sha} # ${known.version}`);
  }
}
