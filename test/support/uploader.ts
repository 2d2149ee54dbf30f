/**
 * The generated repo's upload script, built as the image builds it: the plain
 * (`--no-projen`) repo is rendered, then `npm install` and `npm run build`
 * run with its own package.json and tsconfig.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveConfig } from '../../src/core/config';
import { renderRepository } from '../../src/render/repository';
import { RunResult, isolatedEnv, run } from './moto';

/** Renders the plain repo for `bucket` into `project` and builds it; `node dist/upload.js` is then ready. */
export async function buildUploaderProject(project: string, bucket: string, region: string): Promise<void> {
  const config = resolveConfig({ account: '111111111111', region, repo: 'acme/upload-test', bucket });
  for (const file of renderRepository(config, { projen: false, version: '0.0.0-test' })) {
    const path = join(project, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  const env = isolatedEnv();
  await mustSucceed('npm install', run('npm', ['install', '--no-audit', '--no-fund'], { cwd: project, env, timeoutMs: 240_000 }));
  await mustSucceed('npm run build', run('npm', ['run', 'build'], { cwd: project, env, timeoutMs: 60_000 }));
}

export function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function mustSucceed(step: string, result: Promise<RunResult>): Promise<void> {
  const done = await result;
  if (done.code !== 0) {
    throw new Error(`${step} failed\n${describeRun(done)}`);
  }
}
