import { parseDockerfile, type DockerInstruction } from './dockerfile-reader';
import { isDockerfilePath, isWorkflowPath } from './file-kinds';
import { readPolicies, type PolicyFiles } from './policy-reader';
import { scanWorkflow, type WorkflowFile } from './workflow-reader';

/** A repository as the rules see it: its files, and those of them that are read as something. */
export interface Repository {
  /** Path relative to the repo root, `/`-separated -> content. */
  readonly files: ReadonlyMap<string, string>;
  readonly workflows: readonly WorkflowFile[];
  readonly dockerfiles: readonly Dockerfile[];
  readonly policies: PolicyFiles;
  /** The date end-of-life rules compare with. */
  readonly today: Date;
}

export interface Dockerfile {
  readonly path: string;
  readonly instructions: readonly DockerInstruction[];
}


export function parseRepository(files: ReadonlyMap<string, string>, today: Date): Repository {
  return {
    files,
    workflows: [...files].filter(([path]) => isWorkflowPath(path)).map(([path, text]) => scanWorkflow(path, text)),
    dockerfiles: [...files].filter(([path]) => isDockerfilePath(path)).map(([path, text]) => ({ path, instructions: parseDockerfile(text) })),
    policies: readPolicies(files),
    today,
  };
}
