/**
 * Reads GitHub Actions workflows and composite actions as GitHub does, keeping line numbers
 * (yaml's LineCounter). Aliases (`- *step`, `with: *inputs`) are followed: GitHub Actions
 * accepts YAML anchors and aliases, but not merge keys (`<<:`), which stay plain keys here too
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#yaml-anchors-and-aliases,
 * since https://github.blog/changelog/2025-09-18-actions-yaml-anchors-and-non-public-workflow-templates/).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';

/** A value read from YAML with the 1-based line it starts on. */
export interface Located<T = string> {
  readonly value: T;
  readonly line: number;
}

/** A scalar with where it is in the file, so that a part of it can be located. */
export interface LocatedText extends Located {
  /** The scalar as written (quotes, block indicator and indentation included). */
  readonly source: string;
  readonly startOffset: number;
}

export interface WorkflowStep {
  readonly job: string;
  readonly index: number;
  readonly line: number;
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: Located & { readonly comment?: string };
  readonly run?: LocatedText;
  readonly with: Readonly<Record<string, LocatedText>>;
  /** Workflow, job and step `env:` merged, the step's winning. */
  readonly env: Readonly<Record<string, string>>;
}

/** `permissions:` as written: `read-all` / `write-all`, or scope -> level. */
export type Permissions = string | Readonly<Record<string, string>>;

export interface WorkflowJob {
  readonly id: string;
  readonly line: number;
  /** A reusable workflow the job calls instead of running steps. */
  readonly uses?: Located & { readonly comment?: string };
  readonly permissions?: Permissions;
  readonly environment?: string;
}

export interface WorkflowFile {
  readonly path: string;
  /** A workflow under .github/workflows/, or a composite action's action.yml. */
  readonly kind: 'workflow' | 'action';
  readonly steps: readonly WorkflowStep[];
  readonly jobs: readonly WorkflowJob[];
  /** The events of `on:`. */
  readonly triggers: readonly string[];
  /** Workflow-level `permissions:`, when written. */
  readonly permissions?: Permissions;
  /** Why the file could not be read as a workflow, if it could not. */
  readonly error?: string;
  /** 1-based line of a character offset in the file. */
  lineOf(offset: number): number;
}

interface Reader {
  readonly doc: Document.Parsed;
  readonly text: string;
  lineOf(offset: number): number;
  /** The node an alias points at, or the node itself. */
  deref(node: unknown): unknown;
}

function openYaml(text: string): { reader: Reader; error?: string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false, uniqueKeys: false });
  const reader: Reader = {
    doc,
    text,
    lineOf: (offset) => lineCounter.linePos(offset).line,
    deref: (node) => (isAlias(node) ? node.resolve(doc) : node),
  };
  return { reader, error: doc.errors[0]?.message };
}

/** Reads a GitHub Actions workflow. */
export function scanWorkflow(path: string, text: string): WorkflowFile {
  const { reader, error } = openYaml(text);
  const base = { path, kind: 'workflow' as const, lineOf: reader.lineOf };
  if (error) return { ...base, steps: [], jobs: [], triggers: [], error };
  const root = reader.deref(reader.doc.contents);
  if (!isMap(root)) return { ...base, steps: [], jobs: [], triggers: [] };
  const workflowEnv = stringMap(reader, root.get('env', true));
  const steps: WorkflowStep[] = [];
  const jobs: WorkflowJob[] = [];
  const jobsNode = reader.deref(root.get('jobs', true));
  if (isMap(jobsNode)) {
    for (const jobPair of jobsNode.items) {
      const id = String(isScalar(jobPair.key) ? jobPair.key.value : jobPair.key);
      const job = reader.deref(jobPair.value);
      if (!isMap(job)) continue;
      jobs.push(readJob(reader, id, job));
      steps.push(...readSteps(reader, id, job.get('steps', true), { ...workflowEnv, ...stringMap(reader, job.get('env', true)) }));
    }
  }
  return { ...base, steps, jobs, triggers: triggers(reader, root.get('on', true)), permissions: permissions(reader, root.get('permissions', true)) };
}

/** Reads a composite action (`runs: { using: composite, steps }`); other actions have no steps. */
export function scanAction(path: string, text: string): WorkflowFile {
  const { reader, error } = openYaml(text);
  const base = { path, kind: 'action' as const, jobs: [], triggers: [], lineOf: reader.lineOf };
  if (error) return { ...base, steps: [], error };
  const runs = reader.deref(isMap(reader.doc.contents) ? reader.doc.contents.get('runs', true) : undefined);
  if (!isMap(runs)) return { ...base, steps: [] };
  return { ...base, steps: readSteps(reader, '(composite action)', runs.get('steps', true), {}) };
}

function readJob(reader: Reader, id: string, job: YAMLMap): WorkflowJob {
  const uses = scalarOf(reader, job.get('uses', true));
  const environment = reader.deref(job.get('environment', true));
  const environmentName = isMap(environment) ? scalarOf(reader, environment.get('name', true))?.value : scalarOf(reader, environment)?.value;
  return {
    id,
    line: reader.lineOf((job as Node).range?.[0] ?? 0),
    uses: uses && { value: uses.value, line: uses.line, comment: trailingComment(reader.text, uses.startOffset) },
    permissions: permissions(reader, job.get('permissions', true)),
    environment: environmentName,
  };
}

function readSteps(reader: Reader, job: string, list: unknown, jobEnv: Record<string, string>): WorkflowStep[] {
  const stepList = reader.deref(list);
  if (!isSeq(stepList)) return [];
  const steps: WorkflowStep[] = [];
  stepList.items.forEach((entry, index) => {
    const item = reader.deref(entry);
    if (!isMap(item)) return;
    const field = (key: string) => scalarOf(reader, item.get(key, true));
    const uses = field('uses');
    const withNode = reader.deref(item.get('with', true));
    const withValues: Record<string, LocatedText> = {};
    if (isMap(withNode)) {
      for (const pair of withNode.items) {
        const value = scalarOf(reader, pair.value);
        if (isScalar(pair.key) && value) withValues[String(pair.key.value)] = value;
      }
    }
    steps.push({
      job,
      index,
      line: reader.lineOf((item as Node).range?.[0] ?? 0),
      id: field('id')?.value,
      name: field('name')?.value,
      if: field('if')?.value,
      uses: uses && { value: uses.value, line: uses.line, comment: trailingComment(reader.text, uses.startOffset) },
      run: field('run'),
      with: withValues,
      env: { ...jobEnv, ...stringMap(reader, item.get('env', true)) },
    });
  });
  return steps;
}

function scalarOf(reader: Reader, raw: unknown): LocatedText | undefined {
  const node = reader.deref(raw);
  if (!isScalar(node) || node.value === null || node.value === undefined || !node.range) return undefined;
  const [start, end] = node.range;
  return { value: String(node.value), line: reader.lineOf(start), source: reader.text.slice(start, end), startOffset: start };
}

/** The comment after a value on its line, e.g. the version after a pinned SHA. */
function trailingComment(text: string, offset: number): string | undefined {
  const end = text.indexOf('\n', offset);
  return /#\s*(.*)$/.exec(text.slice(offset, end < 0 ? text.length : end))?.[1]?.trim();
}

function stringMap(reader: Reader, raw: unknown): Record<string, string> {
  const node = reader.deref(raw);
  const values: Record<string, string> = {};
  if (isMap(node)) {
    for (const pair of node.items) {
      const value = reader.deref(pair.value);
      if (isScalar(pair.key) && isScalar(value)) values[String(pair.key.value)] = String(value.value);
    }
  }
  return values;
}

function triggers(reader: Reader, raw: unknown): string[] {
  const node = reader.deref(raw);
  if (isScalar(node)) return [String(node.value)];
  if (isSeq(node)) return node.items.map((item) => String(scalarOf(reader, item)?.value ?? '')).filter(Boolean);
  if (isMap(node)) return node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : ''));
  return [];
}

function permissions(reader: Reader, raw: unknown): Permissions | undefined {
  const node = reader.deref(raw);
  if (isScalar(node)) return String(node.value);
  return isMap(node) ? stringMap(reader, node) : undefined;
}

/** Whether `permissions:` grants the scope at `write`. */
export function grantsWrite(value: Permissions | undefined, scope: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return value === 'write-all';
  return value[scope] === 'write';
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

/**
 * Items of a list input the way docker/build-push-action reads `secrets` and `secret-files`
 * (one per line, commas kept; an item may be double-quoted, `""` inside it standing for `"`,
 * and a quoted item may span lines), as Docker documents them
 * (https://docs.docker.com/build/ci/github-actions/secrets/) and the action reads them
 * (docker/build-push-action src/context.ts: getInputList('secrets' | 'secret-files', { ignoreComma: true })).
 */
export function quotedLines(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '"' && quoted && value[i + 1] === '"') {
      current += '"';
      i++;
    } else if (char === '"' && (quoted || current.trim() === '')) {
      quoted = !quoted;
    } else if ((char === '\n' || char === '\r') && !quoted) {
      items.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '' && !item.startsWith('#'));
}

/** Whether a value is one `${{ }}` expression as a whole: what it holds is known only at run time. */
export function isWholeExpression(value: string): boolean {
  return /^\s*\$\{\{[^}]*\}\}\s*$/.test(value);
}

/** A value without one pair of surrounding quotes. */
export function unquote(value: string): string {
  return value.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** The file line of the first occurrence of `needle` in a located scalar, or the scalar's line. */
export function lineInValue(workflow: WorkflowFile, value: LocatedText, needle: string): number {
  const at = needle ? value.source.indexOf(needle.trim()) : -1;
  return at >= 0 ? workflow.lineOf(value.startOffset + at) : value.line;
}

/** The file line of the first occurrence of `needle` in a step's run: source, or the run: key's line. */
export function lineInRun(workflow: WorkflowFile, step: WorkflowStep, needle: string): number {
  return lineInValue(workflow, step.run!, needle);
}
