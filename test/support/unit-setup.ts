/**
 * The unit project's guard: a test that starts a process or opens a connection fails at once,
 * naming what it tried, instead of quietly making the fast project slow. Such tests belong in
 * test/integration/.
 */
import { vi } from 'vitest';

function refuse(what: string): never {
  throw new Error(`unit tests may not ${what}: move the test to test/integration/`);
}

vi.mock('node:child_process', () => ({
  spawn: () => refuse('start a process (spawn)'),
  spawnSync: () => refuse('start a process (spawnSync)'),
  exec: () => refuse('start a process (exec)'),
  execSync: () => refuse('start a process (execSync)'),
  execFile: () => refuse('start a process (execFile)'),
  execFileSync: () => refuse('start a process (execFileSync)'),
  fork: () => refuse('start a process (fork)'),
}));

vi.mock('node:net', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:net')>()),
  connect: () => refuse('open a connection (net.connect)'),
  createConnection: () => refuse('open a connection (net.createConnection)'),
}));
