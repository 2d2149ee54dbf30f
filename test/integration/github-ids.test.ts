/**
 * create looks up the repository's numeric ids when --owner-id and --repo-id are missing: with a
 * stand-in `gh` on PATH, with a stand-in GitHub API on loopback (GITHUB_TOKEN, GITHUB_API_URL),
 * by asking in a terminal, and otherwise not at all. Never the real GitHub.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FLAGS } from '../support/parameter-sets';
import { run } from '../support/moto';
import { CREATE_BIN, assertBuilt, cliEnv, makeTempDir, runCli, runInTerminal } from '../support/run-cli';

/** runCli without blocking this process: the stand-in API runs in it. */
async function runCliAsync(args: readonly string[], options: { cwd: string; env: Record<string, string> }) {
  return run(process.execPath, [CREATE_BIN, ...args], { cwd: options.cwd, env: cliEnv(options.env) as Record<string, string>, timeoutMs: 30_000 });
}

const OFFLINE = ['--no-install', '--no-git', '--no-projen'];
const NEW_REPO = { id: 789012, owner: { id: 123456, login: 'acme' }, created_at: '2026-09-01T08:00:00Z' };
const OLD_REPO = { id: 4242, owner: { id: 42, login: 'acme' }, created_at: '2019-05-01T08:00:00Z' };

let work: string;
let standIn: string;
let server: Server;
let apiUrl: string;
const apiRequests: { url: string; authorization?: string }[] = [];

/** A `gh` that answers `gh api repos/acme/my-app` from a file and logs its arguments. */
function writeStandInGh(dir: string, answer: unknown, exitCode = 0, stderr = ''): { path: string; log: string } {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'gh.log');
  writeFileSync(join(dir, 'answer.json'), JSON.stringify(answer));
  writeFileSync(
    join(dir, 'gh'),
    ['#!/bin/sh', `echo "$*" >> '${log}'`, exitCode === 0 ? `cat '${join(dir, 'answer.json')}'` : `echo '${stderr}' >&2`, `exit ${exitCode}`, ''].join('\n'),
  );
  chmodSync(join(dir, 'gh'), 0o755);
  return { path: `${dir}${delimiter}${process.env.PATH}`, log };
}

function trustOf(dir: string): string {
  return readFileSync(join(work, dir, 'iam/oidc-role-trust-policy.json'), 'utf8');
}

beforeAll(async () => {
  assertBuilt();
  work = makeTempDir();
  standIn = join(work, 'stand-ins');
  server = createServer((request, response) => {
    apiRequests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const body = request.url === '/repos/acme/my-app' ? OLD_REPO : undefined;
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? { message: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe('create looks up the numeric ids', () => {
  it('with gh: a repository created after the cut-over gets the immutable sub and both ids pinned', () => {
    const gh = writeStandInGh(join(standIn, 'gh-new'), NEW_REPO);
    const result = runCli(['with-gh', ...SEED_FLAGS, ...OFFLINE], { cwd: work, env: { PATH: gh.path } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Looked up acme/my-app with gh: owner id 123456, repo id 789012, created 2026-09-01.');
    expect(readFileSync(gh.log, 'utf8')).toBe('api repos/acme/my-app\n');
    const trust = trustOf('with-gh');
    expect(trust).toContain('"repo:acme@123456/my-app@789012:ref:refs/heads/main"');
    expect(trust).toContain('"token.actions.githubusercontent.com:repository_id": "789012"');
    expect(result.stdout).not.toContain('immutable subjects:');
  });

  it('the projen repo records the looked-up ids in .projenrc.ts', () => {
    const gh = writeStandInGh(join(standIn, 'gh-projen'), NEW_REPO);
    const result = runCli(['projen', ...SEED_FLAGS, '--no-install', '--no-git'], { cwd: work, env: { PATH: gh.path } });
    expect(result.code, result.stderr).toBe(0);
    const projenrc = readFileSync(join(work, 'projen', '.projenrc.ts'), 'utf8');
    expect(projenrc).toContain('ownerId: "123456",');
    expect(projenrc).toContain('repoId: "789012",');
  });

  it('gh signed out: the GitHub API with GITHUB_TOKEN; an older repository keeps the legacy sub, with the ids pinned', async () => {
    const gh = writeStandInGh(join(standIn, 'gh-signed-out'), {}, 4, 'To get started with GitHub CLI, please run:  gh auth login');
    apiRequests.length = 0;
    const result = await runCliAsync(['with-api', ...SEED_FLAGS, ...OFFLINE], { cwd: work, env: { PATH: gh.path, GITHUB_TOKEN: 'ghs_standin_not_a_secret', GITHUB_API_URL: apiUrl } });
    expect(result.code, result.stderr).toBe(0);
    expect(apiRequests).toEqual([{ url: '/repos/acme/my-app', authorization: 'Bearer ghs_standin_not_a_secret' }]);
    expect(result.stdout).toContain(`Looked up acme/my-app with ${apiUrl}: owner id 42, repo id 4242, created 2019-05-01.`);
    expect(result.stdout).toContain('created before 2026-07-15');
    const trust = trustOf('with-api');
    expect(trust).toContain('"repo:acme/my-app:ref:refs/heads/main"');
    expect(trust).toContain('"token.actions.githubusercontent.com:repository_owner_id": "42"');
  });

  it('a repository neither knows: the legacy form, with the warning, and why', async () => {
    apiRequests.length = 0;
    const result = await runCliAsync(['unknown', '--account', '111111111111', '--region', 'ap-northeast-1', '--repo', 'acme/not-yet', '--bucket', 'my-bucket', ...OFFLINE], {
      cwd: work,
      env: { GITHUB_TOKEN: 'ghs_standin_not_a_secret', GITHUB_API_URL: apiUrl },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(apiRequests.map((r) => r.url)).toEqual(['/repos/acme/not-yet']);
    expect(result.stdout).toContain("Note: acme/not-yet's numeric ids are unknown");
    expect(result.stdout).toContain('not found at');
    expect(result.stderr).toBe('');
    expect(readFileSync(join(work, 'unknown/iam/oidc-role-trust-policy.json'), 'utf8')).toContain('"repo:acme/not-yet:ref:refs/heads/main"');
    expect(result.stdout).toContain('re-run with --owner-id and --repo-id');
  });

  it('--no-lookup, given ids, custom subjects or GHES: no look-up at all', async () => {
    const gh = writeStandInGh(join(standIn, 'gh-untouched'), NEW_REPO);
    apiRequests.length = 0;
    const env = { PATH: gh.path, GITHUB_TOKEN: 'ghs_standin_not_a_secret', GITHUB_API_URL: apiUrl };
    for (const [dir, extra] of [
      ['no-lookup', ['--no-lookup']],
      ['given', ['--owner-id', '1', '--repo-id', '2']],
      ['custom', ['--subjects', 'repo:acme/my-app:ref:refs/tags/v1']],
      ['ghes', ['--ghes-host', 'github.example.com']],
    ] as const) {
      const result = await runCliAsync([dir, ...SEED_FLAGS, ...OFFLINE, ...extra], { cwd: work, env });
      expect(result.code, `${dir}: ${result.stderr}`).toBe(0);
    }
    expect(existsSync(gh.log)).toBe(false);
    expect(apiRequests).toEqual([]);
  });

  it('in a terminal, when nothing answers, asks for them', async () => {
    const terminal = runInTerminal(['asked', ...SEED_FLAGS, ...OFFLINE], { cwd: work });
    await terminal.expect('(--owner-id)');
    terminal.type('555\r');
    await terminal.expect('(--repo-id)');
    terminal.type('666\r');
    await terminal.expect('Next steps:');
    expect(await terminal.exited, terminal.screen()).toBe(0);
    expect(trustOf('asked')).toContain('"repo:acme@555/my-app@666:ref:refs/heads/main"');
  });
});
