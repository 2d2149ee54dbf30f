'use strict';
/**
 * The few pieces of @actions/core, @actions/exec and @docker/actions-toolkit's Util that the
 * test stand-ins use, written for this repository (no dependency: the suite copies this file next
 * to each stand-in's index.cjs). Behaviour follows @actions/core 3.x: inputs from
 * INPUT_<NAME> (upper case, spaces to `_`, hyphens kept), outputs/env/state as heredoc file
 * commands, `::add-mask::` for secrets, exit code 1 on setFailed.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

// ---- workflow commands ------------------------------------------------------------------------

function toCommandValue(value) {
  // Like @actions/core: a non-string (e.g. a Date) is written as JSON.
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || value instanceof String) return String(value);
  return JSON.stringify(value);
}

function escapeData(value) {
  return toCommandValue(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value) {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function issueCommand(command, properties, message) {
  const props = Object.entries(properties || {})
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${os.EOL}`);
}

function issueFileCommand(envName, key, value) {
  const file = process.env[envName];
  if (!file) return false;
  if (!fs.existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  const converted = toCommandValue(value);
  if (key.includes(delimiter) || converted.includes(delimiter)) throw new Error('Unexpected input: contains the delimiter');
  fs.appendFileSync(file, `${key}<<${delimiter}${os.EOL}${converted}${os.EOL}${delimiter}${os.EOL}`, 'utf8');
  return true;
}

function info(message) {
  process.stdout.write(`${message}${os.EOL}`);
}
function debug(message) {
  issueCommand('debug', {}, message);
}
function isDebug() {
  return process.env.RUNNER_DEBUG === '1';
}
function notice(message, properties) {
  issueCommand('notice', properties, message instanceof Error ? message.toString() : message);
}
function warning(message, properties) {
  issueCommand('warning', properties, message instanceof Error ? message.toString() : message);
}
function error(message, properties) {
  issueCommand('error', properties, message instanceof Error ? message.toString() : message);
}
function setFailed(message) {
  process.exitCode = 1;
  error(message);
}
function setSecret(secret) {
  if (secret) issueCommand('add-mask', {}, secret);
}
function setOutput(name, value) {
  if (!issueFileCommand('GITHUB_OUTPUT', name, value)) {
    process.stdout.write(os.EOL);
    issueCommand('set-output', { name }, toCommandValue(value));
  }
}
function exportVariable(name, value) {
  process.env[name] = toCommandValue(value);
  if (!issueFileCommand('GITHUB_ENV', name, value)) issueCommand('set-env', { name }, toCommandValue(value));
}
function saveState(name, value) {
  if (!issueFileCommand('GITHUB_STATE', name, value)) issueCommand('save-state', { name }, toCommandValue(value));
}
function getState(name) {
  return process.env[`STATE_${name}`] || '';
}
async function group(name, fn) {
  issueCommand('group', {}, name);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

// ---- inputs -------------------------------------------------------------------------------------

/** `options.env` reads another environment than process.env (the unit tests use it). */
function getInput(name, options = {}) {
  const env = options.env || process.env;
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
  if (options.required && !value) throw new Error(`Input required and not supplied: ${name}`);
  return options.trimWhitespace === false ? value : value.trim();
}

function getBooleanInput(name, options = {}) {
  const value = getInput(name, options);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`',
  );
}

function getMultilineInput(name, options = {}) {
  const lines = getInput(name, options)
    .split('\n')
    .filter((line) => line !== '');
  return options.trimWhitespace === false ? lines : lines.map((line) => line.trim());
}

/**
 * The subset of csv-parse that @docker/actions-toolkit relies on: records split at newlines,
 * fields at `delimiter`, a field that *starts* with `"` is quoted (`""` inside is one quote),
 * a quote elsewhere is literal (relax_quotes), `trim` drops blanks around fields, empty lines
 * are skipped, `comment` starts a comment at the start of a line (comment_no_infix).
 * Deviation: text after a closing quote is kept instead of csv-parse's "Invalid Closing Quote" error.
 */
function parseCsv(input, options = {}) {
  const delimiter = options.delimiter || ',';
  const quote = options.quote === false ? '' : options.quote || '"';
  const trim = !!options.trim;
  const records = [];
  let record = [];
  let field = '';
  let quoted = false; // this field opened with a quote
  let inQuotes = false;
  let lineStart = true;
  const endField = () => {
    record.push(trim ? field.trim() : field);
    field = '';
    quoted = false;
  };
  const endRecord = () => {
    endField();
    if (!(record.length === 1 && record[0] === '')) records.push(record); // skip_empty_lines
    record = [];
    lineStart = true;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (inQuotes) {
      if (c === quote && input[i + 1] === quote) {
        field += quote;
        i++;
      } else if (c === quote) {
        inQuotes = false;
      } else {
        field += c;
      }
      continue;
    }
    if (lineStart && options.comment && c === options.comment) {
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    lineStart = false;
    if (quote && c === quote && !quoted && (trim ? field.trim() === '' : field === '')) {
      inQuotes = true;
      quoted = true;
      field = '';
    } else if (c === delimiter) {
      endField();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRecord();
    } else {
      field += c;
    }
  }
  if (inQuotes) throw new Error('Quote Not Closed: the parsing is finished with an opening quote');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/** @docker/actions-toolkit Util.getList: newline- and comma-separated, `ignoreComma` keeps commas. */
function getList(input, options = {}) {
  if (input === '') return [];
  const result = [];
  for (const record of parseCsv(input, { quote: options.quote, comment: options.comment })) {
    if (record.length === 1) {
      if (options.ignoreComma) result.push(record[0]);
      else result.push(...record[0].split(','));
    } else if (!options.ignoreComma) {
      result.push(...record);
    } else {
      result.push(record.join(','));
    }
  }
  return result.filter((item) => item).map((item) => (options.trimWhitespace === false ? item : item.trim()));
}

/** @docker/actions-toolkit Util.getInputList. */
function getInputList(name, options = {}) {
  return getList(getInput(name, { env: options.env, trimWhitespace: options.trimWhitespace !== false }), options);
}

/** @docker/actions-toolkit Util.parseBool. */
function parseBool(value) {
  if (value === undefined) return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new Error(`parseBool syntax error: ${value}`);
}

/**
 * semver.satisfies for the plain ranges the releases use (">=0.23.0", "<0.24.0"), on versions
 * like "0.39.1", "v0.35.1" or "0.12.5-moby"; a 7-hex commit satisfies everything, as in Buildx.versionSatisfies.
 */
function versionSatisfies(version, range) {
  if (!version) return false;
  if (/^[0-9a-f]{7}$/.test(version)) return true;
  const parse = (v) => {
    const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?/.exec(v.trim());
    return m ? { parts: [+m[1], +(m[2] || 0), +(m[3] || 0)], pre: !!m[4] } : undefined;
  };
  const have = parse(version);
  const m = /^(>=|<=|>|<|=)?\s*(.+)$/.exec(range.trim());
  const want = m && parse(m[2]);
  if (!have || !want) return false;
  if (have.pre) return false; // semver: a prerelease never satisfies a plain range
  let cmp = 0;
  for (let i = 0; i < 3 && cmp === 0; i++) cmp = Math.sign(have.parts[i] - want.parts[i]);
  switch (m[1] || '=') {
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    default:
      return cmp === 0;
  }
}

function formatFileSize(bytes) {
  if (bytes === 0) return '0 Bytes';
  const sizes = ['Bytes', 'KB', 'MB', 'GB', 'TB'];
  const i = Math.floor(Math.log(bytes) / Math.log(1024));
  return `${parseFloat((bytes / 1024 ** i).toFixed(2))} ${sizes[i]}`;
}

// ---- docker buildx ------------------------------------------------------------------------------

/** Buildx.parseVersion: the version in `docker buildx version` ("github.com/docker/buildx v0.39.1 <commit>"). */
function parseBuildxVersion(stdout) {
  const match = /\sv?([0-9a-f]{7}|[0-9.]+)/.exec(stdout);
  if (!match) throw new Error('Cannot parse buildx version');
  return match[1];
}

/**
 * The text of `DEBUG=1 docker buildx inspect [name]` as @docker/actions-toolkit's
 * Builder.parseInspect reads it: { name, driver, lastActivity, nodes: [{ name, endpoint,
 * driver-opts, status, buildkitd-flags, buildkit, platforms, features, labels, devices, gcPolicy, files }] }.
 */
function parseBuilderInspect(text) {
  const builder = { nodes: [] };
  let node = {};
  let section; // features | labels | devices | gcpolicy | file
  let gcPolicy;
  let device;
  let file;
  const flushGcPolicy = () => {
    if (gcPolicy && node.gcPolicy) node.gcPolicy.push(gcPolicy);
    gcPolicy = undefined;
  };
  const flushDevice = () => {
    if (device && node.devices) node.devices.push(device);
    device = undefined;
  };
  for (const line of text.trim().split('\n')) {
    const [key, ...rest] = line.split(':');
    const lkey = key.toLowerCase();
    const value = rest.map((v) => v.trim()).join(':');
    if (key.length === 0) continue;
    if (lkey === 'name') {
      section = undefined;
      if (builder.name === undefined) {
        builder.name = value;
      } else {
        flushGcPolicy();
        if (node.name) builder.nodes.push(node);
        node = { name: value };
      }
    } else if (lkey === 'driver') {
      section = undefined;
      builder.driver = value;
    } else if (lkey === 'last activity') {
      section = undefined;
      builder.lastActivity = new Date(value);
    } else if (lkey === 'endpoint') {
      section = undefined;
      node.endpoint = value;
    } else if (lkey === 'driver options') {
      section = undefined;
      node['driver-opts'] = (value.match(/([a-zA-Z0-9_.]+)="([^"]*)"/g) || []).map((v) => v.replace(/^(.*)="(.*)"$/, '$1=$2'));
    } else if (lkey === 'status') {
      section = undefined;
      node.status = value;
    } else if (lkey === 'buildkit daemon flags' || lkey === 'flags') {
      section = undefined;
      node['buildkitd-flags'] = value;
    } else if (lkey === 'buildkit version' || lkey === 'buildkit') {
      section = undefined;
      node.buildkit = value;
    } else if (lkey === 'platforms') {
      section = undefined;
      if (value) {
        const all = value.split(', ');
        // preferred platforms (marked *) win over the detected ones
        const chosen = value.includes('*') ? all.filter((p) => p.includes('*')).map((p) => p.replace(/\*/g, '')) : all;
        node.platforms = chosen.join(',');
      }
    } else if (lkey === 'features') {
      section = 'features';
      node.features = {};
    } else if (lkey === 'labels') {
      section = 'labels';
      node.labels = {};
    } else if (lkey === 'devices') {
      section = 'devices';
      node.devices = node.devices || [];
    } else if (lkey.startsWith('gc policy rule#')) {
      section = 'gcpolicy';
      if (node.gcPolicy && gcPolicy) flushGcPolicy();
    } else if (lkey.startsWith('file#')) {
      section = 'file';
      file = key.split('#')[1];
      node.files = node.files || {};
      node.files[file] = '';
    } else {
      if (section && section !== 'devices' && node.devices && device) flushDevice();
      const k = lkey.trim();
      if (section === 'features') {
        node.features[key.trim()] = Boolean(value);
      } else if (section === 'labels') {
        node.labels[key.trim()] = value;
      } else if (section === 'devices') {
        if (k === 'name') {
          flushDevice();
          device = { name: value };
        } else if (k === 'on-demand' && device && value) device.onDemand = value === 'true';
        else if (k === 'automatically allowed' && device && value) device.autoAllow = value === 'true';
        else if (k === 'annotations' && device) device.annotations = device.annotations || {};
        else if (device && device.annotations) device.annotations[key.trim()] = value;
      } else if (section === 'gcpolicy') {
        node.gcPolicy = node.gcPolicy || [];
        gcPolicy = gcPolicy || {};
        const field = { all: 'all', 'keep duration': 'keepDuration', 'keep bytes': 'keepBytes', 'reserved space': 'reservedSpace', 'max used space': 'maxUsedSpace', 'min free space': 'minFreeSpace' }[k];
        if (k === 'all') gcPolicy.all = value === 'true';
        else if (k === 'filters') {
          if (value) gcPolicy.filter = value.split(',');
        } else if (field) gcPolicy[field] = value;
      } else if (section === 'file' && file && node.files) {
        if (node.files[file].length > 0) node.files[file] += '\n';
        node.files[file] += line.replace(/^\s>\s?/, '');
      }
    }
  }
  flushDevice();
  flushGcPolicy();
  if (node.name) builder.nodes.push(node);
  return builder;
}

// ---- exec ---------------------------------------------------------------------------------------

function which(tool, env) {
  if (tool.includes('/')) return tool;
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return tool;
}

/**
 * Runs a command like @actions/exec: prints `[command]<path> <args>` first (always: a silent
 * run only keeps the output off the log), streams stdout/stderr unless silent, captures both,
 * writes `input` to stdin, and rejects on a non-zero exit unless `ignoreReturnCode`.
 * Resolves { code, stdout, stderr }.
 */
function exec(command, args = [], options = {}) {
  const env = options.env || process.env;
  const toolPath = which(command, env);
  process.stdout.write(`[command]${[toolPath, ...args].join(' ')}${os.EOL}`);
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(toolPath, args, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => {
      out.push(chunk);
      if (!options.silent) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      err.push(chunk);
      if (!options.silent) process.stderr.write(chunk);
    });
    child.on('error', (e) => reject(new Error(`Unable to run ${toolPath}: ${e.message}`)));
    child.on('close', (code) => {
      const result = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (code !== 0 && !options.ignoreReturnCode) {
        const e = new Error(`The process '${toolPath}' failed with exit code ${code}`);
        Object.assign(e, result);
        reject(e);
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {}); // a tool that exits without reading stdin
    child.stdin.end(options.input === undefined ? undefined : options.input);
  });
}

/** The last line of a tool's stderr, as the docker releases quote it in their errors. */
function lastLine(text) {
  return text.match(/(.*)\s*$/)?.[0]?.trim() || 'unknown error';
}

/** $RUNNER_TEMP/docker-actions-toolkit-XXXXXX, as @docker/actions-toolkit's Context.tmpDir(). */
function dockerToolkitTmpDir() {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, 'docker-actions-toolkit-'));
}

/** The "Docker info" group both docker actions open with; a failure there is only logged. */
async function dockerInfo() {
  await group('Docker info', async () => {
    try {
      await exec('docker', ['version']);
      await exec('docker', ['info']);
    } catch (err) {
      info(err.message);
    }
  });
}

module.exports = {
  debug,
  dockerInfo,
  dockerToolkitTmpDir,
  error,
  exec,
  exportVariable,
  formatFileSize,
  getBooleanInput,
  getInput,
  getInputList,
  getList,
  getMultilineInput,
  getState,
  group,
  info,
  isDebug,
  lastLine,
  notice,
  parseBool,
  parseBuilderInspect,
  parseBuildxVersion,
  parseCsv,
  saveState,
  setFailed,
  setOutput,
  setSecret,
  versionSatisfies,
  warning,
};
