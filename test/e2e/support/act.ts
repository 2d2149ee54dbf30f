/**
 * Runs a workflow file with nektos/act on this machine (`-P ubuntu-latest=-self-hosted`: the
 * steps run on the host, as on a GitHub-hosted runner's VM, where docker and the AWS CLI are
 * installed), each pinned `uses:` mapped to a local folder with `--local-repository`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, mustRun, run } from '../../support/moto';
import { requireTool } from '../../support/tools';
import type { Engines } from './engines';
import type { TokenIssuer } from './token-issuer';

export const ACT_INSTALL = 'go install github.com/nektos/act@v0.2.89 (./scripts/install-engines.sh)';

export function requireAct(): string {
  return requireTool('act', ACT_INSTALL);
}

export interface ActOptions {
  /** A git checkout: act takes the sha and the repository from it, and copies it as the workspace. */
  repo: string;
  /** Relative to `repo`. */
  workflow: string;
  event: 'push' | 'workflow_dispatch';
  /** The event's payload, e.g. `{ ref, inputs }`. */
  payload: Record<string, unknown>;
  actor: string;
  runId: string;
  /** `owner/repo@sha` -> folder with that action. */
  actions: Record<string, string>;
  /** act's own folder: the job's workspace and $RUNNER_TEMP (deleted when the job ends), the cache server's store. */
  stateDir: string;
  /** The whole environment act and the steps see (the host's: steps run on it). */
  env: Record<string, string>;
}

export interface ActRun {
  code: number | null;
  /** act's output: the job log, with masked values as `***`. */
  log: string;
  seconds: number;
}

/**
 * Makes `repo` the commit a user pushes to `repository` on GitHub: act takes the sha from it and
 * the repository from its remote. Returns the sha.
 */
export async function commitAsPushed(repo: string, repository: string): Promise<string> {
  const author = { GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' };
  const git = (...args: string[]) => mustRun('git', args, { cwd: repo, env: isolatedEnv(author) });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'Created with create-keyless-build');
  await git('remote', 'add', 'origin', `https://github.com/${repository}.git`);
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}

/**
 * The environment of a job's steps (they run on the host): the engines, every AWS call to moto,
 * GitHub's token variables from the local issuer, and the two test-only overrides the README lists.
 */
export function jobEnvironment(parts: {
  engines: Pick<Engines, 'env' | 'registry' | 'buildkitEndpoint'>;
  motoEndpoint: string;
  issuer: Pick<TokenIssuer, 'env'>;
  /** Folders searched before the engines' PATH, e.g. one with an `aws` that records its calls. */
  pathBefore?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const path = parts.engines.env.PATH ?? process.env.PATH ?? '';
  return isolatedEnv({
    ...parts.engines.env,
    PATH: parts.pathBefore ? `${parts.pathBefore}:${path}` : path,
    // Both AWS actions' SDKs and the AWS CLI honour it: every AWS call of the job goes to moto.
    AWS_ENDPOINT_URL: parts.motoEndpoint,
    ...parts.issuer.env,
    // Test-only: ECR itself is not emulated; the local registry stands in for it (see the stand-in).
    KEYLESS_E2E_ECR_REGISTRY: parts.engines.registry,
    // Test-only: setup-buildx's default docker-container driver needs --privileged (README).
    KEYLESS_E2E_BUILDKIT_ENDPOINT: parts.engines.buildkitEndpoint,
    ...parts.extra,
  });
}

export async function runAct(options: ActOptions): Promise<ActRun> {
  mkdirSync(options.stateDir, { recursive: true });
  const eventFile = join(options.stateDir, `event-${Date.now()}.json`);
  writeFileSync(eventFile, JSON.stringify(options.payload));
  const args = [
    options.event,
    '-C', options.repo,
    '-W', options.workflow,
    '-e', eventFile,
    '-P', 'ubuntu-latest=-self-hosted',
    '-a', options.actor,
    '--action-offline-mode',
    '--action-cache-path', join(options.stateDir, 'actions'),
    // The cache service type=gha talks to: act's own, on loopback, kept across runs of a scenario.
    '--cache-server-addr', '127.0.0.1',
    '--cache-server-path', join(options.stateDir, 'cache-server'),
    '--env', `GITHUB_RUN_ID=${options.runId}`,
    ...Object.entries(options.actions).flatMap(([uses, folder]) => ['--local-repository', `${uses}=${folder}`]),
  ];
  const started = Date.now();
  const result = await run(requireAct(), args, { env: options.env, timeoutMs: 900_000 });
  return { code: result.code, log: `${result.stdout}\n${result.stderr}`, seconds: (Date.now() - started) / 1000 };
}

/** Each step act ran ("Main", or an action's "Post"), with its result; a step it skipped is absent. */
export function stepResults(log: string): { step: string; phase: string; result: 'success' | 'failure' }[] {
  const results: { step: string; phase: string; result: 'success' | 'failure' }[] = [];
  for (const line of log.split('\n')) {
    const match = /(Success|Failure) - (Main|Post|Pre) (.+?)(?: \[[^\]]+\])?$/u.exec(line);
    if (match) results.push({ step: match[3]!.trim(), phase: match[2]!, result: match[1] === 'Success' ? 'success' : 'failure' });
  }
  return results;
}
