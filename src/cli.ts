import { init } from './create';

/**
 * Entry of both bins. `create-keyless-build [dir] ...` creates a repo;
 * `keyless-build create [dir] ...` is the same command under the tool's own name.
 */
export async function main(bin: 'create-keyless-build' | 'keyless-build', argv: readonly string[]): Promise<number> {
  let args = argv;
  let command: string = bin;
  if (bin === 'keyless-build') {
    const [sub, ...rest] = argv;
    if (sub === 'create') {
      args = rest;
      command = 'keyless-build create';
    } else if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write('Usage: keyless-build create [dir] [options]\n\nCommands:\n  create   create a keyless-build repository (same as create-keyless-build)\n\nRun `keyless-build create --help` for the options.\n');
      return sub === undefined ? 2 : 0;
    } else if (sub === '--version' || sub === '-v') {
      args = [sub];
    } else {
      process.stderr.write(`error: unknown command ${JSON.stringify(sub)}. Commands: create.\n`);
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
