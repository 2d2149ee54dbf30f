import type { ActionPinning } from './config';

/**
 * The actions the workflow uses, at their newest release as of 2026-11-27.
 * Each SHA is the commit the release tag points to, read from the action's own repository
 * (annotated tags dereferenced). Upgrading: change version and sha together; a new
 * package version then reaches users' workflows on their next `npx projen`.
 */
export const ACTIONS = {
  checkout: { repository: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' },
  configureAwsCredentials: {
    repository: 'aws-actions/configure-aws-credentials',
    version: 'v6.2.3',
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
  },
  amazonEcrLogin: { repository: 'aws-actions/amazon-ecr-login', version: 'v2.1.7', sha: '03f1aad4c6c7ffd436567f42f9384779290529bd' },
  setupBuildx: { repository: 'docker/setup-buildx-action', version: 'v4.3.0', sha: '37fe631027851001ddb9b187196cc803df7f5f0e' },
  buildPush: { repository: 'docker/build-push-action', version: 'v7.3.0', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a' },
} as const;

export type ActionName = keyof typeof ACTIONS;

/** The `uses:` value and, for SHA pins, the version to put in a trailing comment. */
export function actionReference(name: ActionName, pinning: ActionPinning): { uses: string; comment?: string } {
  const action = ACTIONS[name];
  return pinning === 'sha'
    ? { uses: `${action.repository}@${action.sha}`, comment: ` ${action.version}` }
    : { uses: `${action.repository}@${action.version}` };
}
