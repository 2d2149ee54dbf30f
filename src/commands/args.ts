/**
 * The one argument parser of every command: node:util's parseArgs reads the tokens, this file
 * gives them the commands' rules (typed values, lists, `--no-` switches, clear errors).
 */
import { parseArgs } from 'node:util';

/** Bad command-line usage: printed as `error: <message>`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * By name, not instanceof: verify and doctor are loaded beside the bundled CLI, each with its
 * own copy of this module, so their UsageError is another class than the bundle's.
 */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === 'UsageError';
}

export interface ArgDefinition {
  /** string: one value; list: repeated or comma-separated values; boolean: a switch. */
  readonly type: 'string' | 'list' | 'boolean';
  readonly description: string;
  /** Shown after the flag in --help and in "needs a value" errors, e.g. `<arn>`. */
  readonly valueHint?: string;
  readonly short?: string;
  /** A switch that is on unless `--no-<name>` is given. */
  readonly negatable?: boolean;
  /** A boolean that also takes `=true` / `=false` (or `true` / `false` as the next word), and `--no-<name>`. */
  readonly takesBoolean?: boolean;
  /** Converts or checks a string value; throws UsageError. */
  readonly parse?: (value: string) => unknown;
}

export type ArgsDefinition = Readonly<Record<string, ArgDefinition>>;

export interface ParsedCommandLine {
  /** By flag name (kebab-case): a string, a string[] for lists, a boolean, or what `parse` returned. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly positionals: readonly string[];
}

/** Reads `[positional] --flag value --flag=value --no-flag -x`; lists may repeat or use commas. */
export function parseCommandLine(argv: readonly string[], args: ArgsDefinition, maxPositionals = 1): ParsedCommandLine {
  const options = Object.fromEntries(
    Object.entries(args).map(([name, arg]) => [name, { type: arg.type === 'boolean' ? 'boolean' : 'string', ...(arg.short ? { short: arg.short } : {}) }] as const),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  for (const [name, arg] of Object.entries(args)) {
    if (arg.type === 'boolean' && arg.negatable) values[name] = true;
  }
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const negated = token.name.startsWith('no-') ? args[token.name.slice(3)] : undefined;
    if (negated && (negated.negatable || negated.takesBoolean) && token.value === undefined) {
      values[token.name.slice(3)] = false;
      continue;
    }
    const arg = args[token.name];
    if (!arg || arg.negatable) throw new UsageError(`unknown option ${token.rawName}${suggestion(token.rawName, args)}. Run with --help to list the options.`);
    if (arg.type === 'boolean') {
      if (!arg.takesBoolean) {
        if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
        values[token.name] = true;
        continue;
      }
      let text = token.value;
      const next = tokens[i + 1];
      if (text === undefined && next?.kind === 'positional' && (next.value === 'true' || next.value === 'false')) {
        text = next.value;
        i++;
      }
      if (text !== undefined && text !== 'true' && text !== 'false') throw new UsageError(`${token.rawName} takes true or false, got ${JSON.stringify(text)}`);
      values[token.name] = text !== 'false';
      continue;
    }
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--') && token.value.length > 2)) {
      throw new UsageError(`${token.rawName} needs a value, e.g. ${token.rawName} ${arg.valueHint ?? '<value>'}`);
    }
    if (arg.type === 'list') {
      const items = token.value.split(',').map((item) => item.trim()).filter((item) => item !== '');
      values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), ...items];
    } else {
      values[token.name] = arg.parse ? arg.parse(token.value) : token.value;
    }
  }
  if (positionals.length > maxPositionals) {
    throw new UsageError(`expected at most ${maxPositionals === 1 ? 'one directory' : `${maxPositionals} arguments`}, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  return { values, positionals };
}

/** The `Options:` lines of --help, from the definitions. */
export function formatOptions(args: ArgsDefinition): string[] {
  const rows = Object.entries(args).map(([name, arg]) => {
    const flags = `${arg.short ? `-${arg.short}, ` : ''}--${arg.negatable ? `no-${name}` : name}`;
    return [arg.type === 'boolean' ? flags : `${flags} ${arg.valueHint ?? '<value>'}`, arg.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

function suggestion(name: string, args: ArgsDefinition): string {
  if (args[name.replace(/^--/, '')]?.negatable) return ` (it is on unless --no-${name.replace(/^--/, '')} is given)`;
  const known = Object.entries(args).flatMap(([flag, arg]) => [`--${arg.negatable ? `no-${flag}` : flag}`, ...(arg.takesBoolean ? [`--no-${flag}`] : [])]);
  const close = known.find((flag) => distance(flag, name) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

/** Levenshtein distance, for "did you mean". */
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
