/**
 * The numeric ids of the GitHub repository, for its immutable OIDC subject claims: GitHub sends
 * `repo:OWNER@OWNER_ID/NAME@REPO_ID:...` for repositories created (or renamed, or transferred)
 * from 2026-07-15 on, and for older ones that opted in; github.com only, not GitHub Enterprise
 * Server (https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens).
 *
 * Looked up with `gh api repos/OWNER/REPO` when gh is installed and signed in, else with the REST
 * API when GITHUB_TOKEN is set (GITHUB_API_URL, as on an Actions runner, names the API). The
 * command edge only: the core never reads the network.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { IMMUTABLE_SUBJECTS_FROM } from '../core/subjects';

export interface RepositoryIds {
  readonly ownerId: string;
  readonly repoId: string;
  /** ISO date the repository was created, when the answer says. */
  readonly createdAt?: string;
  /** How they were found: `gh`, or the API's base URL. */
  readonly via: string;
}

export interface LookupResult {
  readonly ids?: RepositoryIds;
  /** Why each way did not give them, in order. */
  readonly tried: readonly string[];
}

export interface LookupDependencies {
  readonly env: NodeJS.ProcessEnv;
  /** Runs gh; by default the one on PATH. */
  readonly runGh?: (args: readonly string[]) => { status: number | null; stdout: string; stderr: string };
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

const TIMEOUT_MS = 10_000;

/** Looks the repository up; `host` is a GitHub Enterprise Server's (github.com's API otherwise). */
export async function lookUpRepositoryIds(repo: string, host: string | undefined, deps: LookupDependencies): Promise<LookupResult> {
  const tried: string[] = [];
  const runGh = deps.runGh ?? defaultGh(deps.env, deps.timeoutMs ?? TIMEOUT_MS);
  if (!runGh) {
    tried.push('gh: not installed');
  } else {
    const result = runGh(['api', ...(host ? ['--hostname', host] : []), `repos/${repo}`]);
    const ids = result.status === 0 ? parseRepository(result.stdout, 'gh') : undefined;
    if (ids) return { ids, tried };
    tried.push(`gh: ${result.status === 0 ? 'answered without the ids' : firstLine(result.stderr) || `exit ${result.status}`}`);
  }

  const token = deps.env.GITHUB_TOKEN;
  if (!token) {
    tried.push('GitHub API: GITHUB_TOKEN is not set');
    return { tried };
  }
  const base = (deps.env.GITHUB_API_URL || (host ? `https://${host}/api/v3` : 'https://api.github.com')).replace(/\/+$/, '');
  try {
    const response = await (deps.fetch ?? fetch)(`${base}/repos/${repo}`, {
      headers: { 'authorization': `Bearer ${token}`, 'accept': 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'create-keyless-build' },
      signal: AbortSignal.timeout(deps.timeoutMs ?? TIMEOUT_MS),
    });
    if (response.status === 404) {
      tried.push(`GitHub API: ${repo} not found at ${base} (not created yet, or the token cannot see it)`);
      return { tried };
    }
    if (!response.ok) {
      tried.push(`GitHub API: ${base} answered ${response.status}`);
      return { tried };
    }
    const ids = parseRepository(await response.text(), base);
    if (ids) return { ids, tried };
    tried.push(`GitHub API: ${base} answered without the ids`);
  } catch (error) {
    tried.push(`GitHub API: ${base}: ${(error as Error).message}`);
  }
  return { tried };
}

/**
 * Whether the repository's tokens carry the immutable sub by default: created from the cut-over
 * date on. An older one does only if it opted in or was renamed or transferred since, which the
 * answer does not tell.
 */
export function sendsImmutableSubjects(ids: RepositoryIds): boolean {
  return ids.createdAt === undefined || ids.createdAt.slice(0, 10) >= IMMUTABLE_SUBJECTS_FROM;
}

function parseRepository(text: string, via: string): RepositoryIds | undefined {
  let body: { id?: unknown; owner?: { id?: unknown }; created_at?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return undefined;
  }
  const repoId = typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : undefined;
  const ownerId = typeof body.owner?.id === 'number' || typeof body.owner?.id === 'string' ? String(body.owner.id) : undefined;
  if (!repoId || !ownerId || !/^\d+$/.test(repoId) || !/^\d+$/.test(ownerId)) return undefined;
  return { ownerId, repoId, via, ...(typeof body.created_at === 'string' ? { createdAt: body.created_at } : {}) };
}

/** gh from PATH, or undefined when there is none. */
function defaultGh(env: NodeJS.ProcessEnv, timeoutMs: number): LookupDependencies['runGh'] | undefined {
  const executable = (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'gh')).find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (!executable) return undefined;
  return (args) => {
    const result = spawnSync(executable, args, { env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.error) return { status: null, stdout: '', stderr: result.error.message };
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find(Boolean) ?? '';
}
