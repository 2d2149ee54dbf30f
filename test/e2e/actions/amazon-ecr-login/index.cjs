'use strict';
/**
 * Test stand-in for aws-actions/amazon-ecr-login v2.1.7, following the release's index.js:
 * ECR (or ECR Public) GetAuthorizationToken with the credentials in the environment, then
 * `docker login` to each registry returned; outputs `registry` (one registry only) and, as the
 * release, the undeclared docker_username_<registry> / docker_password_<registry> outputs;
 * saves the registries for the post step's `docker logout` unless skip-logout.
 * The API call goes through the AWS CLI instead of the SDK (both honour AWS_ENDPOINT_URL).
 */
const core = require('./toolkit.cjs');

const ECR_PUBLIC_REGISTRY_URI = 'public.ecr.aws';

function cliErrorMessage(stderr) {
  const match = /An error occurred \([^)]*\) when calling the \w+ operation: (.*)/.exec(stderr);
  return match ? match[1].trim() : core.lastLine(stderr);
}

function replaceSpecialCharacters(registryUri) {
  return registryUri.replace(/[^a-zA-Z0-9_]+/g, '_');
}

function proxyEnv(httpProxy) {
  const fromEnv = process.env.HTTP_PROXY || process.env.http_proxy;
  if (httpProxy) core.info(`Setting proxy from action input: ${httpProxy}`);
  else if (fromEnv) core.info(`Setting proxy from environment: ${fromEnv}`);
  const proxy = httpProxy || fromEnv;
  return proxy ? { HTTP_PROXY: proxy, HTTPS_PROXY: proxy } : {};
}

function logCredentialSource() {
  if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) core.info('Using environment variable credentials.');
  else if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI) core.info('Using Pod Identity credentials via fromHttp()');
  else core.info('Using default AWS credential chain.');
}

async function getAuthorizationData(registryType, registryIds, env) {
  const isPrivate = registryType === 'private';
  // The release's ECRClient takes its region from the environment (AWS_REGION); ECR Public auth is us-east-1 only.
  const region = isPrivate ? process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION : 'us-east-1';
  const args = [
    isPrivate ? 'ecr' : 'ecr-public',
    'get-authorization-token',
    ...(isPrivate && registryIds.length ? ['--registry-ids', ...registryIds] : []),
    ...(region ? ['--region', region] : []),
    '--output', 'json',
  ];
  const result = await core.exec('aws', args, { env, silent: true, ignoreReturnCode: true });
  if (result.code !== 0) throw new Error(cliErrorMessage(result.stderr));
  const answer = JSON.parse(result.stdout || 'null');
  const label = isPrivate ? 'Amazon ECR' : 'Amazon ECR Public';
  if (!answer) throw new Error(`${label} authorization token returned no data`);
  if (isPrivate) {
    if (!Array.isArray(answer.authorizationData)) throw new Error('Amazon ECR authorization token is invalid');
    if (!answer.authorizationData.length) throw new Error('Amazon ECR authorization token does not contain any authorization data');
    return answer.authorizationData;
  }
  if (!answer.authorizationData) throw new Error('Amazon ECR Public authorization token is invalid');
  if (Object.keys(answer.authorizationData).length === 0) {
    throw new Error('Amazon ECR Public authorization token does not contain any authorization data');
  }
  return [{ authorizationToken: answer.authorizationData.authorizationToken, proxyEndpoint: ECR_PUBLIC_REGISTRY_URI }];
}

async function run() {
  const httpProxy = core.getInput('http-proxy');
  const maskPassword = (core.getInput('mask-password').toLowerCase() || 'true') !== 'false';
  const registries = core.getInput('registries');
  const registryType = core.getInput('registry-type').toLowerCase() || 'private';
  const skipLogout = core.getInput('skip-logout').toLowerCase() === 'true';
  const loggedIn = [];
  try {
    if (registryType !== 'private' && registryType !== 'public') {
      throw new Error("Invalid input for 'registry-type', possible options are [private, public]");
    }
    if (!maskPassword) {
      core.warning('Your docker password is not masked. See https://github.com/aws-actions/amazon-ecr-login#docker-credentials for more information.');
    }
    const env = { ...process.env, ...proxyEnv(httpProxy) };
    logCredentialSource();
    const registryIds = registryType === 'private' && registries ? registries.split(',') : [];
    const authorizationData = await getAuthorizationData(registryType, registryIds, env);
    // Test-only override: ECR itself is not emulated here, so the suite points this at a local
    // registry (host:port) and the image is pushed there; the token still comes from ECR's API.
    const override = process.env.KEYLESS_E2E_ECR_REGISTRY;
    if (override) core.notice(`KEYLESS_E2E_ECR_REGISTRY is set: logging in to ${override} instead of ECR (test stand-in)`);

    for (const data of authorizationData) {
      // split(':', 2) as the release (an ECR password has no colon)
      const [username, password] = Buffer.from(data.authorizationToken, 'base64').toString('utf-8').split(':', 2);
      const registryUri = override || data.proxyEndpoint.replace(/^https?:\/\//, '');
      const loginTarget = override || data.proxyEndpoint;
      core.info(`Logging into registry ${registryUri}`);
      if (authorizationData.length === 1) core.setOutput('registry', registryUri);
      // Masked before the login (the release masks right after it), so no log line can show it.
      if (maskPassword) core.setSecret(password);
      // --password-stdin instead of the release's `-p <password>`: same login, password not on a command line.
      const result = await core.exec('docker', ['login', '--username', username, '--password-stdin', loginTarget], {
        input: password,
        silent: true,
        ignoreReturnCode: true,
      });
      if (result.code !== 0) {
        core.debug(result.stdout);
        throw new Error(`Could not login to registry ${registryUri}: ${result.stderr}`);
      }
      const suffix = replaceSpecialCharacters(registryUri);
      core.setOutput(`docker_username_${suffix}`, username);
      core.setOutput(`docker_password_${suffix}`, password);
      loggedIn.push(registryUri);
    }
  } catch (err) {
    core.setFailed(err.message);
  }
  if (loggedIn.length) {
    if (!skipLogout) core.saveState('registries', loggedIn.join());
    core.debug(`'skip-logout' is ${skipLogout} for ${loggedIn.length} registries.`);
  }
}

run();
