import { Document } from 'yaml';
import { ACTIONS } from '../core/actions';
import type { KeylessBuildConfig } from '../core/config';

export const ZIZMOR_CONFIG_PATH = '.github/zizmor.yml';

/**
 * With `actionPinning: 'tag'` the user has chosen release tags over commit SHAs for the
 * workflow's five actions. zizmor's default policy requires a SHA for every `uses:`; this
 * config records that choice for exactly those five repositories and keeps the SHA rule for
 * any action added later. With SHA pinning (the default) no config is needed or written.
 */
export function zizmorConfigObject(config: KeylessBuildConfig): Record<string, unknown> | undefined {
  if (config.actionPinning !== 'tag') return undefined;
  const policies: Record<string, string> = {};
  for (const action of Object.values(ACTIONS)) policies[action.repository] = 'ref-pin';
  policies['*'] = 'hash-pin';
  return { rules: { 'unpinned-uses': { config: { policies } } } };
}

export function renderZizmorConfig(config: KeylessBuildConfig, marker?: string): string | undefined {
  const object = zizmorConfigObject(config);
  if (!object) return undefined;
  const doc = new Document(object);
  doc.commentBefore = [
    ...(marker ? [` ${marker}`] : []),
    ' zizmor (https://docs.zizmor.sh): this repo pins its actions to release tags (--action-pinning tag).',
    ' A tag can be moved by whoever controls the action\'s repository; a commit SHA cannot.',
    " With SHA pinning (--action-pinning sha, or actionPinning: 'sha' in .projenrc.ts) this file goes. Actions added",
    ' later must still be pinned to a SHA ("*": hash-pin).',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
