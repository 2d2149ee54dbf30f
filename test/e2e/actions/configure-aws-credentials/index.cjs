'use strict';
/**
 * Test stand-in for aws-actions/configure-aws-credentials v6.2.3: the GitHub OIDC path only.
 * Same steps as the release's src/index.ts and src/assumeRole.ts: OIDC token for `audience`,
 * sts:AssumeRoleWithWebIdentity (RoleArn, RoleSessionName, DurationSeconds, Policy, PolicyArns),
 * credentials masked and exported, sts:GetCallerIdentity with the new credentials for
 * `allowed-account-ids` and the aws-account-id output. STS is called with the AWS CLI instead of
 * the SDK; both honour AWS_ENDPOINT_URL(_STS).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const core = require('./toolkit.cjs');

const DEFAULT_ROLE_DURATION = 3600; // One hour (seconds), as the release
const ROLE_SESSION_NAME = 'GitHubActions';
const REGION_REGEX = /^[a-z0-9-]+$/;
const ROLE_SESSION_NAME_REGEX = /^[\w+=,.@-]*$/;
const UNSUPPORTED = 'not supported by this stand-in (it implements the GitHub OIDC path only)';

/** The release's getBooleanInput: like @actions/core's, but an empty input gives `default`. */
function booleanInput(name, defaultValue = false) {
  const value = core.getInput(name);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  if (value === '') return defaultValue;
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`',
  );
}

/** The release's translateEnvVariables: e.g. env ROLE_TO_ASSUME fills an empty INPUT_ROLE-TO-ASSUME. */
function translateEnvVariables() {
  const names = [
    'AWS_REGION', 'ROLE_TO_ASSUME', 'WEB_IDENTITY_TOKEN_FILE', 'ROLE_CHAINING', 'AUDIENCE', 'HTTP_PROXY',
    'MASK_AWS_ACCOUNT_ID', 'ROLE_DURATION_SECONDS', 'ROLE_EXTERNAL_ID', 'ROLE_SESSION_NAME', 'ROLE_SKIP_SESSION_TAGGING',
    'TRANSITIVE_TAG_KEYS', 'INLINE_SESSION_POLICY', 'MANAGED_SESSION_POLICIES', 'OUTPUT_CREDENTIALS',
    'UNSET_CURRENT_CREDENTIALS', 'DISABLE_RETRY', 'RETRY_MAX_ATTEMPTS', 'SPECIAL_CHARACTERS_WORKAROUND',
    'USE_EXISTING_CREDENTIALS', 'NO_PROXY', 'OVERWRITE_AWS_PROFILE',
  ];
  if (process.env.HTTPS_PROXY) process.env.HTTP_PROXY = process.env.HTTPS_PROXY;
  for (const name of names) {
    if (process.env[name]) {
      const key = `INPUT_${name.replace(/_/g, '-')}`;
      process.env[key] = process.env[key] || process.env[name];
    }
  }
}

function exportCredentials(creds, outputCredentials, outputEnvCredentials) {
  core.setSecret(creds.AccessKeyId);
  core.setSecret(creds.SecretAccessKey);
  core.setSecret(creds.SessionToken);
  if (outputEnvCredentials) {
    core.exportVariable('AWS_ACCESS_KEY_ID', creds.AccessKeyId);
    core.exportVariable('AWS_SECRET_ACCESS_KEY', creds.SecretAccessKey);
    core.exportVariable('AWS_SESSION_TOKEN', creds.SessionToken);
  }
  if (outputCredentials) {
    core.setOutput('aws-access-key-id', creds.AccessKeyId);
    core.setOutput('aws-secret-access-key', creds.SecretAccessKey);
    core.setOutput('aws-session-token', creds.SessionToken);
    // The SDK hands a Date, which @actions/core writes as JSON (quoted ISO string): same here.
    if (creds.Expiration) core.setOutput('aws-expiration', new Date(creds.Expiration));
  }
}

/** The message of an AWS CLI error, like the SDK's error.message ("An error occurred (X) when calling Y: <message>"). */
function cliErrorMessage(stderr) {
  const match = /An error occurred \([^)]*\) when calling the \w+ operation: (.*)/.exec(stderr);
  return match ? match[1].trim() : core.lastLine(stderr);
}

/** The AWS CLI's environment: the action's, plus the release's proxy settings and user agent marker. */
function awsEnv(extra, proxy, noProxy) {
  const env = { ...process.env, AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV || 'GitHubActions', ...extra };
  if (proxy) Object.assign(env, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy });
  if (noProxy) env.NO_PROXY = noProxy;
  return env;
}

async function getIDToken(audience) {
  // @actions/core OidcClient.getIDToken, without its http-client retries.
  try {
    const token = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!token) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
    let url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    if (!url) throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
    if (audience) url = `${url}&audience=${encodeURIComponent(audience)}`;
    core.debug(`ID token url is ${url}`);
    let response;
    try {
      response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    } catch (err) {
      throw new Error(`Failed to get ID Token. \n \n        Error Code : undefined\n \n        Error Message: ${err.message}`);
    }
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`Failed to get ID Token. \n \n        Error Code : ${response.status}\n \n        Error Message: ${body}`);
    }
    let value;
    try {
      value = JSON.parse(body).value;
    } catch {
      value = undefined;
    }
    if (!value) throw new Error('Response json body do not have ID Token field');
    core.setSecret(value);
    return value;
  } catch (err) {
    throw new Error(`Error message: ${err.message}`);
  }
}

async function assumeRoleWithOidc(params, token, cli) {
  // The token goes to the CLI as a file:// parameter: never on a command line or in a log.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-'));
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  try {
    const args = [
      'sts', 'assume-role-with-web-identity',
      '--role-arn', params.RoleArn,
      '--role-session-name', params.RoleSessionName,
      '--duration-seconds', String(params.DurationSeconds),
      '--web-identity-token', `file://${tokenFile}`,
      ...(params.Policy ? ['--policy', params.Policy] : []),
      ...(params.PolicyArns ? ['--policy-arns', ...params.PolicyArns.map((p) => `arn=${p.arn}`)] : []),
      ...cli.args,
      '--no-sign-request',
      '--output', 'json',
    ];
    core.info('Assuming role with OIDC');
    const result = await core.exec('aws', args, { env: cli.env, silent: true, ignoreReturnCode: true });
    if (result.code !== 0) throw new Error(`Could not assume role with OIDC: ${cliErrorMessage(result.stderr)}`);
    return JSON.parse(result.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function getCallerIdentity(creds, cli) {
  const env = { ...cli.env, AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken };
  delete env.AWS_PROFILE; // the release hands these credentials to the client explicitly
  delete env.AWS_DEFAULT_PROFILE;
  const result = await core.exec('aws', ['sts', 'get-caller-identity', ...cli.args, '--output', 'json'], { env, silent: true, ignoreReturnCode: true });
  if (result.code !== 0) {
    throw new Error(`Credentials could not be loaded, please check your action inputs: ${cliErrorMessage(result.stderr)}`);
  }
  const identity = JSON.parse(result.stdout);
  if (!identity.Account || !identity.Arn) {
    throw new Error('Credentials could not be loaded, please check your action inputs: Could not get Account ID or ARN from STS. Did you set credentials?');
  }
  return identity;
}

function validateAccountId(expected, account) {
  if (!expected || expected.length === 0 || expected[0] === '') return;
  if (!account || !expected.includes(account)) {
    throw new Error(
      `The account ID of the provided credentials (${account ?? 'unknown'}) does not match any of the expected account IDs: ${expected.join(', ')}`,
    );
  }
}

async function run() {
  translateEnvVariables();
  const accessKeyId = core.getInput('aws-access-key-id');
  const secretAccessKey = core.getInput('aws-secret-access-key');
  const sessionToken = core.getInput('aws-session-token');
  const region = core.getInput('aws-region', { required: true });
  const awsProfile = core.getInput('aws-profile');
  const roleToAssume = core.getInput('role-to-assume');
  const audience = core.getInput('audience');
  const maskAccountId = booleanInput('mask-aws-account-id');
  const webIdentityTokenFile = core.getInput('web-identity-token-file');
  const roleDuration = Number.parseInt(core.getInput('role-duration-seconds')) || DEFAULT_ROLE_DURATION;
  const roleSessionName = core.getInput('role-session-name') || ROLE_SESSION_NAME;
  // role-skip-session-tagging, transitive-tag-keys and role-external-id are read but, as in the
  // release's OIDC path, never sent: AssumeRoleWithWebIdentity takes no tags and no external id.
  booleanInput('role-skip-session-tagging');
  const proxyServer = core.getInput('http-proxy') || process.env.HTTP_PROXY;
  const customTags = core.getInput('custom-tags');
  const inlineSessionPolicy = core.getInput('inline-session-policy');
  const managedSessionPolicies = core.getMultilineInput('managed-session-policies').map((arn) => ({ arn }));
  const roleChaining = booleanInput('role-chaining');
  const outputCredentials = booleanInput('output-credentials');
  const outputEnvCredentials = booleanInput('output-env-credentials', !awsProfile);
  const unsetCurrentCredentials = booleanInput('unset-current-credentials');
  // disable-retry / retry-max-attempts: the release retries each call with backoff (12 attempts by
  // default); the stand-in calls once, so a failure shows at once in the test log.
  booleanInput('disable-retry');
  const specialCharacterWorkaround = booleanInput('special-characters-workaround');
  const useExistingCredentials = core.getInput('use-existing-credentials');
  const expectedAccountIds = core.getInput('allowed-account-ids').split(',').map((s) => s.trim());
  const forceSkipOidc = booleanInput('force-skip-oidc');
  const noProxy = core.getInput('no-proxy');
  const stsEndpoint = core.getInput('sts-endpoint');
  const globalTimeout = Number.parseInt(core.getInput('action-timeout-s')) || 0;

  let timeoutId;
  if (globalTimeout > 0) {
    core.info(`Setting a global timeout of ${globalTimeout} seconds for the action`);
    timeoutId = setTimeout(() => {
      core.setFailed(`Action timed out after ${globalTimeout} seconds`);
      process.exit(1);
    }, globalTimeout * 1000);
  }

  if (forceSkipOidc && roleToAssume && !accessKeyId && !webIdentityTokenFile) {
    throw new Error("If 'force-skip-oidc' is true and 'role-to-assume' is set, 'aws-access-key-id' or 'web-identity-token-file' must be set");
  }
  // Every path but OIDC fails loudly rather than doing something the release would not.
  const unsupported = [
    [accessKeyId || secretAccessKey || sessionToken, "'aws-access-key-id' / 'aws-secret-access-key' / 'aws-session-token' (IAM user credentials)"],
    [webIdentityTokenFile, "'web-identity-token-file'"],
    [roleChaining, "'role-chaining'"],
    [forceSkipOidc, "'force-skip-oidc'"],
    [awsProfile, "'aws-profile' (credential files)"],
    [useExistingCredentials, "'use-existing-credentials'"],
    [specialCharacterWorkaround, "'special-characters-workaround'"],
    [!roleToAssume, "No 'role-to-assume' (the SDK's default credential chain)"],
  ];
  for (const [used, what] of unsupported) {
    if (used) throw new Error(`${what}: ${UNSUPPORTED}`);
  }

  if (unsetCurrentCredentials && outputEnvCredentials) {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION']) {
      core.exportVariable(name, '');
    }
  }
  if (!REGION_REGEX.test(region)) throw new Error(`Region is not valid: ${region}`);
  if (roleSessionName.length < 2 || roleSessionName.length > 64) {
    throw new Error(`Role session name must be between 2 and 64 characters, got ${roleSessionName.length}: '${roleSessionName}'`);
  }
  if (!ROLE_SESSION_NAME_REGEX.test(roleSessionName)) {
    throw new Error(`Role session name is not valid: '${roleSessionName}'. Must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  if (outputEnvCredentials) {
    core.exportVariable('AWS_DEFAULT_REGION', region);
    core.exportVariable('AWS_REGION', region);
  }
  if (proxyServer) core.info('Configuring proxy handler for STS client');
  const cli = {
    args: ['--region', region, ...(stsEndpoint ? ['--endpoint-url', stsEndpoint] : [])],
    env: awsEnv({}, proxyServer, noProxy),
  };

  // The release's useGitHubOIDCProvider(): the request token is what the id-token permission grants.
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    core.info(
      'It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? ' +
        'If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.',
    );
    // The release would go on with the SDK's default credential chain, which the stand-in does not have.
    throw new Error(
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set: the job needs `permissions: id-token: write` for GitHub OIDC. ' +
        `Falling back to ambient credentials is ${UNSUPPORTED}`,
    );
  }
  let webIdentityToken;
  try {
    webIdentityToken = await getIDToken(audience);
  } catch (err) {
    const hint = process.env.ACTIONS_ID_TOKEN_REQUEST_URL ? '' : ' (is `permissions: id-token: write` set for the job?)';
    throw new Error(`getIDToken call failed: ${err.message}${hint}`);
  }
  if (customTags) {
    core.warning(
      "'custom-tags' is set but will be ignored because session tags cannot be applied when using OIDC or web identity token authentication. " +
        'Tags are controlled by the identity provider token claims in these authentication flows.',
    );
  }

  const { GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_ACTION, GITHUB_ACTOR, GITHUB_SHA, GITHUB_WORKSPACE } = process.env;
  if (!GITHUB_REPOSITORY || !GITHUB_WORKFLOW || !GITHUB_ACTION || !GITHUB_ACTOR || !GITHUB_SHA || !GITHUB_WORKSPACE) {
    throw new Error('Missing required environment variables. Are you running in GitHub Actions?');
  }
  if (!roleToAssume.startsWith('arn:aws')) {
    // The release builds the ARN from the source account, which the OIDC path never has.
    throw new Error('Source Account ID is needed if the Role Name is provided and not the Role Arn.');
  }
  const params = {
    RoleArn: roleToAssume,
    RoleSessionName: roleSessionName,
    DurationSeconds: roleDuration,
    Policy: inlineSessionPolicy || undefined,
    PolicyArns: managedSessionPolicies.length ? managedSessionPolicies : undefined,
  };
  const roleCredentials = await assumeRoleWithOidc(params, webIdentityToken, cli);
  const creds = roleCredentials.Credentials;
  if (!creds || !creds.AccessKeyId) throw new Error('Could not assume role with OIDC: no credentials in the answer');
  core.info(`Authenticated as assumedRoleId ${roleCredentials.AssumedRoleUser?.AssumedRoleId}`);
  exportCredentials(creds, outputCredentials, outputEnvCredentials);

  const identity = await getCallerIdentity(creds, cli);
  validateAccountId(expectedAccountIds, identity.Account);
  if (outputEnvCredentials) {
    if (maskAccountId) {
      core.setSecret(identity.Account);
      core.setSecret(identity.Arn);
    }
    core.setOutput('aws-account-id', identity.Account);
    core.setOutput('authenticated-arn', identity.Arn); // set by the release too, though its action.yml does not declare it
  }
  if (timeoutId) clearTimeout(timeoutId);
}

run().catch((err) => {
  core.setFailed(err.message);
  if (process.env.SHOW_STACK_TRACE === 'true') console.error(err);
});
