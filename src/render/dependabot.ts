import { Document } from 'yaml';

export const DEPENDABOT_PATH = '.github/dependabot.yml';

/**
 * Dependabot for a plain (`--no-projen`) repo, whose files are its own: the workflow's pinned
 * actions (SHA and version comment), the npm packages (the uploader among them) and the base
 * image named in the Dockerfile's FROM lines. A projen repo gets none: Dependabot's pull request
 * to a file projen writes would be undone by the next synth; `npx projen upgrade` does it there.
 * Each update waits 7 days after a release (zizmor's dependabot-cooldown asks for that).
 */
export function dependabotObject(): Record<string, unknown> {
  const update = (ecosystem: string) => ({
    'package-ecosystem': ecosystem,
    'directory': '/',
    'schedule': { interval: 'weekly' },
    'cooldown': { 'default-days': 7 },
  });
  return { version: 2, updates: ['github-actions', 'npm', 'docker'].map(update) };
}

export function renderDependabot(): string {
  const doc = new Document(dependabotObject());
  doc.commentBefore = ' Weekly update pull requests for the actions, the npm packages and the base image.';
  return doc.toString({ lineWidth: 0 });
}
