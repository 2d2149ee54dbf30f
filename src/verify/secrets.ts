/** BuildKit secrets: the workflow provides what the Dockerfile mounts, required, read where mounted. */
import { mountOptions } from './dockerfile-reader';
import { isDockerfilePath } from './file-kinds';
import type { Dockerfile, Repository } from './parsed-repository';
import type { Report } from './rules';
import { lineInRun, splitList, unquote, type WorkflowFile } from './workflow-reader';

const SOURCE_FILE = /\.(m?[jt]s|cjs|cts|py|sh)$/;

interface SecretMount {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  readonly target: string;
  readonly required: boolean;
}

function secretMounts(dockerfiles: readonly Dockerfile[]): SecretMount[] {
  const mounts: SecretMount[] = [];
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword !== 'RUN') continue;
      for (const flag of instruction.flags) {
        if (flag.name !== 'mount') continue;
        const options = mountOptions(flag.value);
        if (options.type !== 'secret') continue;
        const target = options.target ?? options.dst ?? options.destination;
        // BuildKit: without an id, the id is the target's base name; without a target, /run/secrets/<id>.
        const id = options.id ?? target?.split('/').pop() ?? '';
        mounts.push({
          file: dockerfile.path,
          line: instruction.line,
          id,
          target: target ?? (options.env ? '' : `/run/secrets/${id}`),
          required: options.required === 'true',
        });
      }
    }
  }
  return mounts;
}

interface ProvidedSecret {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  /** The file handed over (secret-files, --secret src=), when it is one. */
  readonly source?: string;
}

function providedSecrets(workflows: readonly WorkflowFile[]): ProvidedSecret[] {
  const provided: ProvidedSecret[] = [];
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      for (const input of ['secrets', 'secret-files', 'secret-envs']) {
        const value = step.with[input];
        if (!value || !step.uses || !/docker\/build-push-action|docker\/bake-action/i.test(step.uses.value)) continue;
        for (const entry of splitList(value.value)) {
          const [id, ...rest] = entry.split('=');
          if (id) provided.push({ file: workflow.path, line: value.line, id: unquote(id), source: input === 'secret-files' ? unquote(rest.join('=')) : undefined });
        }
      }
      if (step.run) {
        for (const match of step.run.value.matchAll(/--secret[=\s]+["']?([^\s"']+)/g)) {
          const options = mountOptions(match[1]!);
          if (options.id) provided.push({ file: workflow.path, line: lineInRun(workflow, step, match[0]), id: options.id, source: options.src ?? options.source });
        }
      }
    }
  }
  return provided;
}

export function checkSecrets({ workflows, dockerfiles, files }: Repository, report: Report): void {
  const mounts = secretMounts(dockerfiles);
  const provided = providedSecrets(workflows);

  for (const mount of mounts) {
    if (!mount.required) {
      report(mount.file, mount.line, 'secret-not-required', `the secret mount "${mount.id}" is not required=true: if the secret is missing, BuildKit runs the step without it (build-push-action drops a missing secret file with only a warning)`, `add required=true to the mount: --mount=type=secret,id=${mount.id},required=true`);
    }
  }

  if (mounts.length > 0 && provided.length > 0) {
    const providedIds = new Set(provided.map((p) => p.id));
    const mountedIds = new Set(mounts.map((m) => m.id));
    for (const mount of mounts) {
      if (!providedIds.has(mount.id)) {
        report(mount.file, mount.line, 'secret-id-mismatch', `mounts secret id "${mount.id}", but the workflow provides ${[...providedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the Dockerfile mount and in the workflow (secret-files / secrets / --secret id=)');
      }
    }
    for (const secret of provided) {
      if (!mountedIds.has(secret.id)) {
        report(secret.file, secret.line, 'secret-id-mismatch', `provides secret id "${secret.id}", but the Dockerfile mounts ${[...mountedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the workflow and in the Dockerfile mount (--mount=type=secret,id=...)');
      }
    }
  }

  // Code that reads /run/secrets/<name> must read where a mount puts the secret.
  const targets = new Set(mounts.map((m) => m.target).filter((t) => t !== ''));
  const readers: [string, string][] = [...files].filter(([path]) => SOURCE_FILE.test(path) || isDockerfilePath(path));
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
