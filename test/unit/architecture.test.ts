/**
 * The layout tells the design, and stays that way: ARCHITECTURE.md lists src/ as it is, no
 * command imports another, no import cycle, the pure folders do no I/O, create loads neither
 * projen nor the AWS SDK, and the package's entry points export exactly their documented API.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Every module of src/, as a path relative to src/ without `.ts`. */
function modules(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return modules(full);
    return name.endsWith('.ts') ? [relative(SRC, full).replace(/\.ts$/, '')] : [];
  });
}

/** The specifiers a module imports, statically or with import(). */
function specifiers(module: string): string[] {
  // Double-quoted strings are data (templates.generated embeds the sample files as JSON strings).
  const text = readFileSync(join(SRC, `${module}.ts`), 'utf8').replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  return [...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?[\w*{}\s,]*?\s*from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** The src/ modules a module imports. */
function localImports(module: string): string[] {
  return specifiers(module)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(dirname(join(SRC, module)), s.replace(/\.js$/, ''))));
}

/** Every module reachable from `start` (itself included). */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (module: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    localImports(module).forEach(visit);
  };
  visit(start);
  return seen;
}

describe('the layout', () => {
  it('ARCHITECTURE.md lists every file of src/, folder by folder, and nothing else', () => {
    const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const listed = [...text.matchAll(/^- `src\/([\w/-]*)`: (.+)$/gm)].flatMap(([, folder, names]) =>
      names!.split(' · ').map((name) => `${folder}${name.trim()}`),
    );
    expect(listed.sort()).toEqual(modules().sort());
  });

  it('the check above sees a file ARCHITECTURE.md leaves out (negative control)', () => {
    const listed = modules().filter((m) => m !== 'core/subjects');
    expect(listed.sort()).not.toEqual(modules().sort());
  });

  it('no command imports another command, directly or through other modules', () => {
    const commands = ['commands/create', 'commands/verify', 'commands/doctor'];
    for (const command of commands) {
      const others = commands.filter((c) => c !== command);
      expect([...reachable(command)].filter((m) => others.includes(m)), command).toEqual([]);
    }
  });

  it('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (module: string, path: string[]) => {
      if (state.get(module) === 'done') return;
      if (state.get(module) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(module)), module].join(' -> '));
        return;
      }
      state.set(module, 'visiting');
      for (const next of localImports(module)) visit(next, [...path, module]);
      state.set(module, 'done');
    };
    modules().forEach((m) => visit(m, []));
    expect(cycles).toEqual([]);
  });

  it('core/, render/, verify/ and doctor/ (but its live checks) do no I/O', () => {
    const io = /^(node:)?(fs|fs\/promises|child_process|net|http|https|tls|dgram)$/;
    const pure = modules().filter((m) => /^(core|render|verify|doctor)\//.test(m) && m !== 'doctor/live-checks');
    const offending = pure.flatMap((m) => specifiers(m).filter((s) => io.test(s)).map((s) => `${m} imports ${s}`));
    expect(offending).toEqual([]);
  });

  it('create, with everything it imports, loads neither projen nor the AWS SDK', () => {
    const loaded = [...reachable('commands/create')].flatMap((m) => specifiers(m).filter((s) => /^(projen|@aws-sdk\/)/.test(s)).map((s) => `${m} imports ${s}`));
    expect(loaded).toEqual([]);
    // Negative control: the doctor command does reach the AWS SDK.
    expect([...reachable('commands/doctor')].some((m) => specifiers(m).some((s) => s.startsWith('@aws-sdk/')))).toBe(true);
  });

  it('unit tests cannot start a process (test/support/unit-setup.ts)', () => {
    expect(() => spawnSync('true')).toThrow(/unit tests may not start a process/);
  });
});

describe('the public API', () => {
  it('create-keyless-build exports resolveConfig, ConfigError, renderRepository, RULES and verifyFiles, and nothing else', async () => {
    const api = await import('../../src/index.js');
    expect(Object.keys(api).sort()).toEqual(['ConfigError', 'RULES', 'renderRepository', 'resolveConfig', 'verifyFiles']);
  });

  it('create-keyless-build/projen exports the component', async () => {
    const api = await import('../../src/projen/index.js');
    expect(Object.keys(api)).toEqual(['KeylessBuild']);
  });

  it('index.ts documents each export', () => {
    const text = readFileSync(join(SRC, 'index.ts'), 'utf8');
    for (const name of ['resolveConfig', 'renderRepository', 'verifyFiles', 'ConfigError', 'create-keyless-build/projen']) expect(text).toContain(name);
  });
});
