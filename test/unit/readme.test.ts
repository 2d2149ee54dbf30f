import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/core/actions';
import { CREATE_SWITCHES } from '../../src/commands/create';
import { createHelp } from '../../src/commands/create-help';
import { RULES } from '../../src/verify/rules';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('holds the CLI reference exactly as --help prints it', () => {
    expect(readme).toContain(createHelp('create-keyless-build', '<version>', CREATE_SWITCHES));
  });

  it('names the pinned action versions the code uses', () => {
    for (const action of Object.values(ACTIONS)) expect(readme).toContain(`${action.repository} ${action.version}`);
  });

  it('gives the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm run example');
    expect(readme).toContain('./scripts/install-test-tools.sh && npm ci && npm test');
  });

  it('names every verify rule', () => {
    for (const rule of Object.keys(RULES)) expect(readme).toContain(`\`${rule}\``);
  });
});
