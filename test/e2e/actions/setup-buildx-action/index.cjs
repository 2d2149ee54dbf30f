'use strict';
/**
 * Test stand-in for docker/setup-buildx-action v4.3.0, following the release's src/main.ts and
 * src/context.ts: `docker buildx create` (unless the builder exists, or the driver is `docker`),
 * `docker buildx inspect --bootstrap`, outputs name/driver/platforms/nodes; the post step runs
 * `docker buildx rm` when `cleanup`. Main and post are this one file, told apart by the
 * `isPost` state, as in @docker/actions-toolkit's run().
 *
 * The one test-only override: with env KEYLESS_E2E_BUILDKIT_ENDPOINT set, the builder is created
 * with the `remote` driver on that BuildKit endpoint whatever `driver`/`endpoint` say, because the
 * release's default driver (docker-container) needs a privileged container, which cannot start on
 * the test machine.
 *
 * Not done (fails loudly instead): installing buildx (`version`, or no buildx plugin: the release
 * downloads it from GitHub), `append`, the standalone buildx binary, the `cloud` driver.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const core = require('./toolkit.cjs');

const UNSUPPORTED = 'not supported by this stand-in';
const DEFAULT_BUILDKITD_FLAGS = '--allow-insecure-entitlement security.insecure --allow-insecure-entitlement network.host';
const CONTAINER_NAME_PREFIX = 'buildx_buildkit_';

const isPost = !!process.env.STATE_isPost;
if (!isPost) core.saveState('isPost', 'true');

function dockerConfigDir() {
  return process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}
function certsDir() {
  return path.join(process.env.BUILDX_CONFIG || path.join(dockerConfigDir(), 'buildx'), 'certs');
}

async function buildx(args, options = {}) {
  return core.exec('docker', ['buildx', ...args], { ignoreReturnCode: true, ...options });
}

async function dockerContext() {
  const res = await core.exec('docker', ['context', 'inspect', '--format', '{{.Name}}'], { silent: true, ignoreReturnCode: true });
  if (res.stderr.length > 0 && res.code !== 0) throw new Error(res.stderr);
  return res.stdout.trim();
}

async function builderExists(name) {
  const res = await buildx(['inspect', name], { silent: true });
  return res.code === 0;
}

async function inspectBuilder(name) {
  // DEBUG=1 as the toolkit: buildx then prints more fields (features).
  const res = await buildx(['inspect', ...(name ? [name] : [])], { silent: true, env: { ...process.env, DEBUG: '1' } });
  if (res.stderr.length > 0 && res.code !== 0) throw new Error(res.stderr.trim());
  return core.parseBuilderInspect(res.stdout);
}

/** A temp file with `content`, under the toolkit's temp folder, for `--config`. */
function configFile(content, tmpDir) {
  const file = path.join(tmpDir, `tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(file, content);
  return file;
}

/** Buildx.resolveCertsDriverOpts: TLS material for a tcp:// endpoint, as driver options of the remote driver. */
function certsDriverOpts(driver, endpoint, cert) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    return [];
  }
  if (url.protocol !== 'tcp:') return [];
  const host = url.port.length > 0 ? `${url.hostname}-${url.port}` : url.hostname;
  const opts = [];
  for (const [kind, file] of [['cacert', `cacert_${host}.pem`], ['cert', `cert_${host}.pem`], ['key', `key_${host}.pem`]]) {
    if (cert[kind] !== undefined) {
      const target = path.join(certsDir(), file);
      fs.writeFileSync(target, cert[kind]);
      opts.push(`${kind}=${target}`);
    }
  }
  return driver === 'remote' ? opts : [];
}

function createArgs(inputs, buildxVersion, tmpDir) {
  const args = ['create', '--name', inputs.name, '--driver', inputs.driver];
  if (core.versionSatisfies(buildxVersion, '>=0.3.0')) {
    for (const opt of inputs.driverOpts) args.push('--driver-opt', opt);
    if (inputs.buildkitdFlags) args.push('--buildkitd-flags', inputs.buildkitdFlags);
    else if (['', 'docker-container', 'docker', 'kubernetes'].includes(inputs.driver)) args.push('--buildkitd-flags', DEFAULT_BUILDKITD_FLAGS);
  }
  if (inputs.platforms.length > 0) args.push('--platform', inputs.platforms.join(','));
  // `use` goes to `create --use`, as the release (it runs no separate `docker buildx use`).
  if (inputs.use) args.push('--use');
  if (inputs.buildkitdConfig) {
    if (!fs.existsSync(inputs.buildkitdConfig)) throw new Error(`config file ${inputs.buildkitdConfig} not found`);
    args.push('--config', configFile(fs.readFileSync(inputs.buildkitdConfig, 'utf-8'), tmpDir));
  } else if (inputs.buildkitdConfigInline) {
    args.push('--config', configFile(inputs.buildkitdConfigInline, tmpDir));
  }
  if (inputs.endpoint) args.push(inputs.endpoint);
  return args;
}

async function main() {
  const override = process.env.KEYLESS_E2E_BUILDKIT_ENDPOINT;
  let driver = core.getInput('driver') || 'docker-container';
  let endpoint = core.getInput('endpoint');
  if (override) {
    core.notice(
      `KEYLESS_E2E_BUILDKIT_ENDPOINT is set: creating a remote-driver builder on ${override} instead of the '${driver}' driver ` +
        '(test stand-in: docker-container needs a privileged container, which cannot start here)',
    );
    driver = 'remote';
    endpoint = override;
  }
  const inputs = {
    version: core.getInput('version'),
    name: driver === 'docker' ? await dockerContext() : core.getInput('name') || `builder-${crypto.randomUUID()}`,
    driver,
    driverOpts: core.getInputList('driver-opts', { ignoreComma: true, quote: false }),
    buildkitdFlags: core.getInput('buildkitd-flags'),
    platforms: core.getInputList('platforms'),
    use: core.getBooleanInput('use'),
    endpoint,
    buildkitdConfig: core.getInput('buildkitd-config'),
    buildkitdConfigInline: core.getInput('buildkitd-config-inline'),
    append: core.getInput('append'),
    keepState: core.getBooleanInput('keep-state'),
    cacheBinary: core.getBooleanInput('cache-binary'),
    cleanup: core.getBooleanInput('cleanup'),
  };
  core.saveState('cleanup', inputs.cleanup);

  if (inputs.driver === 'cloud' || inputs.version) {
    throw new Error(`Installing buildx (input 'version'${inputs.driver === 'cloud' ? ", driver 'cloud'" : ''}) is ${UNSUPPORTED}: it downloads from GitHub`);
  }
  if (inputs.append) throw new Error(`'append' is ${UNSUPPORTED}`);
  // The release uses a standalone `buildx` binary when there is no docker CLI.
  const docker = await core.exec('docker', ['--version'], { silent: true, ignoreReturnCode: true }).catch(() => undefined);
  if (!docker || docker.code !== 0) throw new Error(`No docker CLI: the standalone buildx binary is ${UNSUPPORTED}`);
  core.saveState('standalone', false);

  if (inputs.keepState && inputs.driver !== 'docker-container') {
    throw new Error(`Cannot use keep-state with ${inputs.driver} driver`);
  }
  core.saveState('keepState', inputs.keepState);

  await core.dockerInfo();

  const available = await buildx([], { silent: true }).catch(() => ({ code: 1 }));
  if (available.code !== 0) {
    throw new Error(`Docker buildx is not available, and downloading it from GitHub Releases is ${UNSUPPORTED}`);
  }
  let buildxVersion;
  await core.group('Buildx version', async () => {
    const res = await buildx(['version']);
    if (res.stderr.length > 0 && res.code !== 0) throw new Error(res.stderr.trim());
    buildxVersion = core.parseBuildxVersion(res.stdout.trim());
  });

  core.setOutput('name', inputs.name);
  core.saveState('builderName', inputs.name);
  core.saveState('builderDriver', inputs.driver);
  fs.mkdirSync(certsDir(), { recursive: true });
  core.saveState('certsDir', certsDir());
  // The release's temp docker context (docker-container driver on a default context with TLS
  // data) is left out: that driver cannot run on the test machine.
  const tmpDir = core.dockerToolkitTmpDir();

  if (inputs.driver !== 'docker') {
    await core.group('Creating a new builder instance', async () => {
      if (await builderExists(inputs.name)) {
        core.info(`Builder ${inputs.name} already exists, skipping creation`);
        return;
      }
      const certs = certsDriverOpts(inputs.driver, inputs.endpoint, {
        cacert: process.env.BUILDER_NODE_0_AUTH_TLS_CACERT,
        cert: process.env.BUILDER_NODE_0_AUTH_TLS_CERT,
        key: process.env.BUILDER_NODE_0_AUTH_TLS_KEY,
      });
      if (certs.length > 0) inputs.driverOpts = [...inputs.driverOpts, ...certs];
      const res = await buildx(createArgs(inputs, buildxVersion, tmpDir));
      if (res.stderr.length > 0 && res.code !== 0) throw new Error(core.lastLine(res.stderr));
    });
  }

  await core.group('Booting builder', async () => {
    const args = ['inspect', '--bootstrap', ...(core.versionSatisfies(buildxVersion, '>=0.4.0') ? ['--builder', inputs.name] : [])];
    const res = await buildx(args);
    if (res.stderr.length > 0 && res.code !== 0) throw new Error(core.lastLine(res.stderr));
  });

  const builder = await inspectBuilder(inputs.name);
  const firstNode = builder.nodes[0] || {};
  await core.group('Inspect builder', async () => {
    const platforms = [];
    for (const node of builder.nodes) {
      for (const platform of node.platforms?.split(',') || []) {
        if (!platforms.includes(platform)) platforms.push(platform);
      }
    }
    core.info(JSON.stringify(builder, undefined, 2));
    core.setOutput('driver', builder.driver);
    core.setOutput('platforms', platforms.join(','));
    core.setOutput('nodes', JSON.stringify(builder.nodes, undefined, 2));
    // endpoint, status and flags are declared (deprecated) but v4.3.0 no longer sets them: neither does the stand-in.
  });
  if (builder.driver === 'docker-container') {
    core.saveState('containerName', `${CONTAINER_NAME_PREFIX}${firstNode.name}`);
    // The release asks the BuildKit image for its version when inspect does not report one.
    await core.group('BuildKit version', async () => {
      for (const node of builder.nodes) core.info(`${node.name}: ${node.buildkit}`);
    });
  }
  if (core.isDebug() || firstNode['buildkitd-flags']?.includes('--debug')) core.saveState('isDebug', 'true');
}

async function post() {
  const state = (name) => process.env[`STATE_${name}`] || '';
  if (state('isDebug') && state('containerName')) {
    await core.group('BuildKit container logs', async () => {
      const res = await core.exec('docker', ['logs', state('containerName')], { ignoreReturnCode: true });
      if (res.stderr.length > 0 && res.code !== 0) core.warning(core.lastLine(res.stderr));
    });
  }
  if (!/true/i.test(state('cleanup'))) return;
  const name = state('builderName');
  if (state('builderDriver') !== 'docker' && name.length > 0) {
    await core.group('Removing builder', async () => {
      if (await builderExists(name)) {
        const res = await buildx(['rm', name, ...(/true/i.test(state('keepState')) ? ['--keep-state'] : [])]);
        if (res.stderr.length > 0 && res.code !== 0) core.warning(core.lastLine(res.stderr));
      } else {
        core.info(`${name} does not exist`);
      }
    });
  }
  const certs = state('certsDir');
  if (certs.length > 0 && fs.existsSync(certs)) {
    await core.group('Cleaning up certificates', async () => {
      fs.rmSync(certs, { recursive: true });
    });
  }
  // The release's "Post cache" (its cached buildx binary) has nothing to do here.
}

(isPost ? post() : main()).catch((err) => core.setFailed(err.message));
