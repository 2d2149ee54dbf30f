/**
 * The folders act runs for the workflow's pinned actions: our stand-ins (test/e2e/actions/), or
 * the real release of each that KEYLESS_ACTIONS_DIR holds as `owner/repo@sha/`.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS, type ActionName } from '../../../src/core/actions';

const STAND_INS_DIR = join(__dirname, '..', 'actions');

/** The stand-in of each pinned action; act copies the checkout itself (no `--no-skip-checkout`). */
export const STAND_INS: Record<ActionName, string | undefined> = {
  checkout: undefined,
  configureAwsCredentials: 'configure-aws-credentials',
  amazonEcrLogin: 'amazon-ecr-login',
  setupBuildx: 'setup-buildx-action',
  buildPush: 'build-push-action',
};

export function realActionsDir(): string | undefined {
  return process.env.KEYLESS_ACTIONS_DIR || undefined;
}

/** Which pinned actions run as their real release (KEYLESS_ACTIONS_DIR), for the suite's log. */
export function realActions(): string[] {
  const real = realActionsDir();
  if (!real) return [];
  return Object.values(ACTIONS)
    .map((action) => `${action.repository}@${action.sha}`)
    .filter((uses) => existsSync(join(real, uses, 'action.yml')));
}

/** `owner/repo@sha` -> folder, for act's --local-repository. */
export function actionFolders(work: string): Record<string, string> {
  const real = realActionsDir();
  const folders: Record<string, string> = {};
  for (const [name, action] of Object.entries(ACTIONS) as [ActionName, (typeof ACTIONS)[ActionName]][]) {
    const uses = `${action.repository}@${action.sha}`;
    if (real && existsSync(join(real, uses, 'action.yml'))) {
      folders[uses] = join(real, uses);
      continue;
    }
    const standIn = STAND_INS[name];
    if (!standIn) continue;
    // Each stand-in gets the shared toolkit beside it: act copies an action's folder alone.
    const folder = join(work, 'actions', standIn);
    mkdirSync(folder, { recursive: true });
    cpSync(join(STAND_INS_DIR, standIn), folder, { recursive: true });
    cpSync(join(STAND_INS_DIR, 'toolkit.cjs'), join(folder, 'toolkit.cjs'));
    folders[uses] = folder;
  }
  return folders;
}
