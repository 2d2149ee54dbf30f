/** OIDC trust policies: a sub condition that names the repository and the ref or environment. */
import { HAND_OVER_FILE } from '../core/constants';
import { isGitHubProvider } from '../core/issuer';
import { subjectBreadthProblem } from '../core/subjects';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { usesAction } from './workflow-reader';

export function checkTrust({ workflows, policies }: Repository, report: Report): void {
  for (const file of policies.unreadable) {
    report(file.file, file.line, 'file-unreadable', `could not be parsed, so its policies were not checked: ${file.message}`, 'fix the JSON/YAML syntax (AWS rejects it too), then run verify again');
  }
  const webIdentity = policies.statements.filter((s) => s.actions.some((a) => /^sts:(AssumeRoleWithWebIdentity|\*)$/i.test(a)));
  for (const statement of webIdentity) {
    // github.com's issuer, an enterprise's own (token.actions.githubusercontent.com/ENTERPRISE) or GHES's (HOST/_services/token).
    if (statement.federated.length > 0 && !statement.federated.some(isGitHubProvider)) continue;
    if (statement.subjects.length === 0) {
      report(statement.file, statement.line, 'trust-missing-sub', 'trusts GitHub OIDC tokens without a sub condition: any workflow of any repository on GitHub can assume the role', 'add "token.actions.githubusercontent.com:sub": "repo:OWNER/NAME:ref:refs/heads/main" (StringEquals) to the Condition');
    }
    for (const subject of statement.subjects) {
      const problem = subjectBreadthProblem(subject.value);
      if (problem) {
        report(statement.file, subject.line, 'trust-wildcard-sub', `sub "${subject.value}" ${problem}`, 'name the repository and the ref or environment: repo:OWNER/NAME:ref:refs/heads/main or repo:OWNER/NAME:environment:production');
      }
    }
  }

  // A repo that keeps its IAM documents but not the trust of the role it assumes with OIDC. A role
  // A that belongs to another team is the exception the repo declares: it hands them their
  // statement (iam/for-oidc-role-owners.json) and its role B trusts that role to chain from.
  const handsOver = [...repositoryFiles(policies)].some((path) => path === HAND_OVER_FILE || path.endsWith(`/${HAND_OVER_FILE}`));
  const chainedFrom = new Set(
    handsOver ? policies.statements.filter((s) => s.actions.some((a) => /^sts:AssumeRole$/i.test(a))).flatMap((s) => s.principals) : [],
  );
  if (policies.policyFiles > 0 && webIdentity.length === 0) {
    for (const workflow of workflows) {
      for (const step of workflow.steps) {
        const role = step.with['role-to-assume'];
        if (!role || !usesAction(step, 'aws-actions/configure-aws-credentials') || step.with['aws-access-key-id'] || /^true$/i.test(step.with['role-chaining']?.value ?? '')) continue;
        if (chainedFrom.has(role.value)) continue;
        report(workflow.path, role.line, 'oidc-trust-missing', `assumes ${role.value} with GitHub OIDC, but none of the repository's IAM documents is an OIDC trust policy: which repository and branch may assume it is not written down`, 'add the role\'s trust policy: Principal Federated = the token.actions.githubusercontent.com provider, Action sts:AssumeRoleWithWebIdentity, Condition StringEquals aud = sts.amazonaws.com and sub = repo:OWNER/NAME:ref:refs/heads/main');
      }
    }
  }
}

/** The paths of the repository's policy documents. */
function repositoryFiles(policies: Repository['policies']): Set<string> {
  return new Set(policies.statements.map((statement) => statement.file));
}
