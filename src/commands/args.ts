import type { KeylessBuildOptions } from '../core/config';
import { PARAMETERS, type ParameterDefinition } from '../core/parameters';

/** Switches of the create command that are not repo parameters. */
export interface CreateFlags {
  readonly help: boolean;
  readonly version: boolean;
  readonly yes: boolean;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly adopt: boolean;
  readonly projen: boolean;
  readonly git: boolean;
  readonly install: boolean;
}

export interface ParsedArgs {
  readonly directory?: string;
  readonly options: Partial<Record<keyof KeylessBuildOptions, unknown>>;
  readonly flags: CreateFlags;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const SWITCHES: Record<string, keyof CreateFlags> = {
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
  '--yes': 'yes',
  '-y': 'yes',
  '--force': 'force',
  '--dry-run': 'dryRun',
  '--adopt': 'adopt',
};
const NEGATABLE: Record<string, keyof CreateFlags> = { '--no-projen': 'projen', '--no-git': 'git', '--no-install': 'install' };

/** Reads `[dir] --flag value --flag=value --no-flag`; lists may repeat or use commas. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: Record<keyof CreateFlags, boolean> = {
    help: false, version: false, yes: false, force: false, dryRun: false, adopt: false, projen: true, git: true, install: true,
  };
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const [name, inlineValue] = splitOnce(arg);
    if (SWITCHES[name] && inlineValue === undefined) {
      flags[SWITCHES[name]] = true;
      continue;
    }
    if (NEGATABLE[name] && inlineValue === undefined) {
      flags[NEGATABLE[name]] = false;
      continue;
    }
    const negated = name.startsWith('--no-') ? PARAMETERS.find((p) => p.flag === `--${name.slice(5)}`) : undefined;
    if (negated?.kind === 'boolean' && inlineValue === undefined) {
      options[negated.name] = false;
      continue;
    }
    const parameter = PARAMETERS.find((p) => p.flag === name);
    if (!parameter) throw new UsageError(`unknown option ${name}${suggestion(name)}. Run with --help to list the options.`);
    let value = inlineValue;
    if (value === undefined && parameter.kind === 'boolean') {
      const next = argv[i + 1];
      value = next === 'true' || next === 'false' ? (i++, next) : 'true';
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${name} needs a value, e.g. ${name} ${parameter.example}`);
      }
      value = next;
      i++;
    }
    options[parameter.name] = convert(parameter, value, options[parameter.name]);
  }

  if (positionals.length > 1) {
    throw new UsageError(`expected at most one target directory, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  return { directory: positionals[0], options, flags };
}

function convert(parameter: ParameterDefinition, value: string, previous: unknown): unknown {
  switch (parameter.kind) {
    case 'list': {
      const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
      return [...((previous as string[] | undefined) ?? []), ...items];
    }
    case 'integer':
      // Left as the raw string when it is not a number, so validation can quote it.
      return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw new UsageError(`${parameter.flag} takes true or false, got ${JSON.stringify(value)}`);
      return value === 'true';
    default:
      return value;
  }
}

function splitOnce(arg: string): [string, string | undefined] {
  const index = arg.indexOf('=');
  return index < 0 ? [arg, undefined] : [arg.slice(0, index), arg.slice(index + 1)];
}

function suggestion(name: string): string {
  const known = [...PARAMETERS.map((p) => p.flag), ...Object.keys(SWITCHES), ...Object.keys(NEGATABLE)];
  const close = known.find((flag) => distance(flag, name) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
