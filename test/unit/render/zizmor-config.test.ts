import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS } from '../../../src/core/actions';
import type { KeylessBuildOptions } from '../../../src/core/config';
import { PROJEN_FILE_MARKER } from '../../../src/core/constants';
import { ZIZMOR_CONFIG_PATH } from '../../../src/render/zizmor-config';
import { renderFiles } from '../../support/render';

const render = (options: Partial<KeylessBuildOptions>) => [...renderFiles(options).values()];

// zizmor itself runs on both kinds of repo in `npm run audit:generated`; this pins down the policy's content.
describe('the zizmor policy of a tag-pinned repo', () => {
  it('SHA pinning (the default) writes no zizmor config', () => {
    expect(render({}).map((f) => f.path)).not.toContain(ZIZMOR_CONFIG_PATH);
  });

  it('tag pinning allows a ref for exactly the workflow\'s actions and keeps hash-pin for any other', () => {
    const file = render({ actionPinning: 'tag' }).find((f) => f.path === ZIZMOR_CONFIG_PATH);
    expect(file?.owner).toBe('managed');
    const policies = (parse(file!.content) as { rules: { 'unpinned-uses': { config: { policies: Record<string, string> } } } }).rules['unpinned-uses'].config.policies;
    const expected = Object.fromEntries([...Object.values(ACTIONS).map((a) => [a.repository, 'ref-pin']), ['*', 'hash-pin']]);
    expect(policies).toEqual(expected);
    expect(file!.content.startsWith(`# ${PROJEN_FILE_MARKER}\n`)).toBe(true);
  });
});
