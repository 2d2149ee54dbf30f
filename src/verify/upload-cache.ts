/**
 * An upload that a layer cache skips. BuildKit leaves secrets out of the cache key
 * (https://docs.docker.com/build/building/secrets/, https://docs.docker.com/build/cache/invalidation/):
 * a RUN that mounts a secret and sends something out of the build is a cache hit whenever
 * nothing else changed, so a build step that imports a cache (build-push-action's cache-from,
 * `docker buildx build --cache-from`) silently does not upload, and the job stays green
 * (docker/build-push-action#1050). What keeps the RUN running is excluding its stage from the
 * cache: `no-cache-filters: <stage>` (`--no-cache-filter <stage>`), or no cache at all.
 *
 * BuildKit's filter covers the named stage's own instructions only, and it matches stage names
 * only (the Dockerfile frontend compares it with each stage's `AS` name, case-insensitively:
 * frontend/dockerui IsNoCache), so a RUN in an unnamed stage, or in a stage built FROM the named
 * one, is not covered. Only the stages the step builds count: the target (the last stage when
 * none is given) and the stages it depends on (FROM, COPY --from, RUN --mount=from=).
 *
 * A secret RUN that only fetches (npm ci with a registry token, git clone, pip install) is what
 * the cache is for, so only a RUN that sends something out is reported: see outboundCommand.
 */
import type { DockerInstruction } from './dockerfile-reader';
import { mountOptions } from './dockerfile-reader';
import { normalizeRepoPath, type Dockerfile, type Repository } from './parsed-repository';
import type { Report } from './rules';
import { commandSegments, secretMounts, stepSecrets, type SecretMount } from './secrets';
import { lineInRun, resolveShell, unquote, usesAction, type WorkflowFile, type WorkflowStep } from './workflow-reader';

/** One build of a workflow step that imports a layer cache, as verify can read it. */
interface CachedBuild {
  readonly workflow: WorkflowFile;
  readonly step: WorkflowStep;
  /** 'action': build-push-action's inputs; 'cli': a docker build command in run:. */
  readonly form: 'action' | 'cli';
  /** The line the fix goes to: the filter when there is one, else the cache import. */
  readonly line: number;
  /** The Dockerfile's path, when the step names it in a way verify can read. */
  readonly dockerfile?: string;
  /** The target stage; undefined for the default (the last stage); null when only known at run time. */
  readonly target?: string | null;
  /** no-cache / --no-cache: no cache is used at all. */
  readonly noCache: boolean;
  /** Stages named by no-cache-filters / --no-cache-filter, as written. */
  readonly filters: readonly string[];
  /** A filter known only at run time (an expression, a variable): it may name any stage. */
  readonly filtersUnknown: boolean;
}

interface Stage {
  readonly index: number;
  /** The `AS` name as written, if any. */
  readonly name?: string;
  readonly from: DockerInstruction;
  /** The stages it needs: its FROM, COPY/ADD --from=, RUN --mount=from=. */
  readonly needs: readonly number[];
}

export function checkUploadFromCache({ workflows, dockerfiles }: Repository, report: Report): void {
  const mounts = secretMounts(dockerfiles);
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const builds = cachedBuilds(workflow, step);
      if (builds.length === 0) continue;
      const provided = stepSecrets(workflow, step);
      const ids = new Set(provided.secrets.map((secret) => secret.id));
      const passed = mounts.filter((mount) => provided.unknownIds || ids.has(mount.id));
      for (const build of builds) {
        if (build.noCache || build.filtersUnknown) continue;
        // The Dockerfile the step names; when verify cannot tell which (an expression, a path it does not have), any of them.
        const named = dockerfiles.find((dockerfile) => dockerfile.path === build.dockerfile);
        for (const dockerfile of named ? [named] : dockerfiles) {
          checkDockerfile(build, dockerfile, passed.filter((mount) => mount.dockerfile === dockerfile), report);
        }
      }
    }
  }
}

function checkDockerfile(build: CachedBuild, dockerfile: Dockerfile, mounts: readonly SecretMount[], report: Report): void {
  if (mounts.length === 0) return;
  const stages = stagesOf(dockerfile);
  const built = builtStages(stages, build.target);
  const excluded = new Set(build.filters.map((filter) => filter.toLowerCase()));
  const reported = new Set<number>();
  for (const mount of mounts) {
    const stage = stageOf(stages, mount.instruction);
    if (!stage || !built.has(stage.index) || reported.has(stage.index)) continue;
    if (stage.name !== undefined && excluded.has(stage.name.toLowerCase())) continue;
    const outbound = outboundCommand(mount.instruction.args);
    if (!outbound) continue;
    reported.add(stage.index);
    const { message, fix } = describe(build, dockerfile, stages, stage, mount, outbound);
    report(build.workflow.path, build.line, 'upload-from-cache', message, fix);
  }
}

function describe(build: CachedBuild, dockerfile: Dockerfile, stages: readonly Stage[], stage: Stage, mount: SecretMount, outbound: string): { message: string; fix: string } {
  const step = build.step.name ? `the step "${build.step.name}"` : build.step.id ? `the step ${build.step.id}` : `step ${build.step.index + 1}`;
  const cache = build.form === 'action' ? 'cache-from' : '--cache-from';
  const filterName = build.form === 'action' ? 'no-cache-filters' : '--no-cache-filter';
  const where = `${dockerfile.path}:${mount.line}`;
  const stageText = stage.name !== undefined ? `stage "${stage.name}"` : `the unnamed stage ${stage.index} (${dockerfile.path}:${stage.from.line})`;
  const filtered = build.filters.length > 0 ? `; its ${filterName} names ${build.filters.join(', ')}, not this stage (a filter covers only the named stage's own instructions)` : '';
  const message = `${step} (${build.workflow.kind === 'action' ? 'composite action' : `job ${build.step.job}`}) imports a layer cache (${cache}) and builds ${stageText}, whose RUN at ${where} mounts the secret "${mount.id}" and sends something out of the build (${shorten(outbound)})${filtered}: BuildKit leaves secrets out of the cache key, so once that RUN is cached it is a cache hit, the upload silently does not run and the job stays green`;
  // An unnamed stage gets the name a filter already gives it (a filter that names no stage was meant for it), else a free one.
  const name = stage.name ?? build.filters.find((filter) => !stages.some((other) => other.name?.toLowerCase() === filter.toLowerCase())) ?? freeName(stages);
  const covered = build.filters.some((filter) => filter.toLowerCase() === name.toLowerCase());
  const add = build.form === 'action' ? `no-cache-filters: ${[...build.filters, name].join(',')} to the step's with:` : `--no-cache-filter ${name} to its docker build command`;
  const fromLine = dockerfile.lines[stage.from.line - 1]!.trim();
  const naming = `name the stage (${dockerfile.path}:${stage.from.line}: ${fromLine} AS ${name}; BuildKit's filter matches stage names only)`;
  const fix = stage.name !== undefined ? `add ${add}` : covered ? `${naming}: the step's filter already names ${name}` : `${naming}, then add ${add}`;
  return { message, fix: `${fix}, so that stage runs on every build while the others still come from the cache` };
}

/** A name for an unnamed stage that no other stage has. */
function freeName(stages: readonly Stage[]): string {
  const taken = new Set(stages.map((stage) => stage.name?.toLowerCase()));
  if (!taken.has('upload')) return 'upload';
  let n = 2;
  while (taken.has(`upload-${n}`)) n++;
  return `upload-${n}`;
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** The builds of a step that import a layer cache. */
function cachedBuilds(workflow: WorkflowFile, step: WorkflowStep): CachedBuild[] {
  if (usesAction(step, 'docker/build-push-action')) {
    const cacheFrom = step.with['cache-from'];
    if (!cacheFrom || cacheFrom.value.trim() === '') return [];
    const filterInput = step.with['no-cache-filters'];
    // build-push-action reads the filters as a list: one per line, or comma-separated (getInputList without ignoreComma).
    const filters = (filterInput?.value ?? '').split(/\r?\n|,/).map(unquote).filter(Boolean);
    const file = step.with.file?.value;
    const context = step.with.context?.value;
    const target = step.with.target?.value.trim();
    return [{
      workflow,
      step,
      form: 'action',
      line: filterInput?.line ?? cacheFrom.line,
      dockerfile: file ? known(file) : dockerfileIn(context ?? '.'),
      target: target ? (target.includes('${{') ? null : target) : undefined,
      // core.getBooleanInput: true, True or TRUE; an expression may be false on the runs that matter.
      noCache: /^(true|True|TRUE)$/.test(step.with['no-cache']?.value.trim() ?? ''),
      filters: filters.filter((filter) => !filter.includes('${{')),
      filtersUnknown: filters.some((filter) => filter.includes('${{')),
    }];
  }
  if (!step.run) return [];
  const builds: CachedBuild[] = [];
  for (const segment of commandSegments(resolveShell(step.run.value, step.env))) {
    const command = /\bdocker\s+(?:buildx\s+)?build\s(.*)$/s.exec(segment);
    if (!command) continue;
    const options = buildOptions(shellWords(command[1]!));
    if (options.cacheFrom.length === 0) continue;
    const filters = options.noCacheFilters.flatMap((value) => value.split(',')).map((filter) => filter.trim()).filter(Boolean);
    const file = options.file ?? (options.context === undefined ? undefined : `${options.context}/Dockerfile`);
    builds.push({
      workflow,
      step,
      form: 'cli',
      line: lineInRun(workflow, step, filters.length > 0 ? '--no-cache-filter' : '--cache-from'),
      dockerfile: file === undefined || options.context === '-' || /:\/\/|^git@/.test(options.context ?? '') ? undefined : known(file),
      target: options.target === undefined ? undefined : options.target.includes('$') ? null : options.target,
      noCache: options.noCache,
      filters: filters.filter((filter) => !filter.includes('$')),
      filtersUnknown: filters.some((filter) => filter.includes('$')),
    });
  }
  return builds;
}

/** A repo path, or undefined when it is known only at run time. */
function known(path: string): string | undefined {
  return /\$|^-$/.test(path) ? undefined : normalizeRepoPath(path);
}

/** build-push-action's default Dockerfile: `<context>/Dockerfile`; without a path context (the Git context), the repo root's. */
function dockerfileIn(context: string): string | undefined {
  if (/\$\{\{|:\/\/|^git@/.test(context)) return undefined;
  return known(`${context.trim() || '.'}/Dockerfile`);
}

/** `docker buildx build` options that take no value; every other option takes the next word unless written --name=value. */
const BOOLEAN_OPTIONS = new Set(['--push', '--load', '--pull', '--no-cache', '-q', '--quiet', '--rm', '--force-rm', '--check', '--compress', '--squash', '--disable-content-trust', '--debug']);

function buildOptions(words: readonly string[]): { cacheFrom: string[]; noCache: boolean; noCacheFilters: string[]; file?: string; target?: string; context?: string } {
  const result: { cacheFrom: string[]; noCache: boolean; noCacheFilters: string[]; file?: string; target?: string; context?: string } = { cacheFrom: [], noCache: false, noCacheFilters: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') {
      result.context ??= word;
      continue;
    }
    const [name, inline] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (name === '--no-cache') {
      result.noCache = inline === undefined || /^(true|1)$/i.test(inline);
      continue;
    }
    if (BOOLEAN_OPTIONS.has(name)) continue;
    const value = inline ?? words[++i] ?? '';
    if (name === '--cache-from') result.cacheFrom.push(value);
    else if (name === '--no-cache-filter') result.noCacheFilters.push(value);
    else if (name === '-f' || name === '--file') result.file = value;
    else if (name === '--target') result.target = value;
  }
  return result;
}

/** The words of a command line, quotes removed (no expansion: variables stay as written). */
function shellWords(text: string): string[] {
  return [...text.matchAll(/(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'])+/g)].map((match) => match[0].replace(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g, (_, double?: string, single?: string) => double ?? single ?? ''));
}

/** The stages of a Dockerfile and what each needs. */
function stagesOf(dockerfile: Dockerfile): Stage[] {
  const stages: { index: number; name?: string; from: DockerInstruction; base: string; instructions: DockerInstruction[] }[] = [];
  for (const instruction of dockerfile.instructions) {
    if (instruction.keyword === 'FROM') {
      const [base = '', as, name] = instruction.args.trim().split(/\s+/);
      stages.push({ index: stages.length, name: as?.toLowerCase() === 'as' ? name : undefined, from: instruction, base, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  const byReference = (reference: string, before: number): number | undefined => {
    if (/^\d+$/.test(reference)) return Number(reference) < before ? Number(reference) : undefined;
    return stages.slice(0, before).reverse().find((stage) => stage.name?.toLowerCase() === reference.toLowerCase())?.index;
  };
  return stages.map((stage) => {
    const references = [stage.base];
    for (const instruction of stage.instructions) {
      for (const flag of instruction.flags) {
        if (flag.name === 'from') references.push(flag.value);
        if (flag.name === 'mount' && mountOptions(flag.value).from) references.push(mountOptions(flag.value).from!);
      }
    }
    const needs = references.map((reference) => byReference(reference, stage.index)).filter((index) => index !== undefined);
    return { index: stage.index, name: stage.name, from: stage.from, needs };
  });
}

/** The stages a build runs: the target and what it needs, recursively; all of them when the target is unknown. */
function builtStages(stages: readonly Stage[], target: string | null | undefined): Set<number> {
  const start = target === undefined ? stages.at(-1) : target === null ? undefined : stages.find((stage) => stage.name?.toLowerCase() === target.toLowerCase());
  if (!start) return new Set(stages.map((stage) => stage.index));
  const built = new Set<number>();
  const visit = (index: number) => {
    if (built.has(index)) return;
    built.add(index);
    stages[index]!.needs.forEach(visit);
  };
  visit(start.index);
  return built;
}

function stageOf(stages: readonly Stage[], instruction: DockerInstruction): Stage | undefined {
  return [...stages].reverse().find((stage) => stage.from.line < instruction.line);
}

/** Words in a command's name or script that say it sends something out: dist/upload.js, deploy-site.sh, npm publish, git push. */
const OUTBOUND_WORD = /^(upload|deploy|publish|push)$/i;
/** AWS CLI operations that change something: put-object, create-invalidation, update-function-code... */
const AWS_WRITE = /^(put|create|update|delete|upload|copy|invoke|publish|send|start|tag|register|deploy|import|modify|write|execute|restore|replace|submit|complete)-/;
/** A destination outside the build: a bucket or URL, or rsync's and rclone's `host:path` / `remote:path`. */
const REMOTE = /^(?:s3|gs|az|https?|s?ftp):\/\/|^[\w.@-]+:(?!\/\/)/;
const TRANSFER_TOOLS = new Set(['gsutil', 's3cmd', 'rclone', 'mc', 'azcopy']);
const TRANSFERS = /^(cp|mv|sync|rsync|copy|copyto|move|moveto|put|mirror)$/;
const REMOVALS = /^(rm|rb|del|delete|deletefile|purge)$/;
/** AWS CLI global options that take a value, before the service. */
const AWS_VALUE_OPTIONS = /^--(region|profile|endpoint-url|output|query|color|ca-bundle|cli-read-timeout|cli-connect-timeout)$/;

/**
 * The first command of a RUN (its words, leading variable assignments left out) that sends something out of the build (an upload, a deployment, a
 * write through an API), or undefined when every command only fetches or builds. Read from the
 * command itself: a script named for it (upload, deploy, publish, push), `aws s3 cp|sync|mv` to
 * s3://, other write operations of the AWS CLI, gsutil/rclone/rsync to a remote, curl or wget
 * with a method or body that writes.
 */
export function outboundCommand(script: string): string | undefined {
  for (const segment of commandSegments(script)) {
    for (const command of segment.split(/\|(?!\|)/)) {
      const words = shellWords(command);
      while (words.length > 0 && /^([A-Za-z_]\w*=|sudo$|exec$|env$)/.test(words[0]!)) words.shift();
      if (words.length > 0 && sendsOut(words)) return words.join(' ');
    }
  }
  return undefined;
}

function sendsOut(words: readonly string[]): boolean {
  const [tool, ...rest] = words;
  const operands = rest.filter((word) => !word.startsWith('-'));
  const last = operands.at(-1) ?? '';
  if (tool === 'aws') {
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (AWS_VALUE_OPTIONS.test(rest[i]!)) i++;
      else if (!rest[i]!.startsWith('-')) positional.push(rest[i]!);
    }
    const [service, operation = ''] = positional;
    if (service === 's3') return REMOVALS.test(operation) || operation === 'mb' || (TRANSFERS.test(operation) && REMOTE.test(positional.at(-1) ?? ''));
    return AWS_WRITE.test(operation);
  }
  if (tool && (TRANSFER_TOOLS.has(tool) || (tool === 'gcloud' && operands[0] === 'storage'))) {
    const operation = tool === 'gcloud' ? operands[1] ?? '' : operands[0] ?? '';
    return REMOVALS.test(operation) || (TRANSFERS.test(operation) && REMOTE.test(last));
  }
  if (tool === 'rsync' || tool === 'scp') return REMOTE.test(last);
  if (tool === 'curl') {
    return rest.some((word, i) => /^(-[a-zA-Z]*[TdF]|--upload-file|--data.*|--form.*|--json)(=|$)/.test(word) || (/^(-[a-zA-Z]*X|--request)$/.test(word) && /^(POST|PUT|PATCH|DELETE)$/i.test(rest[i + 1] ?? '')) || /^(-X|--request=)(POST|PUT|PATCH|DELETE)$/i.test(word));
  }
  if (tool === 'wget') return rest.some((word) => /^--(post-data|post-file|body-data|body-file)(=|$)|^--method=(POST|PUT|PATCH|DELETE)$/i.test(word));
  return words.filter((word) => !word.startsWith('-')).some((word) => {
    const base = word.split('/').pop()!.replace(/\.[A-Za-z0-9]+$/, '');
    return base.split(/[-_.:]/).some((part) => OUTBOUND_WORD.test(part));
  });
}
