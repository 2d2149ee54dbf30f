import { init } from './commands/create';

export const KEYLESS_BUILD_HELP = `Usage: keyless-build <command> [options]

Commands:
  create [dir]   create a keyless-build repository (same as create-keyless-build)
  verify [dir]   check a repository offline for credential-handling mistakes (exit 1 on findings)
  doctor [dir]   check the AWS side live: who you are, whether role B can be assumed, for how long

Run \`keyless-build <command> --help\` for a command's options.
`;

/**
 * Entry of both bins. `create-keyless-build [dir] ...` creates a repo;
 * `keyless-build create [dir] ...` is the same command under the tool's own name.
 */
export async function main(bin: 'create-keyless-build' | 'keyless-build', argv: readonly string[]): Promise<number> {
  let args = argv;
  let command: string = bin;
  if (bin === 'keyless-build') {
    const [sub, ...rest] = argv;
    const context = { argv: rest, cwd: process.cwd(), stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
    if (sub === 'create') {
      args = rest;
      command = 'keyless-build create';
    } else if (sub === 'verify') {
      const { verifyCommand } = await import('./commands/verify.js');
      return verifyCommand(context);
    } else if (sub === 'doctor') {
      const { doctorCommand } = await import('./commands/doctor.js');
      return doctorCommand({ ...context, env: process.env });
    } else if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(KEYLESS_BUILD_HELP);
      return sub === undefined ? 2 : 0;
    } else if (sub === '--version' || sub === '-v') {
      args = [sub];
    } else {
      process.stderr.write(`error: unknown command ${JSON.stringify(sub)}. Commands: create, verify, doctor.\n`);
      return 2;
    }
  }
  return init({
    argv: args,
    cwd: process.cwd(),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    command,
  });
}
