/** The id look-up with stand-ins for gh and the API (no process, no network): test/integration/github-ids.test.ts runs the real edge. */
import { describe, expect, it } from 'vitest';
import { lookUpRepositoryIds, sendsImmutableSubjects } from '../../../src/commands/github-ids';

const answer = JSON.stringify({ id: 789012, owner: { id: 123456, login: 'acme' }, created_at: '2026-08-01T10:00:00Z' });

function fakeFetch(status: number, body: string, seen: { url?: string; auth?: string }[] = []): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), auth: (init?.headers as Record<string, string>).authorization });
    return new Response(body, { status });
  }) as typeof fetch;
}

describe('lookUpRepositoryIds', () => {
  it('gh first, with the repository path', async () => {
    const calls: (readonly string[])[] = [];
    const result = await lookUpRepositoryIds('acme/my-app', undefined, { env: {}, runGh: (args) => (calls.push(args), { status: 0, stdout: answer, stderr: '' }), fetch: fakeFetch(500, '') });
    expect(calls).toEqual([['api', 'repos/acme/my-app']]);
    expect(result.ids).toEqual({ ownerId: '123456', repoId: '789012', createdAt: '2026-08-01T10:00:00Z', via: 'gh' });
  });

  it('gh not signed in: the API with GITHUB_TOKEN, at GITHUB_API_URL', async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const result = await lookUpRepositoryIds('acme/my-app', undefined, {
      env: { GITHUB_TOKEN: 'ghs_fake', GITHUB_API_URL: 'http://127.0.0.1:1/' },
      runGh: () => ({ status: 4, stdout: '', stderr: 'To get started with GitHub CLI, please run:  gh auth login\n' }),
      fetch: fakeFetch(200, answer, seen),
    });
    expect(seen).toEqual([{ url: 'http://127.0.0.1:1/repos/acme/my-app', auth: 'Bearer ghs_fake' }]);
    expect(result).toEqual({ ids: expect.objectContaining({ ownerId: '123456', repoId: '789012', via: 'http://127.0.0.1:1' }), tried: ['gh: To get started with GitHub CLI, please run:  gh auth login'] });
  });

  it('neither: says why, for each way', async () => {
    const result = await lookUpRepositoryIds('acme/my-app', undefined, { env: { PATH: '' } });
    expect(result).toEqual({ tried: ['gh: not installed', 'GitHub API: GITHUB_TOKEN is not set'] });
  });

  it('a repository not created yet', async () => {
    const result = await lookUpRepositoryIds('acme/new-app', undefined, { env: { GITHUB_TOKEN: 't' }, runGh: () => ({ status: 1, stdout: '', stderr: 'HTTP 404: Not Found' }), fetch: fakeFetch(404, '{}') });
    expect(result.ids).toBeUndefined();
    expect(result.tried[1]).toContain('acme/new-app not found at https://api.github.com');
  });

  it('an answer without numeric ids is no answer', async () => {
    const result = await lookUpRepositoryIds('acme/my-app', undefined, { env: {}, runGh: () => ({ status: 0, stdout: '{"id":"x","owner":{}}', stderr: '' }) });
    expect(result).toEqual({ tried: ['gh: answered without the ids', 'GitHub API: GITHUB_TOKEN is not set'] });
  });

  it('GitHub Enterprise Server: gh --hostname, and its /api/v3', async () => {
    const calls: (readonly string[])[] = [];
    const seen: { url?: string }[] = [];
    await lookUpRepositoryIds('acme/my-app', 'github.example.com', { env: { GITHUB_TOKEN: 't' }, runGh: (args) => (calls.push(args), { status: 1, stdout: '', stderr: 'x' }), fetch: fakeFetch(200, answer, seen) });
    expect(calls[0]).toEqual(['api', '--hostname', 'github.example.com', 'repos/acme/my-app']);
    expect(seen[0]!.url).toBe('https://github.example.com/api/v3/repos/acme/my-app');
  });
});

describe('sendsImmutableSubjects', () => {
  it.each([
    ['2026-07-15T00:00:00Z', true],
    ['2026-07-14T23:59:59Z', false],
    ['2019-03-01T00:00:00Z', false],
    [undefined, true],
  ])('created %s: %s', (createdAt, immutable) => {
    expect(sendsImmutableSubjects({ ownerId: '1', repoId: '2', via: 'gh', ...(createdAt ? { createdAt } : {}) })).toBe(immutable);
  });
});
