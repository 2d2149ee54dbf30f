import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/commands/next-steps';
import { resolveConfig, type KeylessBuildOptions } from '../../../src/core/config';
import { deployCommands } from '../../../src/render/cloudformation';
import { SEED } from '../../support/parameter-sets';

function steps(options: Partial<KeylessBuildOptions>): string {
  const config = resolveConfig({ ...SEED, ...options });
  return nextSteps({ config, changeTo: 'my-app', flags: { projen: true, install: true, git: true, adopt: false }, packageManager: 'npm', deployCommands: deployCommands(config) });
}

describe('next steps', () => {
  it('one deploy command per account, role A\'s first', () => {
    const text = steps({ uploadAccount: '222222222222' });
    expect(text).toMatch(/2\. aws cloudformation deploy --profile ci-111111111111 .*\n {2}3\. aws cloudformation deploy --profile upload-222222222222 /);
  });

  it('with an existing role A, handing its owners their statement comes before the deploy', () => {
    const text = steps({ oidcRoleArn: 'arn:aws:iam::111111111111:role/platform-ci' });
    expect(text).toMatch(/2\. hand README\.md's "For role A's owners" \(iam\/for-oidc-role-owners\.json\) to the owners of arn:aws:iam::111111111111:role\/platform-ci\n {2}3\. aws cloudformation deploy /);
  });

  it('the immutable-subjects note: without ids on github.com, not with ids, not on GHES', () => {
    expect(steps({})).toContain('--owner-id and --repo-id');
    expect(steps({ ownerId: '1', repoId: '2' })).not.toContain('--owner-id and --repo-id');
    expect(steps({ ghesHost: 'github.example.com' })).not.toContain('--owner-id and --repo-id');
  });
});
