import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isDockerfilePath, isWorkflowPath } from '../verify/file-kinds';
import { dockerfileReferences, readWorkflows } from '../verify/parsed-repository';

/** Directories never part of what a repo declares. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'cdk.out', 'coverage', '.projen', '.tmp']);
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 5000;

/** The files verify and doctor read, by their path relative to the root ('/'-separated). */
export function readRepository(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || files.size >= MAX_FILES) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(full, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      const path = relative(root, full).split(sep).join('/');
      if (!isRelevant(path)) continue;
      if (statSync(full).size > MAX_FILE_BYTES) continue;
      files.set(path, readFileSync(full, 'utf8'));
    }
  };
  walk(root, 0);
  readNamedDockerfiles(root, files);
  return files;
}

/** Dockerfiles with other names, read because a workflow builds them by name (`file:`, `-f`). */
function readNamedDockerfiles(root: string, files: Map<string, string>): void {
  for (const { path } of dockerfileReferences(readWorkflows(files))) {
    const full = resolve(root, path);
    if (files.has(path) || relative(root, full).startsWith('..')) continue;
    if (existsSync(full) && statSync(full).isFile() && statSync(full).size <= MAX_FILE_BYTES) files.set(path, readFileSync(full, 'utf8'));
  }
}

function isRelevant(path: string): boolean {
  const name = path.split('/').pop()!;
  if (name === 'package-lock.json' || name === 'tsconfig.json') return false;
  return (
    isWorkflowPath(path) ||
    isDockerfilePath(path) ||
    name.endsWith('.dockerignore') ||
    /\.(json|ya?ml|template)$/.test(name) ||
    /\.(m?[jt]s|cjs|cts|py|sh)$/.test(name)
  );
}
