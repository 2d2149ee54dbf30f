/** The credentials file a workflow writes: outside the build context, ignored, masked, removed. */
import { isDockerignored } from './dockerignore-match';
import type { Dockerfile, Repository } from './parsed-repository';
import type { Report } from './rules';
import { lineInRun, lineInValue, quotedLines, resolveShell, unquote, usesAction, type WorkflowFile, type WorkflowStep } from './workflow-reader';

const ASSUME_ROLE = /\bsts\s+(assume-role|assume-role-with-web-identity|get-session-token)\b/;
/** Credential values by name: the credentials file's keys, the variables, configure-aws-credentials' outputs. */
const CREDENTIAL_DATA = /\baws_(access_key_id|secret_access_key|session_token)\b|\bAWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)\b|\boutputs\.aws-(access-key-id|secret-access-key|session-token)\b|\.Credentials\b/i;
const RUNNER_OUTPUT_FILES = /^\$\{?(GITHUB_OUTPUT|GITHUB_ENV|GITHUB_STEP_SUMMARY|GITHUB_PATH|GITHUB_STATE)\}?$|^\/dev\//;

interface CredentialFile {
  readonly workflow: WorkflowFile;
  readonly step: WorkflowStep;
  readonly line: number;
  /** As written, variables resolved. */
  readonly path: string;
}

/** Each file credentials are written to, once per job: where it is written, else where it is handed to the build. */
function credentialFiles(workflow: WorkflowFile): CredentialFile[] {
  const found: CredentialFile[] = [];
  for (const step of workflow.steps) {
    if (step.run && writesCredentials(step)) found.push(...redirects(workflow, step));
    const secretFiles = step.with['secret-files'];
    if (secretFiles && usesAction(step, 'docker/build-push-action')) {
      for (const entry of quotedLines(secretFiles.value)) {
        const source = unquote(entry.split('=').slice(1).join('='));
        if (source && !source.includes('${{')) found.push({ workflow, step, line: lineInValue(workflow, secretFiles, entry), path: source });
      }
    }
  }
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = `${f.step.job}\u0000${normalizePath(f.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A step that writes credentials: it assumes a role, or its script names credential values. */
function writesCredentials(step: WorkflowStep): boolean {
  return ASSUME_ROLE.test(step.run!.value) || CREDENTIAL_DATA.test(step.run!.value) || Object.values(step.env).some((value) => CREDENTIAL_DATA.test(value));
}

/** The files a step's script writes that hold credentials. */
function redirects(workflow: WorkflowFile, step: WorkflowStep): CredentialFile[] {
  const resolved = resolveShell(step.run!.value, step.env);
  const assumes = ASSUME_ROLE.test(step.run!.value);
  const credentialVariables = Object.entries(step.env).filter(([, value]) => CREDENTIAL_DATA.test(value)).map(([name]) => name);
  const found: CredentialFile[] = [];
  const lines = resolved.split('\n');
  lines.forEach((line, index) => {
    for (const match of line.matchAll(/(?<![>&\d])>>?(?![>&])\s*("[^"]+"|'[^']+'|[^\s;|&)]+)|\btee\s+(?:-a\s+)?("[^"]+"|'[^']+'|[^\s;|&)]+)/g)) {
      const target = unquote(match[1] ?? match[2]!);
      if (RUNNER_OUTPUT_FILES.test(target)) continue;
      // After an assume-role call any write may hold its output; elsewhere the written text must name credentials.
      if (!assumes && !holdsCredentials(written(lines, index), credentialVariables)) continue;
      found.push({ workflow, step, line: lineInRun(workflow, step, rawLine(step.run!.value, index)), path: target });
    }
  });
  return found;
}

/** The text a redirect on line `index` writes: the line, and the here-document it opens. */
function written(lines: readonly string[], index: number): string {
  const heredoc = /<<-?\s*["']?(\w+)/.exec(lines[index]!);
  if (!heredoc) return lines[index]!;
  const end = lines.findIndex((line, i) => i > index && line.trim() === heredoc[1]);
  return lines.slice(index, end < 0 ? undefined : end + 1).join('\n');
}

function holdsCredentials(text: string, variables: readonly string[]): boolean {
  return CREDENTIAL_DATA.test(text) || variables.some((name) => new RegExp(`\\$\\{?${name}\\b`).test(text));
}

/** The logical line `index` of the unresolved script (continuations joined), for its file line. */
function rawLine(raw: string, index: number): string {
  const logical = raw.replace(/\\\r?\n/g, '\u0000').split('\n')[index] ?? '';
  const parts = logical.split('\u0000');
  return (parts.find((part) => />(?![>&])|\btee\s/.test(part)) ?? parts[0] ?? '').trim();
}

function isOutsideWorkspace(path: string): boolean {
  if (/^(\$\{?GITHUB_WORKSPACE\}?|\$\{\{\s*github\.workspace\s*\}\})/.test(path)) return false;
  return /^(\$\{?(RUNNER_TEMP|HOME|RUNNER_TOOL_CACHE)\}?|\$\{\{\s*runner\.temp\s*\}\}|~|\/)/.test(path);
}

function normalizePath(path: string): string {
  return path.replace(/^\.\//, '');
}

/** Where a Dockerfile copies the whole build context, if one does. */
function contextCopy(dockerfiles: readonly Dockerfile[]): string | undefined {
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && !instruction.flags.some((f) => f.name === 'from')) {
        const sources = instruction.args.trim().split(/\s+/).slice(0, -1);
        if (sources.some((source) => /^\.\/?$/.test(source))) return `${instruction.keyword} ${instruction.args.trim()} (${dockerfile.path}:${instruction.line})`;
      }
    }
  }
  return undefined;
}

export function checkCredentialFiles({ workflows, files, dockerfiles }: Repository, report: Report): void {
  const dockerignore = files.get('.dockerignore');
  const copy = contextCopy(dockerfiles);
  const intoLayer = copy ? `${copy} bakes it into an image layer` : 'every build sends it to the builder with the context, and a COPY of the context would bake it into an image layer';
  for (const workflow of workflows) {
    const written = credentialFiles(workflow);
    for (const file of written) {
      if (!isOutsideWorkspace(file.path)) {
        report(workflow.path, file.line, 'credentials-in-build-context', `the credentials file ${file.path} is in the workspace, the build context: ${intoLayer}`, 'write it under $RUNNER_TEMP (outside the checkout) and pass that path to the build');
      }
      const name = file.path.split('/').pop()!;
      const covered = dockerignore !== undefined && isDockerignored(dockerignore, name) && isDockerignored(dockerignore, `sub/dir/${name}`);
      if (!covered) {
        const why = dockerignore === undefined ? 'there is no .dockerignore' : '.dockerignore does not exclude it';
        report(workflow.path, file.line, 'credentials-not-dockerignored', `the credentials file name ${name} could enter a build context: ${why}`, `add "**/${name}" (or a pattern such as "**/*credentials*") to .dockerignore`);
      }
    }
    const steps = [...new Set(written.map((f) => f.step))].filter((step) => step.run && writesCredentials(step));
    for (const step of steps) {
      if (ASSUME_ROLE.test(step.run!.value) && !step.run!.value.includes('::add-mask::')) {
        report(workflow.path, step.run!.line, 'credentials-not-masked', 'the step writes temporary credentials without masking them: a later `cat`, `set -x` or error message prints them in the log', 'echo "::add-mask::$value" for the access key id, the secret key and the session token before using them');
      }
      const paths = written.filter((f) => f.step === step).map((f) => normalizePath(f.path));
      if (!removedAfter(workflows, workflow, step, paths)) {
        report(workflow.path, step.run!.line, 'credentials-not-removed', `no later step of job ${step.job} with if: always() removes ${paths.join(', ')}: it outlives the job on a self-hosted or reused runner`, `add a last step to the job: - if: always()\n  run: rm -f -- "${paths[0] ?? 'the credentials file'}"`);
      }
    }
  }
}

/** Whether a later always() step of the same job removes the paths; for a composite action, of the jobs that use it. */
function removedAfter(workflows: readonly WorkflowFile[], workflow: WorkflowFile, step: WorkflowStep, paths: readonly string[]): boolean {
  const removes = (s: WorkflowStep) => s.run !== undefined && /always\(\)/.test(s.if ?? '') && /\b(rm|shred)\b/.test(s.run.value) && paths.every((path) => removesPath(resolveShell(s.run!.value, s.env), path));
  const callers = workflow.kind === 'action' ? callersOf(workflows, workflow.path) : [];
  if (callers.length > 0) {
    return callers.every(({ caller, call }) => caller.steps.some((s) => s.job === call.job && s.index > call.index && removes(s)));
  }
  return workflow.steps.some((s) => s.job === step.job && s.index > step.index && removes(s));
}

/** The steps that run a local composite action (`uses: ./dir`). */
export function callersOf(workflows: readonly WorkflowFile[], actionPath: string): { caller: WorkflowFile; call: WorkflowStep }[] {
  const dir = actionPath.replace(/\/?action\.ya?ml$/, '');
  return workflows.flatMap((caller) => caller.steps.filter((s) => s.uses && s.uses.value.replace(/^\.\//, '').replace(/\/+$/, '') === dir).map((call) => ({ caller, call })));
}

function removesPath(script: string, path: string): boolean {
  return script.split('\n').some((line) => {
    if (!/\b(rm|shred)\b/.test(line)) return false;
    const operands = line.replace(/\b(rm|shred)\b/, '').split(/\s+/).map(unquote).filter((word) => word && !word.startsWith('-')).map(normalizePath);
    return operands.some((operand) => path === operand || path.startsWith(`${operand.replace(/\/+$/, '')}/`));
  });
}
