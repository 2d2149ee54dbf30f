import { isUsageError, parseCommandLine, type ArgsDefinition, type ParsedCommandLine } from './args';

/** 0 done, 1 failed (or findings), 2 bad input. */
export type ExitCode = 0 | 1 | 2;

/** What a command may touch of the outside world: passed in, so tests run commands in-process. */
export interface CommandContext {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Whether someone can answer prompts (stdin and stdout are terminals). */
  readonly interactive: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface CommandDefinition {
  readonly meta: {
    /** As the user typed it, e.g. `keyless-build verify`: --help and messages quote it. */
    readonly name: string;
    readonly description: string;
  };
  readonly args: ArgsDefinition;
  /** The full --help text. */
  readonly help: (name: string) => string;
  readonly run: (input: { readonly args: ParsedCommandLine['values']; readonly positional?: string; readonly context: CommandContext }) => Promise<ExitCode>;
}

/** A command as unjs/citty declares one: its metadata, its arguments and what it does. */
export function defineCommand(definition: CommandDefinition): CommandDefinition {
  return definition;
}

/** Parses the command line, answers --help, turns usage errors into exit code 2, and runs. */
export async function runCommand(command: CommandDefinition, context: CommandContext, name = command.meta.name): Promise<ExitCode> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(context.argv, command.args);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    context.stderr(`error: ${error.message}\n`);
    return 2;
  }
  if (parsed.values.help) {
    context.stdout(command.help(name));
    return 0;
  }
  try {
    return await command.run({ args: parsed.values, positional: parsed.positionals[0], context });
  } catch (error) {
    if (!isUsageError(error)) throw error;
    context.stderr(`error: ${error.message}\n`);
    return 2;
  }
}
