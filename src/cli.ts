import { runCommand, type CommandContext, type CommandDefinition, type ExitCode } from './commands/command';
import { createCommand } from './commands/create';

export const KEYLESS_BUILD_HELP = `Usage: keyless-build <command> [options]

Commands:
  create [dir]   create a keyless-build repository (same as create-keyless-build)
  verify [dir]   check a repository offline for credential-handling mistakes (exit 1 on findings)
  doctor [dir]   check the AWS side live: who you are, whether role B can be assumed, for how long

Run \`keyless-build <command> --help\` for a command's options.
`;

/** keyless-build's commands; verify and doctor are loaded only when asked for, so create starts fast. */
const SUB_COMMANDS: Record<string, () => Promise<CommandDefinition>> = {
  create: async () => createCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
};

/**
 * Entry of both bins. `create-keyless-build [dir] ...` creates a repo;
 * `keyless-build <command> ...` runs create, verify or doctor.
 */
export async function main(bin: 'create-keyless-build' | 'keyless-build', argv: readonly string[]): Promise<ExitCode> {
  const context = (args: readonly string[]): CommandContext => ({
    argv: args,
    cwd: process.cwd(),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  if (bin === 'create-keyless-build') return runCommand(createCommand, context(argv));

  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(KEYLESS_BUILD_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === '--version' || sub === '-v') return runCommand(createCommand, context([sub]));
  const load = SUB_COMMANDS[sub];
  if (!load) {
    process.stderr.write(`error: unknown command ${JSON.stringify(sub)}. Commands: ${Object.keys(SUB_COMMANDS).join(', ')}.\n`);
    return 2;
  }
  return runCommand(await load(), context(rest), `keyless-build ${sub}`);
}
