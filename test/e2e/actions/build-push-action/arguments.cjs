'use strict';
/**
 * The `docker buildx build` arguments of docker/build-push-action v7.3.0, as its src/context.ts
 * (getInputs, getArgs) builds them with @docker/actions-toolkit 0.92.0 (Build, Util). Apart from
 * writing the files of `secrets` entries, no side effect: warnings and values to mask are returned,
 * so the unit tests can call it.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

// The suite copies toolkit.cjs next to this file; in the repository it sits one folder up.
const core = (() => {
  try {
    return require('./toolkit.cjs');
  } catch {
    return require('../toolkit.cjs');
  }
})();

// ---- the GitHub context, as @actions/github and the toolkit's GitHub class read it ----------------

function eventPayload(env) {
  try {
    return env.GITHUB_EVENT_PATH && fs.existsSync(env.GITHUB_EVENT_PATH) ? JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) : {};
  } catch {
    return {};
  }
}

function repo(env) {
  if (env.GITHUB_REPOSITORY) {
    const [owner, name] = env.GITHUB_REPOSITORY.split('/');
    return { owner, repo: name };
  }
  const repository = eventPayload(env).repository;
  if (repository) return { owner: repository.owner.login, repo: repository.name };
  throw new Error("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'");
}

function serverURL(env) {
  return env.GITHUB_SERVER_URL || 'https://github.com';
}

function workflowRunURL(env) {
  const { owner, repo: name } = repo(env);
  const runId = env.GITHUB_RUN_ID ? +env.GITHUB_RUN_ID : NaN;
  const attempt = env.GITHUB_RUN_ATTEMPT ? +env.GITHUB_RUN_ATTEMPT : 1;
  return `${serverURL(env)}/${owner}/${name}/actions/runs/${runId}/attempts/${attempt}`;
}

/** Build.gitContext() in its default (fragment) form: what `{{defaultContext}}` stands for. */
function gitContext(env) {
  const { owner, repo: name } = repo(env);
  let ref = env.GITHUB_REF || '';
  if (!ref.startsWith('refs/')) ref = `refs/heads/${ref}`;
  return `${serverURL(env)}/${owner}/${name}.git#${env.GITHUB_SHA || ref}`;
}

// ---- Build's helpers ------------------------------------------------------------------------------

function parseSecretKvp(kvp) {
  const i = kvp.indexOf('=');
  const key = kvp.substring(0, i);
  const value = kvp.substring(i + 1);
  if (key.length === 0 || value.length === 0) throw new Error(`${kvp} is not a valid secret`);
  return [key, value];
}

function hasExporterType(name, exporters) {
  for (const record of core.parseCsv(exporters.join('\n'), { trim: true })) {
    if (record.length === 1 && !record[0].startsWith('type=')) return name === 'local'; // no type: local
    for (const chunk of record) {
      const [key, value] = chunk.split('=').map((item) => item.trim());
      if (key === 'type' && value === name) return true;
    }
  }
  return false;
}

function hasAttestationType(name, attrs) {
  return core.parseCsv(attrs, { trim: true }).some((record) =>
    record.some((chunk) => {
      const [key, value] = chunk.split('=').map((item) => item.trim());
      return key === 'type' && value === name;
    }),
  );
}

/** A bare boolean attribute means disabled=<not it>, as buildx reads it. */
function resolveAttestationAttrs(attrs) {
  const result = [];
  for (const record of core.parseCsv(attrs, { trim: true })) {
    for (const attr of record) {
      try {
        result.push(`disabled=${!core.parseBool(attr)}`);
      } catch {
        result.push(attr);
      }
    }
  }
  return result.join(',');
}

function resolveProvenanceAttrs(input, env) {
  if (!input) return `builder-id=${workflowRunURL(env)}`;
  const fields = core.parseCsv(input)[0] || [];
  if (fields.some((field) => field.split(/(?<=^[^=]+?)=/).map((item) => item.trim())[0] === 'builder-id')) return input;
  return `${input},builder-id=${workflowRunURL(env)}`;
}

/** Build.getProvenanceInput. */
function provenanceInput(env) {
  const input = core.getInput('provenance', { env });
  if (!input) return input;
  try {
    return core.getBooleanInput('provenance', { env }) ? `builder-id=${workflowRunURL(env)}` : 'false';
  } catch {
    return resolveProvenanceAttrs(input, env);
  }
}

// ---- inputs and arguments ---------------------------------------------------------------------------

/** The release's context.getInputs(), reading INPUT_* from `env`. */
function readInputs(env = process.env) {
  const list = (name, options = {}) => core.getInputList(name, { ...options, env });
  const bool = (name) => core.getBooleanInput(name, { env });
  const input = (name) => core.getInput(name, { env });
  // The release's default context is the git URL of the commit (Build.gitContext), which BuildKit
  // would fetch from GitHub; the stand-in builds the checked-out tree instead: act copies the
  // working directory, and GitHub is unreachable from the test machine.
  const rawContext = input('context');
  const context = rawContext.replace(/\{\{\s*defaultContext\s*\}\}/g, () => gitContext(env)) || '.';
  return {
    'add-hosts': list('add-hosts'),
    allow: list('allow'),
    annotations: list('annotations', { ignoreComma: true }),
    attests: list('attests', { ignoreComma: true }),
    'build-args': list('build-args', { ignoreComma: true }),
    'build-contexts': list('build-contexts', { ignoreComma: true }),
    builder: input('builder'),
    'cache-from': list('cache-from', { ignoreComma: true }),
    'cache-to': list('cache-to', { ignoreComma: true }),
    call: input('call'),
    'cgroup-parent': input('cgroup-parent'),
    context,
    file: input('file'),
    labels: list('labels', { ignoreComma: true }),
    load: bool('load'),
    network: input('network'),
    'no-cache': bool('no-cache'),
    'no-cache-filters': list('no-cache-filters'),
    outputs: list('outputs', { ignoreComma: true, quote: false }),
    platforms: list('platforms'),
    provenance: provenanceInput(env),
    pull: bool('pull'),
    push: bool('push'),
    sbom: input('sbom'),
    secrets: list('secrets', { ignoreComma: true, trimWhitespace: false }),
    'secret-envs': list('secret-envs'),
    'secret-files': list('secret-files', { ignoreComma: true }),
    'shm-size': input('shm-size'),
    ssh: list('ssh'),
    tags: list('tags'),
    target: input('target'),
    ulimit: list('ulimit', { ignoreComma: true }),
    'github-token': input('github-token'),
  };
}

/**
 * `inputs` from readInputs(); `env` the action's environment; `facts` what the release asks
 * buildx/BuildKit: { buildxVersion ("0.39.1"), buildkitAtLeast011 (every node of the builder runs
 * BuildKit >= 0.11.0, as BuildKit.versionSatisfies), tmpDir, iidFile, metadataFile }.
 * Returns { args (after `docker buildx`), warnings, masks }; cache-from/cache-to pass through
 * unchanged, as in the release: buildx itself adds type=gha's url/token from ACTIONS_* variables.
 */
function buildArgs(inputs, env, facts) {
  const warnings = [];
  const masks = [];
  const at = (range) => core.versionSatisfies(facts.buildxVersion, range);
  const secretString = (kvp) => {
    const [key, value] = parseSecretKvp(kvp);
    masks.push(value);
    const file = path.join(facts.tmpDir, `tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.writeFileSync(file, value);
    return `id=${key},src=${file}`;
  };
  const each = (values, flag) => values.forEach((value) => args.push(flag, value));
  const tryPush = (fn) => {
    try {
      args.push('--secret', fn());
    } catch (err) {
      warnings.push(err.message);
    }
  };
  const defaultContext = gitContext(env);

  const args = ['build'];
  each(inputs['add-hosts'], '--add-host');
  each(inputs.allow, '--allow');
  if (at('>=0.12.0')) each(inputs.annotations, '--annotation');
  else if (inputs.annotations.length > 0) warnings.push("Annotations are only supported by buildx >= 0.12.0; the input 'annotations' is ignored.");
  each(inputs['build-args'], '--build-arg');
  if (at('>=0.8.0')) {
    each(
      inputs['build-contexts'].map((c) => c.replace(/\{\{\s*defaultContext\s*\}\}/g, () => defaultContext)),
      '--build-context',
    );
  } else if (inputs['build-contexts'].length > 0) {
    warnings.push("Build contexts are only supported by buildx >= 0.8.0; the input 'build-contexts' is ignored.");
  }
  each(inputs['cache-from'], '--cache-from');
  each(inputs['cache-to'], '--cache-to');
  if (inputs.call) {
    if (!at('>=0.15.0')) throw new Error('Buildx >= 0.15.0 is required to use the call flag.');
    args.push('--call', inputs.call);
  }
  if (inputs['cgroup-parent']) args.push('--cgroup-parent', inputs['cgroup-parent']);
  for (const secretEnv of inputs['secret-envs']) {
    tryPush(() => {
      const [key, value] = parseSecretKvp(secretEnv);
      return `id=${key},env=${value}`;
    });
  }
  if (inputs.file) args.push('--file', inputs.file);
  if (!hasExporterType('local', inputs.outputs) && !hasExporterType('tar', inputs.outputs) && (inputs.platforms.length === 0 || at('>=0.4.2'))) {
    args.push('--iidfile', facts.iidFile);
  }
  each(inputs.labels, '--label');
  each(inputs['no-cache-filters'], '--no-cache-filter');
  each(inputs.outputs, '--output');
  if (inputs.platforms.length > 0) args.push('--platform', inputs.platforms.join(','));
  if (at('>=0.10.0')) args.push(...attestArgs(inputs, env, facts));
  else warnings.push("Attestations are only supported by buildx >= 0.10.0; the inputs 'attests', 'provenance' and 'sbom' are ignored.");
  for (const secret of inputs.secrets) tryPush(() => secretString(secret));
  for (const secretFile of inputs['secret-files']) {
    // Build.resolveSecretFile: a missing file is a warning, and the build goes on without that secret.
    tryPush(() => {
      const [key, file] = parseSecretKvp(secretFile);
      if (!fs.existsSync(file)) throw new Error(`secret file ${file} not found`);
      return `id=${key},src=${file}`;
    });
  }
  const hasGitAuthToken = inputs.secrets.some((s) => s.startsWith('GIT_AUTH_TOKEN='));
  if (inputs['github-token'] && !hasGitAuthToken && inputs.context.startsWith(defaultContext)) {
    args.push('--secret', secretString(`GIT_AUTH_TOKEN.${new URL(serverURL(env)).host.trimEnd()}=${inputs['github-token']}`));
  }
  if (inputs['shm-size']) args.push('--shm-size', inputs['shm-size']);
  each(inputs.ssh, '--ssh');
  each(inputs.tags, '--tag');
  if (inputs.target) args.push('--target', inputs.target);
  each(inputs.ulimit, '--ulimit');

  // getCommonArgs
  if (inputs.builder) args.push('--builder', inputs.builder);
  if (inputs.load) args.push('--load');
  if (at('>=0.6.0')) args.push('--metadata-file', facts.metadataFile);
  if (inputs.network) args.push('--network', inputs.network);
  if (inputs['no-cache']) args.push('--no-cache');
  if (inputs.pull) args.push('--pull');
  if (inputs.push) args.push('--push');
  args.push(inputs.context);
  return { args, warnings, masks };
}

function attestArgs(inputs, env, facts) {
  const args = [];
  const hasAttestProvenance = inputs.attests.some((attest) => hasAttestationType('provenance', attest));
  const noDefaultAttestations = env.BUILDX_NO_DEFAULT_ATTESTATIONS ? core.parseBool(env.BUILDX_NO_DEFAULT_ATTESTATIONS) : false;
  let provenanceSet = false;
  let sbomSet = false;
  if (inputs.provenance) {
    args.push('--attest', resolveAttestationAttrs(`type=provenance,${inputs.provenance}`));
    provenanceSet = true;
  } else if (!hasAttestProvenance && !noDefaultAttestations && facts.buildkitAtLeast011 && !(inputs.load || hasExporterType('docker', inputs.outputs))) {
    // The release's default provenance: min and inline-only for a private repository, max otherwise.
    const isPrivate = eventPayload(env).repository?.private ?? false;
    args.push('--attest', `type=provenance,${resolveProvenanceAttrs(isPrivate ? 'mode=min,inline-only=true' : 'mode=max', env)}`);
  }
  if (inputs.sbom) {
    args.push('--attest', resolveAttestationAttrs(`type=sbom,${inputs.sbom}`));
    sbomSet = true;
  }
  for (const attest of inputs.attests) {
    const provenance = hasAttestationType('provenance', attest);
    const sbom = hasAttestationType('sbom', attest);
    if (!provenance && !sbom) args.push('--attest', resolveAttestationAttrs(attest));
    else if (!provenanceSet && provenance) args.push('--attest', resolveProvenanceAttrs(attest, env));
    else if (!sbomSet && sbom) args.push('--attest', attest);
  }
  return args;
}

module.exports = { buildArgs, gitContext, readInputs, repo, serverURL };
