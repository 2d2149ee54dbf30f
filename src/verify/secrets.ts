/** BuildKit secrets: the workflow provides what the Dockerfile mounts, required, read where mounted. */
import { mountOptions, type DockerInstruction } from './dockerfile-reader';
import { isDockerfilePath } from './file-kinds';
import type { Dockerfile, Repository } from './parsed-repository';
import type { Report } from './rules';
import { isWholeExpression, lineInRun, lineInValue, quotedLines, splitList, unquote, type WorkflowFile, type WorkflowStep } from './workflow-reader';

const SOURCE_FILE = /\.(m?[jt]s|cjs|cts|py|sh)$/;
/** Tests and type declarations name secret paths as data, not to read them. */
const NOT_A_READER = /(^|\/)(test|tests|__tests__|spec|fixtures?)\/|\.(test|spec)\.[cm]?[jt]s$|\.d\.[cm]?ts$/;

export interface SecretMount {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  /** Where the file is mounted; '' for an env-only mount. */
  readonly target: string;
  /** The variable the secret is put in (`env=`), if any. */
  readonly env?: string;
  /** `required=` as written: true, false, or not given (BuildKit's default is false). */
  readonly required?: boolean;
  readonly instruction: DockerInstruction;
  readonly dockerfile: Dockerfile;
}

export function secretMounts(dockerfiles: readonly Dockerfile[]): SecretMount[] {
  const mounts: SecretMount[] = [];
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword !== 'RUN') continue;
      for (const flag of instruction.flags) {
        if (flag.name !== 'mount') continue;
        const options = mountOptions(flag.value);
        if (options.type !== 'secret') continue;
        const target = options.target ?? options.dst ?? options.destination;
        // BuildKit: without an id, the id is the target's base name; without a target, /run/secrets/<id>
        // (https://docs.docker.com/reference/dockerfile/#run---mounttypesecret).
        const id = options.id ?? target?.split('/').pop() ?? '';
        const required = options.required === undefined ? undefined : options.required === 'true';
        mounts.push({ file: dockerfile.path, line: instruction.line, id, target: target ?? (options.env ? '' : `/run/secrets/${id}`), env: options.env, required, instruction, dockerfile });
      }
    }
  }
  return mounts;
}

export interface ProvidedSecret {
  readonly file: string;
  readonly line: number;
  readonly id: string;
}

export interface Provided {
  readonly secrets: ProvidedSecret[];
  /** A secrets input given as one expression (`secrets: ${{ secrets.ALL }}`): its ids are known only at run time. */
  readonly unknownIds: boolean;
}

export function providedSecrets(workflows: readonly WorkflowFile[]): Provided {
  const secrets: ProvidedSecret[] = [];
  let unknownIds = false;
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const provided = stepSecrets(workflow, step);
      secrets.push(...provided.secrets);
      unknownIds ||= provided.unknownIds;
    }
  }
  return { secrets, unknownIds };
}

/** The secrets one step hands to a build: build-push-action's or bake-action's inputs, or `--secret` in its script. */
export function stepSecrets(workflow: WorkflowFile, step: WorkflowStep): Provided {
  const secrets: ProvidedSecret[] = [];
  let unknownIds = false;
  if (step.uses && /docker\/(build-push|bake)-action/i.test(step.uses.value)) {
    for (const input of ['secrets', 'secret-files', 'secret-envs'] as const) {
      const value = step.with[input];
      if (!value) continue;
      if (isWholeExpression(value.value)) {
        unknownIds = true;
        continue;
      }
      // secret-envs is comma-separated; secrets and secret-files are one per line, optionally quoted.
      for (const entry of input === 'secret-envs' ? splitList(value.value) : quotedLines(value.value)) {
        const id = unquote(entry.split('=')[0]!);
        if (id.includes('${{')) unknownIds = true;
        else if (id) secrets.push({ file: workflow.path, line: lineInValue(workflow, value, id), id });
      }
    }
  }
  if (step.run) {
    for (const match of step.run.value.matchAll(/--secret[=\s]+["']?([^\s"']+)/g)) {
      const id = mountOptions(match[1]!).id;
      if (id?.includes('$')) unknownIds = true;
      else if (id) secrets.push({ file: workflow.path, line: lineInRun(workflow, step, match[0]), id });
    }
  }
  return { secrets, unknownIds };
}

export function checkSecrets({ workflows, dockerfiles, files }: Repository, report: Report): void {
  const mounts = secretMounts(dockerfiles);
  const provided = providedSecrets(workflows);

  for (const mount of mounts) {
    if (mount.required === true || optionalUse(mount)) continue;
    report(mount.file, mount.line, 'secret-not-required', `the secret mount "${mount.id}" is not required=true, and the RUN uses it unconditionally: if the secret is missing, BuildKit runs the step without it (build-push-action drops a missing secret file with only a warning) and the failure shows up later, as a missing-credentials error`, `add required=true to the mount: --mount=type=secret,id=${mount.id},required=true. If the step is meant to work without the secret (local or fork builds), say so: required=false, or test for it (${mount.target ? `[ -f ${mount.target} ]` : `[ -n "$${mount.env}" ]`}) before using it`);
  }

  if (mounts.length > 0 && provided.secrets.length > 0 && !provided.unknownIds) {
    const providedIds = new Set(provided.secrets.map((p) => p.id));
    const mountedIds = new Set(mounts.map((m) => m.id));
    for (const mount of mounts) {
      if (!providedIds.has(mount.id)) {
        report(mount.file, mount.line, 'secret-id-mismatch', `mounts secret id "${mount.id}", but the workflow provides ${[...providedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the Dockerfile mount and in the workflow (secret-files / secrets / --secret id=)');
      }
    }
    for (const secret of provided.secrets) {
      if (!mountedIds.has(secret.id)) {
        report(secret.file, secret.line, 'secret-id-mismatch', `provides secret id "${secret.id}", but the Dockerfile mounts ${[...mountedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the workflow and in the Dockerfile mount (--mount=type=secret,id=...)');
      }
    }
  }
  checkSecretPaths(files, mounts, report);
}

/**
 * A mount the RUN deliberately treats as optional: `required=false` written out, the secret's
 * file or variable tested before use, its read allowed to fail (`2>/dev/null`, `|| true`), or a
 * mount that only feeds a compiler cache (sccache), which builds without it. Asking for
 * required=true there would break the builds that run without the secret (local, forks).
 */
export function optionalUse(mount: SecretMount): boolean {
  if (mount.required === false) return true;
  const script = mount.instruction.args;
  const places = [mount.target, ...(mount.env ? [`$${mount.env}`, `\${${mount.env}`] : [])].filter(Boolean).map(escape);
  if (places.length === 0) return false;
  const place = `["']?(?:${places.join('|')})`;
  const tested = new RegExp(`(?:\\[\\[?|\\btest)\\s+(?:!\\s+)?-[efrsnz]\\s+${place}|\\$\\{${mount.env ?? '\\u0000'}:[-+=]`);
  if (tested.test(script)) return true;
  const uses = commandSegments(script).filter((segment) => new RegExp(place).test(segment));
  if (uses.length > 0 && uses.every((segment) => /2>\s*\/dev\/null|\|\|\s*(true|:|echo|printf|exit 0|\S+=)/.test(segment))) return true;
  return feedsCompilerCacheOnly(mount, script, places);
}

function feedsCompilerCacheOnly(mount: SecretMount, script: string, places: string[]): boolean {
  if (!/\bsccache\b|\bSCCACHE_\w+=/i.test(script)) return false;
  if (/cache/i.test(`${mount.id} ${mount.target}`)) return true;
  const withoutCacheSettings = script.replace(/\b(?:SCCACHE_\w+|AWS_\w+)=("[^"]*"|\S*)/g, '');
  return !new RegExp(places.join('|')).test(withoutCacheSettings);
}

/** The commands of a RUN, split at `&&`, `||`, `;` and line ends (pipes stay together). */
export function commandSegments(script: string): string[] {
  return script.split(/&&|;|\n/).flatMap((part) => {
    const [first, ...fallbacks] = part.split('||');
    return [fallbacks.length ? `${first}||${fallbacks.join('||')}` : first!];
  }).map((segment) => segment.trim()).filter(Boolean);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Code that reads /run/secrets/<name> must read where a mount puts the secret. */
function checkSecretPaths(files: ReadonlyMap<string, string>, mounts: readonly SecretMount[], report: Report): void {
  const targets = new Set(mounts.map((m) => m.target).filter((t) => t !== ''));
  const readers: [string, string][] = [...files].filter(([path]) => ((SOURCE_FILE.test(path) && !NOT_A_READER.test(path)) || isDockerfilePath(path) || mounts.some((m) => m.file === path)));
  for (const [path, text] of readers) {
    text.split('\n').forEach((line, index) => {
      // A comment that names a path reads nothing.
      if (/^\s*(#|\/\/|\/?\*)/.test(line)) return;
      for (const match of line.matchAll(/\/run\/secrets\/[\w.-]+/g)) {
        if (!targets.has(match[0])) {
          const where = targets.size > 0 ? `the Dockerfile mounts the secret at ${[...targets].join(', ')}` : 'no Dockerfile mounts a secret there';
          report(path, index + 1, 'secret-path-mismatch', `reads ${match[0]}, but ${where}`, `read the mount's path, or set target=${match[0]} on the mount`);
        }
      }
    });
  }
}
