'use strict';
/**
 * Post step of the configure-aws-credentials stand-in, as the release's src/cleanup/index.ts:
 * blanks the AWS_* variables the main step exported (when it exported them).
 */
const core = require('./toolkit.cjs');

try {
  const awsProfile = core.getInput('aws-profile');
  const outputEnvCredentials = core.getInput('output-env-credentials') === '' ? !awsProfile : core.getBooleanInput('output-env-credentials');
  if (outputEnvCredentials) {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'AWS_REGION']) {
      core.exportVariable(name, '');
    }
    if (awsProfile) core.exportVariable('AWS_PROFILE', '');
  }
} catch (err) {
  core.setFailed(err.message);
}
