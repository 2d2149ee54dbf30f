import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDockerfilePath, isWorkflowPath } from '../verify/file-kinds';
import { RULES, type Finding } from '../verify/rules';
import { verifyFiles } from '../verify/verify-files';
import { formatOptions, type ArgsDefinition } from './args';
import { defineCommand } from './command';
import { readRepository } from './read-repository';

const args = {
  json: { type: 'boolean', description: 'print JSON: { directory, files, findings: [{ file, line, rule, message, fix }] }' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} satisfies ArgsDefinition;

export const verifyCommand = defineCommand({
  meta: { name: 'keyless-build verify', description: 'check a repository offline for credential-handling mistakes (exit 1 on findings)' },
  args,
  help: (name) => `${name} [dir] [--json]

Checks a repository offline for the classic mistakes of handing AWS credentials to a docker
build: the workflow under .github/workflows/, every Dockerfile, .dockerignore, IAM policy
JSON, CloudFormation templates and the code that reads the secret. Works on any repo,
generated or hand-made.

Options:
${formatOptions(args).join('\n')}

[dir] defaults to the current directory. Exit codes: 0 no findings, 1 findings, 2 bad usage
(including a directory with neither a workflow nor a Dockerfile).

Rules:
${Object.entries(RULES).map(([id, description]) => `  ${id.padEnd(31)}${description}`).join('\n')}
`,
  async run({ args: values, positional, context }) {
    const { stdout, stderr } = context;
    const shown = positional ?? '.';
    const directory = resolve(context.cwd, shown);
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      stderr(`error: ${shown} is not a directory. Pass the repository's root directory.\n`);
      return 2;
    }
    const files = readRepository(directory);
    if (![...files.keys()].some((path) => isWorkflowPath(path) || isDockerfilePath(path))) {
      stderr(`error: found no .github/workflows/*.yml and no Dockerfile in ${shown}: nothing to check. Pass the repository's root directory.\n`);
      return 2;
    }
    const findings = verifyFiles(files);
    stdout(values.json ? `${JSON.stringify({ directory, files: files.size, findings }, null, 2)}\n` : formatFindings(findings, files.size));
    return findings.length > 0 ? 1 : 0;
  },
});

function formatFindings(findings: readonly Finding[], fileCount: number): string {
  if (findings.length === 0) return `No findings (${fileCount} files checked).\n`;
  const blocks = findings.map((f) => `${f.file}:${f.line}  ${f.rule}\n  ${f.message}\n  Fix: ${f.fix.replace(/\n/g, '\n       ')}\n`);
  return `${blocks.join('\n')}\n${findings.length} finding${findings.length === 1 ? '' : 's'} (${fileCount} files checked).\n`;
}
