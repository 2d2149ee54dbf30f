/** Which files of a repository verify reads as what. */

export function isWorkflowPath(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

/** An action's metadata file: `.github/actions/**\/action.yml` and any other local action. */
export function isActionPath(path: string): boolean {
  return /(^|\/)action\.ya?ml$/.test(path);
}

/** Files about Dockerfiles, not Dockerfiles: code (dockerfile.ts), notes (Dockerfile.md), templates, backups. */
const DOCUMENT = /\.(m?[jt]sx?|c[jt]s|mts|py|go|rs|rb|java|kt|cs|php|sh|ps1|json|ya?ml|toml|xml|lock|snap|md|markdown|txt|rst|adoc|html?|j2|jinja2?|tmpl|tpl|template|hbs|mustache|orig|bak|swp)$/i;

/**
 * Dockerfiles by name, as repositories name them: Dockerfile, Dockerfile.prod, Dockerfile-dev,
 * prod.Dockerfile, app.dockerfile, Containerfile, in any case. A file with another name is
 * read when a workflow names it (build-push-action's `file:`, `docker build -f`).
 */
export function isDockerfilePath(path: string): boolean {
  const name = path.split('/').pop()!;
  if (DOCUMENT.test(name)) return false;
  return /^(dockerfile|containerfile)([.-][\w.-]+)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}
