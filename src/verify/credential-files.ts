/** The credentials file a workflow writes: outside the build context, ignored, masked, removed. */
import { isDockerignored } from './dockerignore-match';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { lineInRun, resolveShell, splitList, unquote, type WorkflowFile, type WorkflowStep } from './workflow-reader';

const ASSUME_ROLE = /\bsts\s+(assume-role|assume-role-with-web-identity|get-session-token)\b/;
const RUNNER_OUTPUT_FILES = /^\$\{?(GITHUB_OUTPUT|GITHUB_ENV|GITHUB_STEP_SUMMARY|GITHUB_PATH|GITHUB_STATE)\}?$|^\/dev\//;

interface CredentialFile {
  readonly workflow: WorkflowFile;
  readonly step: WorkflowStep;
  readonly line: number;
  /** As written, variables resolved. */
  readonly path: string;
}

function credentialFiles(workflow: WorkflowFile): CredentialFile[] {
  const found: CredentialFile[] = [];
  for (const step of workflow.steps) {
    if (step.run && ASSUME_ROLE.test(step.run.value)) {
      const resolved = resolveShell(step.run.value, step.env);
      for (const match of resolved.matchAll(/(?<![>&\d])>(?![>&])\s*("[^"]+"|'[^']+'|[^\s;|&)]+)|\btee\s+(?:-a\s+)?("[^"]+"|'[^']+'|[^\s;|&)]+)/g)) {
        const target = unquote(match[1] ?? match[2]!);
        if (RUNNER_OUTPUT_FILES.test(target)) continue;
        found.push({ workflow, step, line: lineInRun(workflow, step, rawRedirect(step.run.value, match.index!, resolved)), path: target });
      }
    }
    const secretFiles = step.with['secret-files'];
    if (secretFiles && step.uses && /docker\/build-push-action/i.test(step.uses.value)) {
      for (const entry of splitList(secretFiles.value)) {
        const source = unquote(entry.split('=').slice(1).join('='));
        if (source && !source.includes('${{')) found.push({ workflow, step, line: secretFiles.line, path: source });
      }
    }
  }
  // One finding per path: the file written and the same file handed to the build are one file.
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = normalizePath(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The redirect's text in the unresolved script, for its line: the first `>` on the same logical line. */
function rawRedirect(raw: string, resolvedIndex: number, resolved: string): string {
  const lineNumber = resolved.slice(0, resolvedIndex).split('\n').length - 1;
  const logicalLines = raw.replace(/\\\r?\n/g, '\u0000').split('\n');
  const logical = logicalLines[lineNumber] ?? '';
  const parts = logical.split('\u0000');
  return parts.find((part) => />(?![>&])|\btee\s/.test(part)) ?? parts[0] ?? '';
}

function isOutsideWorkspace(path: string): boolean {
  if (/^(\$\{?GITHUB_WORKSPACE\}?|\$\{\{\s*github\.workspace\s*\}\})/.test(path)) return false;
  return /^(\$\{?(RUNNER_TEMP|HOME|RUNNER_TOOL_CACHE)\}?|\$\{\{\s*runner\.temp\s*\}\}|~|\/)/.test(path);
}

function normalizePath(path: string): string {
  return path.replace(/^\.\//, '');
}

export function checkCredentialFiles({ workflows, files }: Repository, report: Report): void {
  const dockerignore = files.get('.dockerignore');
  for (const workflow of workflows) {
    const written = credentialFiles(workflow);
    for (const file of written) {
      if (!isOutsideWorkspace(file.path)) {
        report(workflow.path, file.line, 'credentials-in-build-context', `the credentials file ${file.path} is in the workspace, the build context: COPY . . bakes it into an image layer`, 'write it under $RUNNER_TEMP (outside the checkout) and pass that path to the build');
      }
      const name = file.path.split('/').pop()!;
      const covered = dockerignore !== undefined && isDockerignored(dockerignore, name) && isDockerignored(dockerignore, `sub/dir/${name}`);
      if (!covered) {
        const why = dockerignore === undefined ? 'there is no .dockerignore' : '.dockerignore does not exclude it';
        report(workflow.path, file.line, 'credentials-not-dockerignored', `the credentials file name ${name} could enter a build context: ${why}`, `add "**/${name}" (or a pattern such as "**/*credentials*") to .dockerignore`);
      }
    }
    const steps = [...new Set(written.map((f) => f.step))].filter((step) => step.run && ASSUME_ROLE.test(step.run.value));
    for (const step of steps) {
      if (!step.run!.value.includes('::add-mask::')) {
        report(workflow.path, step.run!.line, 'credentials-not-masked', 'the step writes temporary credentials without masking them: a later `cat`, `set -x` or error message prints them in the log', 'echo "::add-mask::$value" for the access key id, the secret key and the session token before using them');
      }
      const paths = written.filter((f) => f.step === step).map((f) => normalizePath(f.path));
      const later = workflow.steps.filter((s) => s.job === step.job && s.index > step.index);
      const removed = later.some(
        (s) => s.run && /always\(\)/.test(s.if ?? '') && /\brm\b/.test(s.run.value) &&
          paths.every((path) => removesPath(resolveShell(s.run!.value, s.env), path)),
      );
      if (!removed) {
        report(workflow.path, step.run!.line, 'credentials-not-removed', `no later step with if: always() removes ${paths.join(', ')}: it outlives the job on a self-hosted or reused runner`, `add a last step: - if: always()\n  run: rm -f -- "${paths[0] ?? 'the credentials file'}"`);
      }
    }
  }
}

function removesPath(script: string, path: string): boolean {
  return script.split('\n').some((line) => {
    if (!/\brm\b/.test(line)) return false;
    const operands = line.replace(/\brm\b/, '').split(/\s+/).map(unquote).filter((word) => word && !word.startsWith('-')).map(normalizePath);
    return operands.some((operand) => path === operand || path.startsWith(`${operand.replace(/\/+$/, '')}/`));
  });
}
