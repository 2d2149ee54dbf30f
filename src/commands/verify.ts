import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isDockerfilePath, isWorkflowPath, RULES, verifyFiles, type Finding } from '../verify/verify-files';

export interface CommandContext {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const VERIFY_HELP = `keyless-build verify [dir] [--json]

Checks a repository offline for the classic mistakes of handing AWS credentials to a docker
build: the workflow under .github/workflows/, every Dockerfile, .dockerignore, IAM policy
JSON, CloudFormation templates and the code that reads the secret. Works on any repo,
generated or hand-made.

Options:
  --json        print JSON: { directory, files, findings: [{ file, line, rule, message, fix }] }
  -h, --help    show this help

[dir] defaults to the current directory. Exit codes: 0 no findings, 1 findings, 2 bad usage
(including a directory with neither a workflow nor a Dockerfile).

Rules:
${Object.entries(RULES).map(([id, description]) => `  ${id.padEnd(31)}${description}`).join('\n')}
`;

/** Directories never part of what a repo declares. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'cdk.out', 'coverage', '.projen', '.tmp']);
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 5000;

export async function verifyCommand(context: CommandContext): Promise<0 | 1 | 2> {
  const { stdout, stderr } = context;
  let json = false;
  const positionals: string[] = [];
  for (const arg of context.argv) {
    if (arg === '--help' || arg === '-h') {
      stdout(VERIFY_HELP);
      return 0;
    }
    if (arg === '--json') json = true;
    else if (arg.startsWith('-')) {
      stderr(`error: unknown option ${arg}. Usage: keyless-build verify [dir] [--json]\n`);
      return 2;
    } else positionals.push(arg);
  }
  if (positionals.length > 1) {
    stderr(`error: expected at most one directory, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}\n`);
    return 2;
  }
  const directory = resolve(context.cwd, positionals[0] ?? '.');
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    stderr(`error: ${positionals[0] ?? '.'} is not a directory. Pass the repository's root directory.\n`);
    return 2;
  }

  const files = readRepository(directory);
  if (![...files.keys()].some((path) => isWorkflowPath(path) || isDockerfilePath(path))) {
    stderr(`error: found no .github/workflows/*.yml and no Dockerfile in ${positionals[0] ?? '.'}: nothing to check. Pass the repository's root directory.\n`);
    return 2;
  }
  const findings = verifyFiles(files);
  if (json) {
    stdout(`${JSON.stringify({ directory, files: files.size, findings }, null, 2)}\n`);
  } else {
    stdout(formatFindings(findings, files.size));
  }
  return findings.length > 0 ? 1 : 0;
}

export function formatFindings(findings: readonly Finding[], fileCount: number): string {
  if (findings.length === 0) return `No findings (${fileCount} files checked).\n`;
  const blocks = findings.map((f) => `${f.file}:${f.line}  ${f.rule}\n  ${f.message}\n  Fix: ${f.fix.replace(/\n/g, '\n       ')}\n`);
  return `${blocks.join('\n')}\n${findings.length} finding${findings.length === 1 ? '' : 's'} (${fileCount} files checked).\n`;
}

/** The files verify reads, by their path relative to the root ('/'-separated). */
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
  return files;
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
