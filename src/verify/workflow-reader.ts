import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

/** A value read from YAML with the 1-based line it starts on. */
export interface Located<T = string> {
  readonly value: T;
  readonly line: number;
}

export interface WorkflowStep {
  readonly job: string;
  readonly index: number;
  readonly line: number;
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: Located & { readonly comment?: string };
  readonly run?: Located & { readonly source: string; readonly startOffset: number };
  readonly with: Readonly<Record<string, Located>>;
  /** Workflow, job and step `env:` merged, the step's winning. */
  readonly env: Readonly<Record<string, string>>;
}

export interface WorkflowFile {
  readonly path: string;
  readonly steps: readonly WorkflowStep[];
  /** Why the file could not be read as a workflow, if it could not. */
  readonly error?: string;
  /** 1-based line of a character offset in the file. */
  lineOf(offset: number): number;
}

/** Reads a GitHub Actions workflow keeping line numbers (yaml's LineCounter). */
export function scanWorkflow(path: string, text: string): WorkflowFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const lineOfNode = (node: unknown) => lineOf((node as Node | undefined)?.range?.[0] ?? 0);
  if (doc.errors.length > 0) {
    return { path, steps: [], error: doc.errors[0]!.message, lineOf };
  }
  const steps: WorkflowStep[] = [];
  const workflowEnv = stringMap(doc.getIn(['env'], true));
  const jobs = doc.get('jobs', true);
  if (isMap(jobs)) {
    for (const jobPair of jobs.items) {
      const job = String(isScalar(jobPair.key) ? jobPair.key.value : jobPair.key);
      if (!isMap(jobPair.value)) continue;
      const jobEnv = stringMap(jobPair.value.get('env', true));
      const stepList = jobPair.value.get('steps', true);
      if (!isSeq(stepList)) continue;
      stepList.items.forEach((item, index) => {
        if (!isMap(item)) return;
        const scalar = (key: string) => {
          const node = item.get(key, true);
          return isScalar(node) && node.value !== null ? { value: String(node.value), line: lineOfNode(node), node } : undefined;
        };
        const uses = scalar('uses');
        const run = scalar('run');
        const withNode = item.get('with', true);
        const withValues: Record<string, Located> = {};
        if (isMap(withNode)) {
          for (const pair of withNode.items) {
            if (isScalar(pair.key) && isScalar(pair.value)) {
              withValues[String(pair.key.value)] = { value: String(pair.value.value), line: lineOfNode(pair.value) };
            }
          }
        }
        const usesComment = uses ? /#\s*(.*)$/.exec(text.slice(uses.node.range![0], lineEnd(text, uses.node.range![0])))?.[1]?.trim() : undefined;
        steps.push({
          job,
          index,
          line: lineOfNode(item),
          id: scalar('id')?.value,
          name: scalar('name')?.value,
          if: scalar('if')?.value,
          uses: uses ? { value: uses.value, line: uses.line, comment: usesComment } : undefined,
          run: run
            ? { value: run.value, line: run.line, source: text.slice(run.node.range![0], run.node.range![1]), startOffset: run.node.range![0] }
            : undefined,
          with: withValues,
          env: { ...workflowEnv, ...jobEnv, ...stringMap(item.get('env', true)) },
        });
      });
    }
  }
  return { path, steps, lineOf };
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end;
}

function stringMap(node: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && isScalar(pair.value)) values[String(pair.key.value)] = String(pair.value.value);
    }
  }
  return values;
}

/** The action of a `uses:` value without its ref: `owner/repo[/path]`. */
export function actionName(uses: string): string {
  return uses.replace(/@.*$/, '');
}

/** True when a step runs the given action (any ref). */
export function usesAction(step: WorkflowStep, repository: string): boolean {
  return step.uses !== undefined && actionName(step.uses.value).toLowerCase() === repository.toLowerCase();
}

/**
 * A shell script with its continuation lines joined and simple assignments (`name=value`,
 * `name="value"`) and the step's `env:` substituted into `$name` / `${name}`, so paths can be
 * compared. Command substitutions stay as written.
 */
export function resolveShell(script: string, env: Readonly<Record<string, string>>): string {
  const joined = script.replace(/\\\r?\n\s*/g, ' ');
  const values: Record<string, string> = { ...env };
  const substitute = (text: string) =>
    text.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      return values[name] !== undefined ? values[name]! : whole;
    });
  const lines = joined.split('\n').map((line) => {
    const assignment = /^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=("([^"]*)"|'([^']*)'|([^\s;$(`]*))\s*$/.exec(line);
    if (assignment && !assignment[2]!.startsWith('"$(')) {
      const raw = assignment[3] ?? assignment[4] ?? assignment[5] ?? '';
      values[assignment[1]!] = assignment[4] !== undefined ? raw : substitute(raw);
    }
    return substitute(line);
  });
  return lines.join('\n');
}

/** Items of a multi-line or comma-separated action input. */
export function splitList(value: string): string[] {
  return value.split(/\r?\n|,(?=[^,=]*=)/).map((item) => item.trim()).filter((item) => item !== '' && !item.startsWith('#'));
}

/** A value without one pair of surrounding quotes. */
export function unquote(value: string): string {
  return value.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** The file line of the first occurrence of `needle` in a step's run: source, or the run: key's line. */
export function lineInRun(workflow: WorkflowFile, step: WorkflowStep, needle: string): number {
  const at = needle ? step.run!.source.indexOf(needle.trim()) : -1;
  return at >= 0 ? workflow.lineOf(step.run!.startOffset + at) : step.run!.line;
}
