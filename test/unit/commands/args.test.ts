import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type ArgsDefinition } from '../../../src/commands/args';

const ARGS: ArgsDefinition = {
  'bucket': { type: 'string', valueHint: 'my-bucket', description: 'a string' },
  'branches': { type: 'list', valueHint: 'main', description: 'a list' },
  'session-duration': { type: 'string', description: 'an integer', parse: (value) => (/^\d+$/.test(value) ? Number(value) : value) },
  'create-bucket': { type: 'boolean', takesBoolean: true, description: 'a boolean parameter' },
  'git': { type: 'boolean', negatable: true, description: 'a switch that is on by default' },
  'force': { type: 'boolean', description: 'a switch' },
  'yes': { type: 'boolean', short: 'y', description: 'a switch with a short form' },
};

const parse = (...argv: string[]) => parseCommandLine(argv, ARGS);
const usageError = (argv: string[]) => {
  try {
    parseCommandLine(argv, ARGS);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  it('reads a positional, values after a space or an equals sign, and defaults negatable switches to on', () => {
    expect(parse('dir', '--bucket', 'b', '--session-duration=900')).toEqual({
      positionals: ['dir'],
      values: { 'git': true, 'bucket': 'b', 'session-duration': 900 },
    });
  });

  it('collects lists from repeated flags and from commas, dropping empty items', () => {
    expect(parse('--branches', 'main, release', '--branches=hotfix/x,', '--branches', '').values.branches).toEqual(['main', 'release', 'hotfix/x']);
  });

  it('keeps a value parse does not convert, so that validation can quote it', () => {
    expect(parse('--session-duration', 'an hour').values['session-duration']).toBe('an hour');
  });

  it.each([
    [['--create-bucket'], true],
    [['--create-bucket=false'], false],
    [['--create-bucket=true'], true],
    [['--create-bucket', 'false'], false],
    [['--no-create-bucket'], false],
  ])('a boolean parameter: %j -> %s', (argv, expected) => {
    const parsed = parse(...argv);
    expect(parsed.values['create-bucket']).toBe(expected);
    expect(parsed.positionals).toEqual([]);
  });

  it('switches: --no-<name> turns a negatable one off; short forms; a word after a switch stays a positional', () => {
    expect(parse('--no-git', '-y', '--force', 'dir').values).toEqual({ git: false, yes: true, force: true });
    expect(parse('--force', 'false').positionals).toEqual(['false']);
  });

  it('takes what follows -- as positionals', () => {
    expect(parse('--', '--bucket').positionals).toEqual(['--bucket']);
  });

  it.each([
    [['--bucket'], '--bucket needs a value, e.g. --bucket my-bucket'],
    [['--bucket', '--force'], '--bucket needs a value'],
    [['--buckt', 'b'], 'unknown option --buckt (did you mean --bucket?)'],
    [['--git'], 'unknown option --git (it is on unless --no-git is given)'],
    [['--force=yes'], '--force takes no value'],
    [['--create-bucket=maybe'], '--create-bucket takes true or false, got "maybe"'],
    [['a', 'b'], 'expected at most one directory, got "a" "b"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});
