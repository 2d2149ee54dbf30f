import { parseDockerfile, type DockerInstruction } from './dockerfile-reader';
import { isActionPath, isDockerfilePath, isWorkflowPath } from './file-kinds';
import { readPolicies, type PolicyFiles } from './policy-reader';
import { lineInRun, resolveShell, scanAction, scanWorkflow, unquote, usesAction, type WorkflowFile } from './workflow-reader';

/** A repository as the rules see it: its files, and those of them that are read as something. */
export interface Repository {
  /** Path relative to the repo root, `/`-separated -> content. */
  readonly files: ReadonlyMap<string, string>;
  /** Workflows and composite actions (kind tells which). */
  readonly workflows: readonly WorkflowFile[];
  readonly dockerfiles: readonly Dockerfile[];
  readonly policies: PolicyFiles;
  /** The date end-of-life rules compare with. */
  readonly today: Date;
}

export interface Dockerfile {
  readonly path: string;
  readonly instructions: readonly DockerInstruction[];
  /** The file's lines, for pointing at the line of an instruction that holds a given text. */
  readonly lines: readonly string[];
}

/** The 1-based line, within an instruction, of the first line that contains `needle` (else the instruction's first). */
export function lineInInstruction(dockerfile: Dockerfile, instruction: DockerInstruction, needle: string): number {
  for (let line = instruction.line; line <= instruction.endLine; line++) {
    if (needle && dockerfile.lines[line - 1]?.includes(needle)) return line;
  }
  return instruction.line;
}

export function parseRepository(files: ReadonlyMap<string, string>, today: Date): Repository {
  const workflows = readWorkflows(files);
  const named = new Set(dockerfileReferences(workflows).map((reference) => reference.path));
  return {
    files,
    workflows,
    dockerfiles: [...files].filter(([path]) => isDockerfilePath(path) || named.has(path)).map(([path, text]) => ({ path, instructions: parseDockerfile(text), lines: text.split(/\r?\n/) })),
    policies: readPolicies(files),
    today,
  };
}

/** The workflows, and the composite actions (under .github/actions/ or anywhere a local `uses: ./dir` points). */
export function readWorkflows(files: ReadonlyMap<string, string>): WorkflowFile[] {
  const workflows: WorkflowFile[] = [];
  for (const [path, text] of files) {
    if (isWorkflowPath(path)) workflows.push(scanWorkflow(path, text));
    else if (isActionPath(path) && /^\s*runs\s*:/m.test(text)) workflows.push(scanAction(path, text));
  }
  return workflows;
}

export interface DockerfileReference {
  /** Relative to the repo root, normalised. */
  readonly path: string;
  readonly workflow: string;
  readonly line: number;
}

/** The Dockerfiles a workflow builds by name: build-push-action's `file:`, `docker build -f` / `--file`. */
export function dockerfileReferences(workflows: readonly WorkflowFile[]): DockerfileReference[] {
  const references: DockerfileReference[] = [];
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const file = step.with.file;
      if (file && usesAction(step, 'docker/build-push-action') && !file.value.includes('${{')) {
        references.push({ path: normalizeRepoPath(file.value), workflow: workflow.path, line: file.line });
      }
      if (!step.run) continue;
      const script = resolveShell(step.run.value, step.env);
      for (const match of script.matchAll(/\b(?:docker|podman|buildah)\b[^\n;&|]*?\s(?:-f|--file)[=\s]+("[^"]+"|'[^']+'|[^\s;&|]+)/g)) {
        const path = unquote(match[1]!);
        if (!path.includes('$') && path !== '-') references.push({ path: normalizeRepoPath(path), workflow: workflow.path, line: lineInRun(workflow, step, match[0].slice(match[0].search(/-f|--file/))) });
      }
    }
  }
  return references;
}

/** A path as the workflow writes it, relative to the repo root: no `./` or `$GITHUB_WORKSPACE/` prefix, no doubled `/`. */
export function normalizeRepoPath(path: string): string {
  return path.trim().replace(/^(\$\{?GITHUB_WORKSPACE\}?\/|\.\/)+/, '').replace(/\/{2,}/g, '/');
}
