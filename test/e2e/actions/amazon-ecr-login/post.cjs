'use strict';
/** Post step of the amazon-ecr-login stand-in, as the release's cleanup.js: `docker logout` of each registry. */
const core = require('./toolkit.cjs');

async function cleanup() {
  try {
    const state = core.getState('registries');
    if (!state) return;
    const failed = [];
    for (const registry of state.split(',')) {
      core.info(`Logging out of registry ${registry}`);
      const result = await core.exec('docker', ['logout', registry], { silent: true, ignoreReturnCode: true });
      if (result.code !== 0) {
        core.debug(result.stdout);
        core.error(`Could not logout of registry ${registry}: ${result.stderr}`);
        failed.push(registry);
      }
    }
    if (failed.length) throw new Error(`Failed to logout: ${failed.join(',')}`);
  } catch (err) {
    core.setFailed(err.message);
  }
}

cleanup();
