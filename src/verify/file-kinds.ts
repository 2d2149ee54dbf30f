/** Which files of a repository verify reads as what. */

export function isWorkflowPath(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

export function isDockerfilePath(path: string): boolean {
  const name = path.split('/').pop()!;
  return /^(Dockerfile|Containerfile)(\.[\w.-]+)?$/.test(name) || /\.(Dockerfile|Containerfile)$/.test(name);
}

