import { PARAMETERS, type ParameterDefinition } from '../core/parameters';
import type { ArgsDefinition } from './args';

/** create's --help: the parameter table, then the command's own switches. */
export function createHelp(command: string, version: string, switches: ArgsDefinition): string {
  const width = 34;
  // A long left column moves the description to the next line instead of breaking the alignment.
  const line = (left: string, right: string) =>
    left.length < width ? `  ${left.padEnd(width)}${right}` : `  ${left}\n  ${' '.repeat(width)}${right}`;
  const parameter = (p: ParameterDefinition) => {
    const value = p.kind === 'boolean' ? `${p.flag}[=false]` : `${p.flag} <${p.choices ? p.choices.join('|') : p.example}>`;
    const suffix = p.required ? ' (required)' : p.defaultText ? ` (default: ${p.defaultText})` : '';
    return line(value, `${p.description}${suffix}`);
  };
  const switchLines = Object.entries(switches).flatMap(([name, arg]) => {
    const [first, ...more] = arg.description.split('\n');
    const flag = `${arg.short ? `-${arg.short}, ` : ''}--${arg.negatable ? `no-${name}` : name}`;
    return [line(flag, first!), ...more.map((text) => line('', text))];
  });
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
    ...switchLines,
    '',
    '[dir] defaults to the repository name. Lists (--branches, --environments, --subjects) take',
    'comma-separated values or repeat the flag. Exit codes: 0 done, 1 failed, 2 bad input.',
    '',
    'Afterwards, `keyless-build verify [dir]` checks the repo offline and `keyless-build doctor [dir]`',
    'checks the AWS side live (role B, session duration); each has --help.',
    '',
  ].join('\n');
}
