import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/commands/command';
import { createCommand } from '../../../src/commands/create';
import { BAD_INPUTS } from '../../support/bad-inputs';
import { SEED } from '../../support/parameter-sets';

describe('create refuses bad input', () => {
  it.each(BAD_INPUTS)('writes nothing for %s, and the message names the flag and the fix', async (_d, override, parameter, fragment) => {
    const cwd = mkdtempSync(join(tmpdir(), 'kb-config-'));
    let stderr = '';
    const argv = Object.entries({ ...SEED, ...override }).flatMap(([name, value]) => {
      const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const values = Array.isArray(value) ? (value.length ? value : ['']) : [String(value)];
      return values.flatMap((v) => [`${flag}=${v}`]);
    });
    const code = await runCommand(createCommand, {
      argv: ['out', '--no-git', '--no-install', ...argv],
      cwd,
      env: {},
      interactive: false,
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
    });
    expect(code).toBe(2);
    expect(stderr).toContain(fragment);
    expect(stderr).toContain(`${parameter} (--`);
    expect(stderr).toContain('Fix:');
    expect(stderr).toContain('Nothing was written.');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
