/**
 * The generated workflow, read back from its YAML: the `run:` scripts run with bash as a GitHub
 * runner runs them, and the build-push step's inputs become podman flags. `${{ }}` expressions
 * are resolved from an explicit table; one the table does not know fails the test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RunResult, run } from '../../support/moto';

export interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string | boolean | number>;
  run?: string;
}

export interface Workflow {
  steps: WorkflowStep[];
  /** The one step with this id. */
  byId(id: string): WorkflowStep;
  /** The one step that uses this action (`owner/name`, any ref). */
  byAction(action: string): WorkflowStep;
  /** The one step with this `if:` condition. */
  byCondition(condition: string): WorkflowStep;
}

function only(steps: WorkflowStep[], what: string): WorkflowStep {
  if (steps.length !== 1) throw new Error(`expected exactly one step with ${what}, found ${steps.length}`);
  return steps[0]!;
}

export function readWorkflow(path: string): Workflow {
  const document = parse(readFileSync(path, 'utf8')) as { jobs: Record<string, { steps: WorkflowStep[] }> };
  const jobs = Object.values(document.jobs);
  if (jobs.length !== 1) throw new Error(`expected one job in ${path}, found ${jobs.length}`);
  const steps = jobs[0]!.steps;
  return {
    steps,
    byId: (id) => only(steps.filter((step) => step.id === id), `id ${id}`),
    byAction: (action) => only(steps.filter((step) => step.uses?.startsWith(`${action}@`)), `uses ${action}`),
    byCondition: (condition) => only(steps.filter((step) => step.if === condition), `if: ${condition}`),
  };
}

/** The values the test stands in for: `github.*`, `inputs.*`, and outputs of steps it ran or faked. */
export type ExpressionTable = Map<string, string>;

/** Replaces every `${{ expr }}`; an expression the table lacks is an error naming it and `where`. */
export function resolveExpressions(text: string, table: ExpressionTable, where: string): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_match, expression: string) => {
    const value = table.get(expression);
    if (value === undefined) {
      throw new Error(`${where}: the test has no value for \${{ ${expression} }} (known: ${[...table.keys()].join(', ')})`);
    }
    return value;
  });
}

export interface StepRun {
  result: RunResult;
  /** What the script wrote to $GITHUB_OUTPUT. */
  outputs: Record<string, string>;
}

/**
 * Runs a `shell: bash` step's script as the runner does (`bash --noprofile --norc -eo pipefail
 * {0}`), with the step's `env:` resolved, plus `baseEnv` (the job's environment so far) and
 * GITHUB_OUTPUT. Step outputs are added to `table` as `steps.<id>.outputs.<name>`; a step
 * that ran without setting an output makes the expression resolve to '', as on GitHub.
 */
export async function runScriptStep(step: WorkflowStep, baseEnv: Record<string, string>, table: ExpressionTable): Promise<StepRun> {
  if (step.shell !== 'bash' || typeof step.run !== 'string') {
    throw new Error(`step "${step.name}" is not a bash run: step (shell ${step.shell})`);
  }
  const dir = mkdtempSync(join(baseEnv.RUNNER_TEMP ?? '/tmp', 'step-'));
  try {
    const script = join(dir, 'script.sh');
    const outputFile = join(dir, 'github-output');
    writeFileSync(script, step.run);
    writeFileSync(outputFile, '');
    const stepEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) {
      stepEnv[name] = resolveExpressions(String(value), table, `env ${name} of step "${step.name}"`);
    }
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      env: { ...baseEnv, ...stepEnv, GITHUB_OUTPUT: outputFile },
      timeoutMs: 60_000,
    });
    const outputs: Record<string, string> = {};
    for (const line of readFileSync(outputFile, 'utf8').split('\n').filter(Boolean)) {
      const at = line.indexOf('=');
      if (at <= 0) throw new Error(`step "${step.name}" wrote a $GITHUB_OUTPUT line this test cannot read: ${line}`);
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
    if (step.id) {
      for (const [name, value] of Object.entries(outputs)) table.set(`steps.${step.id}.outputs.${name}`, value);
    }
    return { result, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sets '' for each named output the step did not write (GitHub's value for a missing output). */
export function markOutputsMissing(table: ExpressionTable, stepId: string, names: readonly string[]): void {
  for (const name of names) {
    const key = `steps.${stepId}.outputs.${name}`;
    if (!table.has(key)) table.set(key, '');
  }
}

/** One entry per line, blank lines dropped (docker/build-push-action's list inputs). */
function listInput(value: unknown): string[] {
  if (value === undefined) return [];
  return String(value)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

export interface PodmanBuildInputs {
  context: string;
  buildArgs: string[];
  /** `id=...,src=...` for `podman build --secret`. */
  secrets: string[];
}

/**
 * docker/build-push-action's `context`, `build-args` and `secret-files` as podman flags. An
 * input this translation does not handle is an error, so a new input cannot be silently dropped.
 */
export function buildPushToPodman(step: WorkflowStep, table: ExpressionTable): PodmanBuildInputs {
  const handled = new Set(['context', 'build-args', 'secret-files', 'push', 'tags']);
  const inputs = step.with ?? {};
  const unknown = Object.keys(inputs).filter((name) => !handled.has(name));
  if (unknown.length > 0) throw new Error(`build-push inputs this test does not translate: ${unknown.join(', ')}`);
  const where = (name: string) => `${name} of step "${step.name}"`;

  const buildArgs = listInput(inputs['build-args']).map((line) => resolveExpressions(line, table, where('build-args')));
  const secrets = listInput(inputs['secret-files']).map((line) => {
    const resolved = resolveExpressions(line, table, where('secret-files'));
    const at = resolved.indexOf('=');
    const id = resolved.slice(0, at);
    const file = resolved.slice(at + 1);
    if (at <= 0 || !file) throw new Error(`${where('secret-files')}: "${line}" resolved to "${resolved}", which names no file`);
    return `id=${id},src=${file}`;
  });
  return { context: String(inputs.context ?? '.'), buildArgs, secrets };
}
