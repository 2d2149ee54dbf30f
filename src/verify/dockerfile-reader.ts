/**
 * A small Dockerfile reader: enough to check instructions, their flags and their line numbers
 * without a parser dependency in the CLI bundle. Handles the escape directive, line
 * continuations, comments inside continued instructions and heredocs (`<<EOF ... EOF`).
 */

export interface DockerInstruction {
  /** Upper-case keyword, e.g. RUN. */
  readonly keyword: string;
  /** Leading `--name=value` flags, e.g. mount -> ['type=secret,id=x']. */
  readonly flags: readonly { readonly name: string; readonly value: string }[];
  /** The rest of the instruction after the flags, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
  /** 1-based line where it ends (after continuations and heredocs). */
  readonly endLine: number;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const lines = text.split(/\r?\n/);
  const escape = escapeCharacter(lines);
  const instructions: DockerInstruction[] = [];
  let index = 0;
  while (index < lines.length) {
    const first = lines[index]!;
    if (/^\s*(#|$)/.test(first)) {
      index++;
      continue;
    }
    const start = index;
    let joined = '';
    let current = first;
    // Continuation: the line ends with the escape character; comment lines in between are skipped.
    for (;;) {
      const trimmed = current.replace(/\s+$/, '');
      if (trimmed.endsWith(escape) && index + 1 < lines.length) {
        joined += `${trimmed.slice(0, -1)} `;
        index++;
        while (index < lines.length && /^\s*#/.test(lines[index]!)) index++;
        current = lines[index] ?? '';
        continue;
      }
      joined += trimmed;
      break;
    }
    // Heredocs: the body lines follow the instruction up to the terminator.
    for (const match of joined.matchAll(/<<-?(["']?)([A-Za-z_][\w]*)\1/g)) {
      const terminator = match[2]!;
      while (index + 1 < lines.length) {
        index++;
        joined += `\n${lines[index]}`;
        if (lines[index]!.trim() === terminator) break;
      }
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(joined);
    if (match) {
      const { flags, rest } = leadingFlags(match[2]!);
      instructions.push({ keyword: match[1]!.toUpperCase(), flags, args: rest, line: start + 1, endLine: index + 1 });
    }
    index++;
  }
  return instructions;
}

/** `# escape=` parser directive (only before the first instruction or comment). */
function escapeCharacter(lines: readonly string[]): string {
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') return directive[2]!;
  }
  return '\\';
}

function leadingFlags(text: string): { flags: { name: string; value: string }[]; rest: string } {
  const flags: { name: string; value: string }[] = [];
  let rest = text;
  for (;;) {
    const flag = /^--([a-z-]+)(?:=("[^"]*"|\S*))?\s*/.exec(rest);
    if (!flag) break;
    flags.push({ name: flag[1]!, value: (flag[2] ?? '').replace(/^"(.*)"$/, '$1') });
    rest = rest.slice(flag[0].length);
  }
  return { flags, rest };
}

/** `type=secret,id=x,required=true` -> { type: 'secret', id: 'x', required: 'true' }; a bare key counts as "true". */
export function mountOptions(value: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const part of value.split(',')) {
    const [key, ...rest] = part.split('=');
    if (key) options[key.trim().toLowerCase()] = rest.length ? rest.join('=').trim() : 'true';
  }
  return options;
}

/**
 * The names an ARG or ENV instruction defines: `ARG A=1 B`, `ENV A=1 B=2`, legacy `ENV A 1`.
 */
export function definedNames(instruction: DockerInstruction): string[] {
  const args = instruction.args.trim();
  if (instruction.keyword === 'ENV' && /^[^\s=]+\s/.test(args) && !/^[^\s=]+=/.test(args)) {
    return [args.split(/\s+/)[0]!];
  }
  return [...args.matchAll(/(?:^|\s)([A-Za-z_][\w]*)(?==|\s|$)/g)].map((m) => m[1]!);
}
