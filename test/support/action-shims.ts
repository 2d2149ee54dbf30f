import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ACTIONS } from '../../src/core/actions';

/**
 * actionlint knows the inputs of only some versions of popular actions, and none behind a
 * commit SHA. This writes, under `repoDir/actions/`, one local action per pinned action whose
 * action.yml declares the inputs and outputs of the pinned release (recorded in
 * src/actions.ts), and returns the workflow with each `uses:` pointed at it: actionlint then
 * checks every `with:` key and every `steps.<id>.outputs.<name>` against the real interface.
 * actionlint resolves local actions from the repository root, so `repoDir` needs a `.git`.
 */
export function localiseActions(repoDir: string, workflowText: string): string {
  let localised = workflowText;
  for (const [name, action] of Object.entries(ACTIONS)) {
    const actionDir = join(repoDir, 'actions', name);
    mkdirSync(actionDir, { recursive: true });
    writeFileSync(
      join(actionDir, 'action.yml'),
      stringify({
        name,
        description: `${action.repository} ${action.version}`,
        inputs: Object.fromEntries(action.inputs.map((input) => [input, { description: input }])),
        outputs: Object.fromEntries(action.outputs.map((output) => [output, { description: output }])),
        runs: { using: 'node24', main: 'index.js' },
      }),
    );
    writeFileSync(join(actionDir, 'index.js'), '');
    localised = localised.split(new RegExp(`${action.repository}@[\\w.]+`)).join(`./actions/${name}`);
  }
  return localised;
}
