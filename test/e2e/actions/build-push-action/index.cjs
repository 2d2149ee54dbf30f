'use strict';
/**
 * Test stand-in for docker/build-push-action v7.3.0, following the release's src/main.ts:
 * `docker buildx build` with the arguments of arguments.cjs (the release's context.ts), outputs
 * imageid / digest / metadata from the iid and metadata files, the build reference kept for the
 * post step, which exports the build record (`docker buildx history export`) unless
 * DOCKER_BUILD_SUMMARY=false. Main and post are this one file, told apart by the `isPost` state,
 * as in @docker/actions-toolkit's run().
 *
 * Left out, each not an operation on the build: the "GitHub Actions runtime token ACs" and "Proxy
 * configuration" log groups, build-check annotations, the job summary, and uploading the record
 * as an artifact (needs GitHub's artifact service).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const core = require('./toolkit.cjs');
const { buildArgs, readInputs, repo, serverURL } = require('./arguments.cjs');

const isPost = !!process.env.STATE_isPost;
if (!isPost) core.saveState('isPost', 'true');

const envBool = (name, fallback) => (process.env[name] ? core.parseBool(process.env[name]) : fallback);

async function buildxVersion() {
  const res = await core.exec('docker', ['buildx', 'version'], { silent: true, ignoreReturnCode: true });
  if (res.stderr.length > 0 && res.code !== 0) throw new Error(res.stderr.trim());
  return core.parseBuildxVersion(res.stdout.trim());
}

async function inspectBuilder(name) {
  const res = await core.exec('docker', ['buildx', 'inspect', ...(name ? [name] : [])], {
    silent: true,
    ignoreReturnCode: true,
    env: { ...process.env, DEBUG: '1' },
  });
  if (res.stderr.length > 0 && res.code !== 0) throw new Error(res.stderr.trim());
  return core.parseBuilderInspect(res.stdout);
}

/** BuildKit.versionSatisfies(builder, '>=0.11.0') on an inspected builder. */
function buildkitAtLeast011(builder) {
  for (const node of builder.nodes) {
    // The release asks a docker-container node's image when inspect shows no version; without one it answers false.
    if (!node.buildkit) return false;
    if (builder.driver === 'docker' && !node.buildkit.endsWith('-moby')) return false;
    if (!core.versionSatisfies(node.buildkit.replace(/-moby$/, ''), '>=0.11.0')) return false;
  }
  return true;
}

function readJsonFile(file) {
  if (!fs.existsSync(file)) return undefined;
  const content = fs.readFileSync(file, 'utf-8').trim();
  return content === 'null' ? undefined : JSON.parse(content);
}

/** The build's reference: from the metadata file, else the first ref buildx recorded since the build started. */
async function buildRef(metadata, since, builderName) {
  if (metadata && 'buildx.build.ref' in metadata) return metadata['buildx.build.ref'];
  const builder = builderName || (await inspectBuilder()).name;
  const configDir = process.env.BUILDX_CONFIG || path.join(process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'buildx');
  const dir = path.join(configDir, 'refs', builder);
  if (!fs.existsSync(dir)) return '';
  for (const node of fs.readdirSync(dir)) {
    if (!fs.statSync(path.join(dir, node)).isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(dir, node))) {
      if (fs.statSync(path.join(dir, node, file)).mtime >= since) return `${builder}/${node}/${file}`;
    }
  }
  return '';
}

function isGHES() {
  const host = new URL(serverURL(process.env)).hostname.trimEnd().toUpperCase();
  return !(host === 'GITHUB.COM' || host.endsWith('.GHE.COM') || host.endsWith('.LOCALHOST'));
}

async function main() {
  const startedTime = new Date();
  const inputs = readInputs(process.env);
  // As the release's debug line, without the token and the secrets' values (they are masked only later).
  core.debug(`inputs: ${JSON.stringify({ ...inputs, 'github-token': undefined, secrets: undefined })}`);

  await core.dockerInfo();

  const available = await core.exec('docker', ['buildx'], { silent: true, ignoreReturnCode: true }).catch(() => ({ code: 1 }));
  if (available.code !== 0) {
    core.setFailed('Docker buildx is required. See https://github.com/docker/setup-buildx-action to set up buildx.');
    return;
  }
  const tmpDir = core.dockerToolkitTmpDir();
  core.saveState('tmpDir', tmpDir);

  let version;
  await core.group('Buildx version', async () => {
    await core.exec('docker', ['buildx', 'version']);
    version = await buildxVersion();
  });

  let builder;
  await core.group('Builder info', async () => {
    builder = await inspectBuilder(inputs.builder);
    core.saveState('builderDriver', builder.driver ?? '');
    core.saveState('builderEndpoint', builder.nodes?.[0]?.endpoint ?? '');
    core.info(JSON.stringify(builder, null, 2));
  });

  const random = () => crypto.randomBytes(5).toString('hex');
  const iidFile = path.join(tmpDir, `build-iidfile-${random()}.txt`);
  const metadataFile = path.join(tmpDir, `build-metadata-${random()}.json`);
  const { args, warnings, masks } = buildArgs(inputs, process.env, {
    buildxVersion: version,
    buildkitAtLeast011: buildkitAtLeast011(builder),
    tmpDir,
    iidFile,
    metadataFile,
  });
  masks.forEach((value) => core.setSecret(value));
  warnings.forEach((message) => core.warning(message));

  let error;
  const res = await core.exec('docker', ['buildx', ...args], {
    ignoreReturnCode: true,
    env: { ...process.env, BUILDX_METADATA_WARNINGS: 'true' },
  });
  if (res.code !== 0) {
    if (inputs.call && inputs.call === 'check' && res.stdout.length > 0) {
      error = new Error(res.stdout.split('\n')[0]?.trim());
    } else if (res.stderr.length > 0) {
      error = new Error(`buildx failed with: ${core.lastLine(res.stderr)}`);
    } else {
      // The release fails only when buildx wrote to stderr (it always does when it fails); a bare exit code fails here too.
      error = new Error(`buildx failed with exit code ${res.code}`);
    }
  }

  const imageID = fs.existsSync(iidFile) ? fs.readFileSync(iidFile, 'utf-8').trim() : undefined;
  const metadata = readJsonFile(metadataFile);
  const digest = metadata && 'containerimage.digest' in metadata ? metadata['containerimage.digest'] : undefined;
  if (imageID) {
    await core.group('ImageID', async () => {
      core.info(imageID);
      core.setOutput('imageid', imageID);
    });
  }
  if (digest) {
    await core.group('Digest', async () => {
      core.info(digest);
      core.setOutput('digest', digest);
    });
  }
  if (metadata) {
    await core.group('Metadata', async () => {
      const text = JSON.stringify(metadata, null, 2);
      core.info(text);
      core.setOutput('metadata', text);
    });
  }

  let ref;
  await core.group('Reference', async () => {
    ref = await buildRef(metadata, startedTime, inputs.builder);
    if (ref) {
      core.info(ref);
      core.saveState('buildRef', ref);
    } else {
      core.info('No build reference found');
    }
  });

  await core.group('Check build summary support', async () => {
    if (!envBool('DOCKER_BUILD_SUMMARY', true)) core.info('Build summary disabled');
    else if (inputs.call && inputs.call !== 'build') core.info(`Build summary skipped for ${inputs.call} subrequest`);
    else if (isGHES()) core.info('Build summary is not yet supported on GHES');
    else if (!core.versionSatisfies(version, '>=0.23.0')) core.info('Build summary requires Buildx >= 0.23.0');
    else if (!ref) core.info('Build summary requires a build reference');
    else {
      core.info('Build summary supported!');
      core.saveState('isSummarySupported', 'true');
    }
  });

  if (error) throw error;
}

/** History.export: the build record as <owner>~<repo>~<REF6>.dockerbuild under a new toolkit temp folder. */
async function exportBuildRecord(buildRef) {
  const version = await buildxVersion();
  if (!core.versionSatisfies(version, '>=0.23.0')) throw new Error('Buildx >= 0.23.0 is required to export a build record');
  const parts = buildRef ? buildRef.split('/') : [];
  if (buildRef && parts.length !== 3) throw new Error(`Invalid build ref: ${buildRef}`);
  if (!buildRef) throw new Error('No build refs provided');
  const [builderName, , ref] = parts;
  const outDir = path.join(core.dockerToolkitTmpDir(), 'export');
  core.info(`exporting build record to ${outDir}`);
  fs.mkdirSync(outDir, { recursive: true });
  if (core.versionSatisfies(version, '<0.24.0')) await new Promise((resolve) => setTimeout(resolve, 3000)); // records finalised
  // The release inspects each record for its summary first; a builder without history fails here.
  const inspect = await core.exec('docker', ['buildx', 'history', 'inspect', '--format', 'json', '--builder', builderName, ref], {
    silent: true,
    ignoreReturnCode: true,
  });
  if (inspect.stderr.length > 0 && inspect.code !== 0) throw new Error(inspect.stderr.trim());
  const { owner, repo: name } = repo(process.env);
  const file = path.join(outDir, `${owner}~${name}~${ref.substring(0, 6).toUpperCase()}.dockerbuild`);
  const exportArgs = ['--builder', builderName, '--output', file, ref, ...(core.versionSatisfies(version, '>=0.24.0') ? ['--finalize'] : [])];
  await core.exec('docker', ['buildx', 'history', 'export', ...exportArgs]);
  return { file, size: fs.statSync(file).size };
}

async function post() {
  const state = (name) => process.env[`STATE_${name}`] || '';
  if (state('isSummarySupported')) {
    await core.group('Generating build summary', async () => {
      try {
        const uploadEnabled = envBool('DOCKER_BUILD_RECORD_UPLOAD', true);
        if (uploadEnabled && process.env.DOCKER_BUILD_RECORD_RETENTION_DAYS && isNaN(parseInt(process.env.DOCKER_BUILD_RECORD_RETENTION_DAYS))) {
          throw new Error(`Invalid build record retention days: ${process.env.DOCKER_BUILD_RECORD_RETENTION_DAYS}`);
        }
        const record = await exportBuildRecord(state('buildRef'));
        core.info(`Build record written to ${record.file} (${core.formatFileSize(record.size)})`);
        if (uploadEnabled) core.info('Build record not uploaded: GitHub artifacts are not supported by this stand-in');
      } catch (err) {
        core.warning(err.message);
      }
    });
  }
  const tmpDir = state('tmpDir');
  if (tmpDir.length > 0) {
    await core.group(`Removing temp folder ${tmpDir}`, async () => {
      try {
        fs.rmSync(tmpDir, { recursive: true });
      } catch {
        core.warning(`Failed to remove temp folder ${tmpDir}`);
      }
    });
  }
}

(isPost ? post() : main()).catch((err) => core.setFailed(err.message));
