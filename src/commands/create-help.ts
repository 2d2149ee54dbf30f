import { PARAMETERS } from '../core/parameters';

export function createHelp(command: string, version: string): string {
  const width = 34;
  // A long left column moves the description to the next line instead of breaking the alignment.
  const line = (left: string, right: string) =>
    left.length < width ? `  ${left.padEnd(width)}${right}` : `  ${left}\n  ${' '.repeat(width)}${right}`;
  const parameter = (p: (typeof PARAMETERS)[number]) => {
    const value = p.kind === 'boolean' ? `${p.flag}[=false]` : `${p.flag} <${p.choices ? p.choices.join('|') : p.example}>`;
    const suffix = p.required ? ' (required)' : p.defaultText ? ` (default: ${p.defaultText})` : '';
    return line(value, `${p.description}${suffix}`);
  };
  return [
    `${command} ${version}`,
    '',
    'Creates a repository whose GitHub Actions docker build uploads to S3 with short-lived,',
    'least-privilege AWS credentials and no access key: OIDC -> role A -> role B -> BuildKit secret.',
    '',
    'Usage:',
    `  ${command} [dir] --account <id> --region <region> --repo <owner/name> --bucket <name> [options]`,
    '  npm create keyless-build@latest [dir] -- [options]',
    '',
    'Required parameters (prompted for when missing and a terminal is attached):',
    ...PARAMETERS.filter((p) => p.required).map(parameter),
    '',
    'Optional parameters:',
    ...PARAMETERS.filter((p) => !p.required).map(parameter),
    '',
    'Switches:',
    line('--no-projen', 'write plain files instead of a projen-managed repo'),
    line('--no-git', 'do not run git init'),
    line('--no-install', 'do not install dependencies (nor run npx projen)'),
    line('--dry-run', 'print the files that would be written, write nothing'),
    line('--force', 'write into a non-empty directory, replacing files of the same name'),
    line('--adopt', 'make an existing repo (e.g. one created with --no-projen) projen-managed:'),
    line('', 'adds .projenrc.ts and replaces the managed files; src/ and README.md stay'),
    line('-y, --yes', 'never prompt; fail listing every missing parameter'),
    line('-h, --help', 'show this help'),
    line('-v, --version', 'show the version'),
    '',
    '[dir] defaults to the repository name. Lists (--branches, --environments, --subjects) take',
    'comma-separated values or repeat the flag. Exit codes: 0 done, 1 failed, 2 bad input.',
    '',
    'Afterwards, `keyless-build verify [dir]` checks the repo offline and `keyless-build doctor [dir]`',
    'checks the AWS side live (role B, session duration); each has --help.',
    '',
  ].join('\n');
}
