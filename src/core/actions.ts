import type { ActionPinning } from './parameters';

/**
 * The actions the workflow uses, at their newest release as of 2026-11-27.
 * Each SHA is the commit the release tag points to, read from the action's own repository
 * (annotated tags dereferenced); inputs and outputs are the names in that release's action.yml,
 * so tests can lint the workflow against the real interface. Upgrading: change all four together; a new
 * package version then reaches users' workflows on their next `npx projen`.
 */
export const ACTIONS = {
  checkout: {
    repository: 'actions/checkout',
    version: 'v7.0.1',
    sha: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    inputs: ['allow-unsafe-pr-checkout', 'clean', 'fetch-depth', 'fetch-tags', 'filter', 'github-server-url', 'lfs', 'path', 'persist-credentials', 'ref', 'repository', 'set-safe-directory', 'show-progress', 'sparse-checkout', 'sparse-checkout-cone-mode', 'ssh-key', 'ssh-known-hosts', 'ssh-strict', 'ssh-user', 'submodules', 'token'],
    outputs: ['commit', 'ref'],
  },
  configureAwsCredentials: {
    repository: 'aws-actions/configure-aws-credentials',
    version: 'v6.2.3',
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    inputs: ['action-timeout-s', 'allowed-account-ids', 'audience', 'aws-access-key-id', 'aws-profile', 'aws-region', 'aws-secret-access-key', 'aws-session-token', 'custom-tags', 'disable-retry', 'force-skip-oidc', 'http-proxy', 'inline-session-policy', 'managed-session-policies', 'mask-aws-account-id', 'no-proxy', 'output-credentials', 'output-env-credentials', 'overwrite-aws-profile', 'retry-max-attempts', 'role-chaining', 'role-duration-seconds', 'role-external-id', 'role-session-name', 'role-skip-session-tagging', 'role-to-assume', 'special-characters-workaround', 'sts-endpoint', 'transitive-tag-keys', 'unset-current-credentials', 'use-existing-credentials', 'web-identity-token-file'],
    outputs: ['aws-access-key-id', 'aws-account-id', 'aws-expiration', 'aws-secret-access-key', 'aws-session-token'],
  },
  amazonEcrLogin: {
    repository: 'aws-actions/amazon-ecr-login',
    version: 'v2.1.7',
    sha: '03f1aad4c6c7ffd436567f42f9384779290529bd',
    inputs: ['http-proxy', 'mask-password', 'registries', 'registry-type', 'skip-logout'],
    outputs: ['registry'],
  },
  setupBuildx: {
    repository: 'docker/setup-buildx-action',
    version: 'v4.3.0',
    sha: '37fe631027851001ddb9b187196cc803df7f5f0e',
    inputs: ['append', 'buildkitd-config', 'buildkitd-config-inline', 'buildkitd-flags', 'cache-binary', 'cleanup', 'driver', 'driver-opts', 'endpoint', 'keep-state', 'name', 'platforms', 'use', 'version'],
    outputs: ['driver', 'endpoint', 'flags', 'name', 'nodes', 'platforms', 'status'],
  },
  buildPush: {
    repository: 'docker/build-push-action',
    version: 'v7.3.0',
    sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a',
    inputs: ['add-hosts', 'allow', 'annotations', 'attests', 'build-args', 'build-contexts', 'builder', 'cache-from', 'cache-to', 'call', 'cgroup-parent', 'context', 'file', 'github-token', 'labels', 'load', 'network', 'no-cache', 'no-cache-filters', 'outputs', 'platforms', 'provenance', 'pull', 'push', 'sbom', 'secret-envs', 'secret-files', 'secrets', 'shm-size', 'ssh', 'tags', 'target', 'ulimit'],
    outputs: ['digest', 'imageid', 'metadata'],
  },
} as const;

export type ActionName = keyof typeof ACTIONS;

/** The `uses:` value: the release's commit SHA (the version goes in a comment), or its tag. */
export function actionUses(name: ActionName, pinning: ActionPinning): string {
  const action = ACTIONS[name];
  return `${action.repository}@${pinning === 'sha' ? action.sha : action.version}`;
}
