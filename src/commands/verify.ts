import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDockerfilePath, isWorkflowPath } from '../verify/file-kinds';
import { RULES, SEVERITIES, atLeast, type Finding, type Severity } from '../verify/rules';
import { verifyFiles } from '../verify/verify-files';
import { UsageError, formatOptions, type ArgsDefinition } from './args';
import { defineCommand } from './command';
import { readRepository } from './read-repository';

const args = {
  'json': { type: 'boolean', description: 'print JSON: { directory, files, minSeverity, findings: [{ file, line, rule, severity, message, fix }] }' },
  'min-severity': {
    type: 'string',
    valueHint: '<low|medium|high>',
    description: 'report only findings of this severity or above (default: low, all of them)',
    parse: (value) => {
      if (!(SEVERITIES as readonly string[]).includes(value)) throw new UsageError(`--min-severity ${JSON.stringify(value)} is not a severity; use one of ${SEVERITIES.join(', ')}, e.g. --min-severity high`);
      return value;
    },
  },
  'help': { type: 'boolean', short: 'h', description: 'show this help' },
} satisfies ArgsDefinition;

export const verifyCommand = defineCommand({
  meta: { name: 'keyless-build verify', description: 'check a repository offline for credential-handling mistakes (exit 1 on findings)' },
  args,
  help: (name) => `${name} [dir] [--json] [--min-severity <low|medium|high>]

Checks a repository offline for the classic mistakes of handing AWS credentials to a docker
build: the workflows under .github/workflows/ and the composite actions they use, every
Dockerfile (and the files workflows build with file: or -f), .dockerignore, IAM policy JSON,
CloudFormation templates and the code that reads the secret. Works on any repo, generated or
hand-made.

Options:
${formatOptions(args).join('\n')}

[dir] defaults to the current directory. Exit codes: 0 no findings at or above --min-severity,
1 findings, 2 bad usage (including a directory with neither a workflow nor a Dockerfile).

Severities: high, a credential can leave the build (image, log, another's hands); medium, the
build breaks or a safeguard is missing; low, hygiene.

Rules:
${Object.entries(RULES).map(([id, rule]) => `  ${id.padEnd(31)}${rule.severity.padEnd(8)}${rule.description}`).join('\n')}
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
    const minSeverity = (values['min-severity'] as Severity | undefined) ?? 'low';
    const all = verifyFiles(files);
    const findings = all.filter((f) => atLeast(f.severity, minSeverity));
    stdout(values.json ? `${JSON.stringify({ directory, files: files.size, minSeverity, findings }, null, 2)}\n` : formatFindings(findings, files.size, all.length - findings.length, minSeverity));
    return findings.length > 0 ? 1 : 0;
  },
});

function formatFindings(findings: readonly Finding[], fileCount: number, below: number, minSeverity: Severity): string {
  const hidden = below > 0 ? `; ${below} below ${minSeverity} not shown` : '';
  if (findings.length === 0) return `No findings (${fileCount} files checked${hidden}).\n`;
  const groups = [...SEVERITIES].reverse().map((severity) => {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) return '';
    const blocks = group.map((f) => `${f.file}:${f.line}  ${f.rule}\n  ${f.message}\n  Fix: ${f.fix.replace(/\n/g, '\n       ')}\n`);
    return `== ${severity} (${group.length}) ==\n\n${blocks.join('\n')}`;
  });
  return `${groups.filter(Boolean).join('\n')}\n${findings.length} finding${findings.length === 1 ? '' : 's'} (${fileCount} files checked${hidden}).\n`;
}
