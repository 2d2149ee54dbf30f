import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type ParsedNode, type Tags } from 'yaml';
import { ACTIONS } from '../core/actions';
import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';
import { definedNames, mountOptions, parseDockerfile, type DockerInstruction } from './dockerfile-reader';
import { isDockerignored } from './dockerignore-match';
import { actionName, resolveShell, scanWorkflow, usesAction, type WorkflowFile, type WorkflowStep } from './workflow-reader';

/**
 * Offline checks of a repository that builds an image with AWS credentials handed over as a
 * BuildKit secret. Pure: it reads the files it is given and nothing else.
 */

export const RULES = {
  'secret-id-mismatch': 'the workflow and the Dockerfile name the same BuildKit secret',
  'secret-not-required': 'each secret mount has required=true',
  'secret-path-mismatch': 'code reads the secret where the mount puts it',
  'credentials-in-build-context': 'the credentials file is written outside the build context',
  'credentials-not-dockerignored': '.dockerignore excludes the credentials file',
  'credentials-not-masked': 'credential values are masked in the log',
  'credentials-not-removed': 'an always() step removes the credentials file',
  'credential-in-arg': 'no credential-looking ARG in the Dockerfile',
  'credential-in-env': 'no credential-looking ENV in the Dockerfile',
  'credential-in-build-arg': 'no credential-looking build argument in the workflow',
  'expression-in-run': 'no ${{ }} expression inside a run: script',
  'trust-wildcard-sub': 'the OIDC trust names the repository and the ref or environment',
  'trust-missing-sub': 'the OIDC trust has a sub condition',
  'oidc-trust-missing': 'the repository holds the OIDC trust policy of the role it assumes',
  'chained-session-too-long': 'a chained session asks for at most 3600 seconds',
  'action-not-pinned': 'actions are pinned to full commit SHAs',
  'action-outdated': 'actions are at their current major version',
  'base-image-end-of-life': 'the base image is a supported Node.js release',
  'aws-sdk-v2': 'the AWS SDK for JavaScript v3 is used, not v2',
  'file-unreadable': 'the files verify reads parse',
} as const;

export type RuleId = keyof typeof RULES;

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: RuleId;
  readonly message: string;
  readonly fix: string;
}

export interface VerifyOptions {
  /** The date end-of-life rules compare with; today when not given. */
  readonly today?: Date;
}

/** Node.js release lines and their end of life, from the Node.js Release working group's schedule. */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
};

const CREDENTIAL_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|API_?KEY/i;
/** Names that hold where a secret is, not the secret. */
const LOCATION_NAME = /_(FILE|PATH|DIR)$/i;
const ASSUME_ROLE = /\bsts\s+(assume-role|assume-role-with-web-identity|get-session-token)\b/;
const RUNNER_OUTPUT_FILES = /^\$\{?(GITHUB_OUTPUT|GITHUB_ENV|GITHUB_STEP_SUMMARY|GITHUB_PATH|GITHUB_STATE)\}?$|^\/dev\//;
const SOURCE_FILE = /\.(m?[jt]s|cjs|cts|py|sh)$/;

export function isWorkflowPath(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

export function isDockerfilePath(path: string): boolean {
  const name = path.split('/').pop()!;
  return /^(Dockerfile|Containerfile)(\.[\w.-]+)?$/.test(name) || /\.(Dockerfile|Containerfile)$/.test(name);
}

/** Checks every rule on the files (path relative to the repo root, `/`-separated -> content). */
export function verifyFiles(files: ReadonlyMap<string, string>, options: VerifyOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const report = (file: string, line: number, rule: RuleId, message: string, fix: string) =>
    findings.push({ file, line, rule, message, fix });

  const workflows = [...files].filter(([path]) => isWorkflowPath(path)).map(([path, text]) => scanWorkflow(path, text));
  const dockerfiles = [...files]
    .filter(([path]) => isDockerfilePath(path))
    .map(([path, text]) => ({ path, instructions: parseDockerfile(text) }));
  const policies = collectTrustStatements(files);

  for (const workflow of workflows) {
    if (workflow.error) report(workflow.path, 1, 'file-unreadable', `could not be read as YAML: ${workflow.error}`, 'fix the YAML syntax, then run verify again');
  }

  checkSecrets(workflows, dockerfiles, files, report);
  checkCredentialFiles(workflows, files, report);
  checkBuildArguments(workflows, dockerfiles, report);
  checkExpressionsInRun(workflows, report);
  checkTrust(workflows, policies, report);
  checkChainedDuration(workflows, report);
  checkActions(workflows, report);
  checkBaseImages(dockerfiles, options.today ?? new Date(), report);
  checkSdkVersion(files, report);

  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

type Report = (file: string, line: number, rule: RuleId, message: string, fix: string) => void;
interface Dockerfile {
  readonly path: string;
  readonly instructions: readonly DockerInstruction[];
}

// ---- BuildKit secrets -------------------------------------------------------------------

interface SecretMount {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  readonly target: string;
  readonly required: boolean;
}

function secretMounts(dockerfiles: readonly Dockerfile[]): SecretMount[] {
  const mounts: SecretMount[] = [];
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword !== 'RUN') continue;
      for (const flag of instruction.flags) {
        if (flag.name !== 'mount') continue;
        const options = mountOptions(flag.value);
        if (options.type !== 'secret') continue;
        const target = options.target ?? options.dst ?? options.destination;
        // BuildKit: without an id, the id is the target's base name; without a target, /run/secrets/<id>.
        const id = options.id ?? target?.split('/').pop() ?? '';
        mounts.push({
          file: dockerfile.path,
          line: instruction.line,
          id,
          target: target ?? (options.env ? '' : `/run/secrets/${id}`),
          required: options.required === 'true',
        });
      }
    }
  }
  return mounts;
}

interface ProvidedSecret {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  /** The file handed over (secret-files, --secret src=), when it is one. */
  readonly source?: string;
}

function providedSecrets(workflows: readonly WorkflowFile[]): ProvidedSecret[] {
  const provided: ProvidedSecret[] = [];
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      for (const input of ['secrets', 'secret-files', 'secret-envs']) {
        const value = step.with[input];
        if (!value || !step.uses || !/docker\/build-push-action|docker\/bake-action/i.test(step.uses.value)) continue;
        for (const entry of splitList(value.value)) {
          const [id, ...rest] = entry.split('=');
          if (id) provided.push({ file: workflow.path, line: value.line, id: unquote(id), source: input === 'secret-files' ? unquote(rest.join('=')) : undefined });
        }
      }
      if (step.run) {
        for (const match of step.run.value.matchAll(/--secret[=\s]+["']?([^\s"']+)/g)) {
          const options = mountOptions(match[1]!);
          if (options.id) provided.push({ file: workflow.path, line: lineInRun(workflow, step, match[0]), id: options.id, source: options.src ?? options.source });
        }
      }
    }
  }
  return provided;
}

function checkSecrets(workflows: readonly WorkflowFile[], dockerfiles: readonly Dockerfile[], files: ReadonlyMap<string, string>, report: Report): void {
  const mounts = secretMounts(dockerfiles);
  const provided = providedSecrets(workflows);

  for (const mount of mounts) {
    if (!mount.required) {
      report(mount.file, mount.line, 'secret-not-required', `the secret mount "${mount.id}" is not required=true: if the secret is missing, BuildKit runs the step without it (build-push-action drops a missing secret file with only a warning)`, `add required=true to the mount: --mount=type=secret,id=${mount.id},required=true`);
    }
  }

  if (mounts.length > 0 && provided.length > 0) {
    const providedIds = new Set(provided.map((p) => p.id));
    const mountedIds = new Set(mounts.map((m) => m.id));
    for (const mount of mounts) {
      if (!providedIds.has(mount.id)) {
        report(mount.file, mount.line, 'secret-id-mismatch', `mounts secret id "${mount.id}", but the workflow provides ${[...providedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the Dockerfile mount and in the workflow (secret-files / secrets / --secret id=)');
      }
    }
    for (const secret of provided) {
      if (!mountedIds.has(secret.id)) {
        report(secret.file, secret.line, 'secret-id-mismatch', `provides secret id "${secret.id}", but the Dockerfile mounts ${[...mountedIds].map((id) => `"${id}"`).join(', ')}`, 'use the same id in the workflow and in the Dockerfile mount (--mount=type=secret,id=...)');
      }
    }
  }

  // Code that reads /run/secrets/<name> must read where a mount puts the secret.
  const targets = new Set(mounts.map((m) => m.target).filter((t) => t !== ''));
  const readers: [string, string][] = [...files].filter(([path]) => SOURCE_FILE.test(path) || isDockerfilePath(path));
  for (const [path, text] of readers) {
    text.split('\n').forEach((line, index) => {
      // A comment that names a path reads nothing.
      if (/^\s*(#|\/\/|\/?\*)/.test(line)) return;
      for (const match of line.matchAll(/\/run\/secrets\/[\w.-]+/g)) {
        if (!targets.has(match[0])) {
          const where = targets.size > 0 ? `the Dockerfile mounts the secret at ${[...targets].join(', ')}` : 'no Dockerfile mounts a secret there';
          report(path, index + 1, 'secret-path-mismatch', `reads ${match[0]}, but ${where}`, `read the mount's path, or set target=${match[0]} on the mount`);
        }
      }
    });
  }
}

// ---- the credentials file -------------------------------------------------------------

interface CredentialFile {
  readonly workflow: WorkflowFile;
  readonly step: WorkflowStep;
  readonly line: number;
  /** As written, variables resolved. */
  readonly path: string;
}

function credentialFiles(workflow: WorkflowFile): CredentialFile[] {
  const found: CredentialFile[] = [];
  for (const step of workflow.steps) {
    if (step.run && ASSUME_ROLE.test(step.run.value)) {
      const resolved = resolveShell(step.run.value, step.env);
      for (const match of resolved.matchAll(/(?<![>&\d])>(?![>&])\s*("[^"]+"|'[^']+'|[^\s;|&)]+)|\btee\s+(?:-a\s+)?("[^"]+"|'[^']+'|[^\s;|&)]+)/g)) {
        const target = unquote(match[1] ?? match[2]!);
        if (RUNNER_OUTPUT_FILES.test(target)) continue;
        found.push({ workflow, step, line: lineInRun(workflow, step, rawRedirect(step.run.value, match.index!, resolved)), path: target });
      }
    }
    const secretFiles = step.with['secret-files'];
    if (secretFiles && step.uses && /docker\/build-push-action/i.test(step.uses.value)) {
      for (const entry of splitList(secretFiles.value)) {
        const source = unquote(entry.split('=').slice(1).join('='));
        if (source && !source.includes('${{')) found.push({ workflow, step, line: secretFiles.line, path: source });
      }
    }
  }
  // One finding per path: the file written and the same file handed to the build are one file.
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = normalizePath(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The redirect's text in the unresolved script, for its line: the first `>` on the same logical line. */
function rawRedirect(raw: string, resolvedIndex: number, resolved: string): string {
  const lineNumber = resolved.slice(0, resolvedIndex).split('\n').length - 1;
  const logicalLines = raw.replace(/\\\r?\n/g, '\u0000').split('\n');
  const logical = logicalLines[lineNumber] ?? '';
  const parts = logical.split('\u0000');
  return parts.find((part) => />(?![>&])|\btee\s/.test(part)) ?? parts[0] ?? '';
}

function isOutsideWorkspace(path: string): boolean {
  if (/^(\$\{?GITHUB_WORKSPACE\}?|\$\{\{\s*github\.workspace\s*\}\})/.test(path)) return false;
  return /^(\$\{?(RUNNER_TEMP|HOME|RUNNER_TOOL_CACHE)\}?|\$\{\{\s*runner\.temp\s*\}\}|~|\/)/.test(path);
}

function normalizePath(path: string): string {
  return path.replace(/^\.\//, '');
}

function checkCredentialFiles(workflows: readonly WorkflowFile[], files: ReadonlyMap<string, string>, report: Report): void {
  const dockerignore = files.get('.dockerignore');
  for (const workflow of workflows) {
    const written = credentialFiles(workflow);
    for (const file of written) {
      if (!isOutsideWorkspace(file.path)) {
        report(workflow.path, file.line, 'credentials-in-build-context', `the credentials file ${file.path} is in the workspace, the build context: COPY . . bakes it into an image layer`, 'write it under $RUNNER_TEMP (outside the checkout) and pass that path to the build');
      }
      const name = file.path.split('/').pop()!;
      const covered = dockerignore !== undefined && isDockerignored(dockerignore, name) && isDockerignored(dockerignore, `sub/dir/${name}`);
      if (!covered) {
        const why = dockerignore === undefined ? 'there is no .dockerignore' : '.dockerignore does not exclude it';
        report(workflow.path, file.line, 'credentials-not-dockerignored', `the credentials file name ${name} could enter a build context: ${why}`, `add "**/${name}" (or a pattern such as "**/*credentials*") to .dockerignore`);
      }
    }
    const steps = [...new Set(written.map((f) => f.step))].filter((step) => step.run && ASSUME_ROLE.test(step.run.value));
    for (const step of steps) {
      if (!step.run!.value.includes('::add-mask::')) {
        report(workflow.path, step.run!.line, 'credentials-not-masked', 'the step writes temporary credentials without masking them: a later `cat`, `set -x` or error message prints them in the log', 'echo "::add-mask::$value" for the access key id, the secret key and the session token before using them');
      }
      const paths = written.filter((f) => f.step === step).map((f) => normalizePath(f.path));
      const later = workflow.steps.filter((s) => s.job === step.job && s.index > step.index);
      const removed = later.some(
        (s) => s.run && /always\(\)/.test(s.if ?? '') && /\brm\b/.test(s.run.value) &&
          paths.every((path) => removesPath(resolveShell(s.run!.value, s.env), path)),
      );
      if (!removed) {
        report(workflow.path, step.run!.line, 'credentials-not-removed', `no later step with if: always() removes ${paths.join(', ')}: it outlives the job on a self-hosted or reused runner`, `add a last step: - if: always()\n  run: rm -f -- "${paths[0] ?? 'the credentials file'}"`);
      }
    }
  }
}

function removesPath(script: string, path: string): boolean {
  return script.split('\n').some((line) => {
    if (!/\brm\b/.test(line)) return false;
    const operands = line.replace(/\brm\b/, '').split(/\s+/).map(unquote).filter((word) => word && !word.startsWith('-')).map(normalizePath);
    return operands.some((operand) => path === operand || path.startsWith(`${operand.replace(/\/+$/, '')}/`));
  });
}

// ---- ARG / ENV / build arguments ------------------------------------------------------

function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !LOCATION_NAME.test(name);
}

function checkBuildArguments(workflows: readonly WorkflowFile[], dockerfiles: readonly Dockerfile[], report: Report): void {
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') continue;
      for (const name of definedNames(instruction).filter(isCredentialName)) {
        const rule = instruction.keyword === 'ARG' ? 'credential-in-arg' : 'credential-in-env';
        report(dockerfile.path, instruction.line, rule, `${instruction.keyword} ${name} looks like a credential: ${instruction.keyword === 'ARG' ? 'build arguments show in `docker history` and the provenance attestation' : 'ENV values are stored in the image config'}`, 'hand credentials over as a BuildKit secret mounted on the one RUN that needs them (RUN --mount=type=secret,id=...,required=true)');
      }
    }
  }
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const buildArgs = step.with['build-args'];
      if (buildArgs && step.uses && /docker\/build-push-action/i.test(step.uses.value)) {
        for (const entry of splitList(buildArgs.value)) {
          const name = entry.split('=')[0]!.trim();
          if (isCredentialName(name)) {
            report(workflow.path, buildArgs.line, 'credential-in-build-arg', `build argument ${name} looks like a credential: build arguments show in \`docker history\` and the provenance attestation`, 'pass it with secret-files / secrets and mount it on the RUN step that needs it');
          }
        }
      }
      if (step.run) {
        for (const match of step.run.value.matchAll(/--build-arg[=\s]+["']?([A-Za-z_]\w*)/g)) {
          if (isCredentialName(match[1]!)) {
            report(workflow.path, lineInRun(workflow, step, match[0]), 'credential-in-build-arg', `--build-arg ${match[1]} looks like a credential: build arguments show in \`docker history\``, 'use --secret id=...,src=... and a secret mount instead');
          }
        }
      }
    }
  }
}

// ---- ${{ }} in run: -------------------------------------------------------------------

function checkExpressionsInRun(workflows: readonly WorkflowFile[], report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const scripts = [step.run && { source: step.run.source, offset: step.run.startOffset, key: 'run:' }];
      const script = step.with.script;
      if (script && step.uses && usesAction(step, 'actions/github-script')) {
        scripts.push({ source: `${script.value}`, offset: -1, key: 'with.script:' });
      }
      for (const entry of scripts) {
        if (!entry) continue;
        for (const match of entry.source.matchAll(/\$\{\{\s*([\s\S]*?)\s*\}\}/g)) {
          const line = entry.offset >= 0 ? workflow.lineOf(entry.offset + match.index!) : script!.line;
          const name = match[1]!.replace(/[^\w.-]+/g, '_').toUpperCase().replace(/^.*\./, '') || 'VALUE';
          report(workflow.path, line, 'expression-in-run', `\${{ ${match[1]} }} is pasted into the ${entry.key} script before the shell runs: a value with quotes or $(...) becomes code`, `pass it through env: (env: { ${name}: \${{ ${match[1]} }} }) and use "$${name}" in the script`);
        }
      }
    }
  }
}

// ---- trust policies ------------------------------------------------------------------

interface TrustStatement {
  readonly file: string;
  readonly line: number;
  readonly actions: readonly string[];
  /** `:sub` condition values with their lines. */
  readonly subjects: readonly { value: string; line: number }[];
  readonly federated: readonly string[];
}

/** CloudFormation's short-form intrinsics, read as plain values so that templates parse. */
const CLOUDFORMATION_TAGS: Tags = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Select', 'Split', 'FindInMap', 'GetAZs', 'ImportValue', 'Base64', 'Cidr', 'And', 'Or', 'Not', 'Condition', 'Transform', 'ToJsonString', 'Length']
  .flatMap((name) => (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'scalar' ? undefined : collection,
    resolve: (value: unknown) => value,
    identify: () => false,
  }) as unknown as Tags[number]));

interface PolicyFiles {
  readonly statements: TrustStatement[];
  readonly policyFiles: number;
  /** IAM documents and templates that do not parse, so their trust could not be checked. */
  readonly unreadable: { file: string; line: number; message: string }[];
}

function collectTrustStatements(files: ReadonlyMap<string, string>): PolicyFiles {
  const statements: TrustStatement[] = [];
  const unreadable: PolicyFiles['unreadable'] = [];
  let policyFiles = 0;
  for (const [path, text] of files) {
    const isJson = path.endsWith('.json');
    const isTemplate = /\.(ya?ml|template)$/.test(path) && /AWSTemplateFormatVersion|AWS::IAM::Role/.test(text);
    if (!isJson && !isTemplate) continue;
    if (isWorkflowPath(path)) continue;
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, customTags: CLOUDFORMATION_TAGS, uniqueKeys: false, prettyErrors: false });
    if (doc.errors.length > 0 || !doc.contents) {
      if (isTemplate || /(^|\/)iam\//.test(path)) {
        const error = doc.errors[0];
        unreadable.push({ file: path, line: error ? lineCounter.linePos(error.pos[0]).line : 1, message: error ? error.message.split('\n')[0]! : 'is empty' });
      }
      continue;
    }
    const lineOf = (node: unknown) => lineCounter.linePos((node as Node | undefined)?.range?.[0] ?? 0).line;
    let holdsPolicy = false;
    visitPolicies(doc.contents, (document) => {
      holdsPolicy = true;
      const list = document.get('Statement', true);
      for (const statement of isSeq(list) ? list.items : [list]) {
        if (!isMap(statement)) continue;
        const actions = strings(statement.get('Action', true));
        const principal = statement.get('Principal', true);
        const federated = isMap(principal) ? strings(principal.get('Federated', true)) : [];
        const subjects: { value: string; line: number }[] = [];
        const condition = statement.get('Condition', true);
        if (isMap(condition)) {
          for (const operator of condition.items) {
            if (!isMap(operator.value)) continue;
            for (const pair of operator.value.items) {
              const key = String(isScalar(pair.key) ? pair.key.value : '');
              if (!/:sub$/.test(key)) continue;
              const values = isSeq(pair.value) ? pair.value.items : [pair.value];
              for (const value of values) {
                if (isScalar(value)) subjects.push({ value: String(value.value), line: lineOf(value) });
              }
            }
          }
        }
        statements.push({ file: path, line: lineOf(statement), actions, subjects, federated });
      }
    });
    if (holdsPolicy) policyFiles++;
  }
  return { statements, policyFiles, unreadable };
}

/** Calls back for every map that looks like a policy document (has a Statement), at any depth. */
function visitPolicies(node: unknown, onPolicy: (document: import('yaml').YAMLMap<unknown, unknown>) => void): void {
  if (isMap(node)) {
    if (node.has('Statement')) onPolicy(node);
    for (const pair of node.items) visitPolicies(pair.value, onPolicy);
  } else if (isSeq(node)) {
    for (const item of node.items) visitPolicies(item, onPolicy);
  }
}

function strings(node: unknown): string[] {
  if (isScalar(node)) return [String(node.value)];
  if (isSeq(node)) return node.items.filter(isScalar).map((item) => String((item as ParsedNode & { value: unknown }).value));
  return [];
}

function checkTrust(workflows: readonly WorkflowFile[], policies: PolicyFiles, report: Report): void {
  for (const file of policies.unreadable) {
    report(file.file, file.line, 'file-unreadable', `could not be parsed, so its policies were not checked: ${file.message}`, 'fix the JSON/YAML syntax (AWS rejects it too), then run verify again');
  }
  const webIdentity = policies.statements.filter((s) => s.actions.some((a) => /^sts:(AssumeRoleWithWebIdentity|\*)$/i.test(a)));
  for (const statement of webIdentity) {
    if (statement.federated.length > 0 && !statement.federated.some((f) => f.includes('token.actions.githubusercontent.com'))) continue;
    if (statement.subjects.length === 0) {
      report(statement.file, statement.line, 'trust-missing-sub', 'trusts GitHub OIDC tokens without a sub condition: any workflow of any repository on GitHub can assume the role', 'add "token.actions.githubusercontent.com:sub": "repo:OWNER/NAME:ref:refs/heads/main" (StringEquals) to the Condition');
    }
    for (const subject of statement.subjects) {
      const problem = subjectProblem(subject.value);
      if (problem) {
        report(statement.file, subject.line, 'trust-wildcard-sub', `sub "${subject.value}" ${problem}`, 'name the repository and the ref or environment: repo:OWNER/NAME:ref:refs/heads/main or repo:OWNER/NAME:environment:production');
      }
    }
  }

  // A repo that keeps its IAM documents but not the trust of the role it assumes with OIDC.
  if (policies.policyFiles > 0 && webIdentity.length === 0) {
    for (const workflow of workflows) {
      for (const step of workflow.steps) {
        const role = step.with['role-to-assume'];
        if (!role || !usesAction(step, 'aws-actions/configure-aws-credentials') || step.with['aws-access-key-id'] || /^true$/i.test(step.with['role-chaining']?.value ?? '')) continue;
        report(workflow.path, role.line, 'oidc-trust-missing', `assumes ${role.value} with GitHub OIDC, but none of the repository's IAM documents is an OIDC trust policy: which repository and branch may assume it is not written down`, 'add the role\'s trust policy: Principal Federated = the token.actions.githubusercontent.com provider, Action sts:AssumeRoleWithWebIdentity, Condition StringEquals aud = sts.amazonaws.com and sub = repo:OWNER/NAME:ref:refs/heads/main');
      }
    }
  }
}

/** Why a trusted sub pattern lets in more than one repository's chosen refs, if it does. */
function subjectProblem(subject: string): string | undefined {
  if (/^[*?]+$/.test(subject)) return 'matches every repository on GitHub';
  const match = /^repo:([^:]*):?(.*)$/.exec(subject);
  if (!match) return subject.includes('*') || subject.includes('?') ? 'uses a wildcard outside the repo:OWNER/NAME:CONTEXT form' : undefined;
  const [, repository, context] = match as unknown as [string, string, string];
  if (/[*?]/.test(repository)) return 'has a wildcard in the repository part: other repositories can match';
  if (context === '' || /^[*?]+$/.test(context)) return 'allows every branch, tag, environment and pull request of the repository';
  if (/^(ref:\*|ref:refs\/\*|ref:refs\/(heads|tags)\/\*|environment:\*)$/.test(context)) return `allows every ${context.startsWith('environment') ? 'environment' : 'ref'} of the repository`;
  return undefined;
}

// ---- chained session duration --------------------------------------------------------

function checkChainedDuration(workflows: readonly WorkflowFile[], report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const earlierRole = workflow.steps.some((s) => s.job === step.job && s.index < step.index && usesAction(s, 'aws-actions/configure-aws-credentials') && s.with['role-to-assume']);
      if (usesAction(step, 'aws-actions/configure-aws-credentials') && /^true$/i.test(step.with['role-chaining']?.value ?? '')) {
        const duration = step.with['role-duration-seconds'];
        if (duration && Number(resolveShell(duration.value, step.env)) > MAX_CHAINED_SESSION_DURATION) {
          report(workflow.path, duration.line, 'chained-session-too-long', `role-duration-seconds ${duration.value} with role-chaining: STS refuses more than ${MAX_CHAINED_SESSION_DURATION} s for a session assumed from another role's session`, `set role-duration-seconds to ${MAX_CHAINED_SESSION_DURATION} or less`);
        }
      }
      if (step.run && earlierRole && /\bsts\s+assume-role\b/.test(step.run.value)) {
        const resolved = resolveShell(step.run.value, step.env);
        for (const match of resolved.matchAll(/--duration-seconds[=\s]+["']?(\S+?)["']?(?=\s|$)/g)) {
          if (Number(match[1]) > MAX_CHAINED_SESSION_DURATION) {
            report(workflow.path, lineInRun(workflow, step, '--duration-seconds'), 'chained-session-too-long', `assume-role --duration-seconds ${match[1]} after the OIDC role: a chained session is capped at ${MAX_CHAINED_SESSION_DURATION} s and STS rejects the call`, `use --duration-seconds ${MAX_CHAINED_SESSION_DURATION} or less`);
          }
        }
      }
    }
  }
}

// ---- actions -------------------------------------------------------------------------

function checkActions(workflows: readonly WorkflowFile[], report: Report): void {
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      if (!step.uses) continue;
      const uses = step.uses.value;
      if (uses.startsWith('./')) continue;
      if (uses.startsWith('docker://')) {
        if (!/@sha256:[a-f0-9]{64}$/.test(uses)) {
          report(workflow.path, step.uses.line, 'action-not-pinned', `${uses} is not pinned to an image digest: the tag can be moved to other content`, `pin it: ${uses.replace(/@.*$/, '')}@sha256:<digest>`);
        }
        continue;
      }
      const ref = uses.includes('@') ? uses.slice(uses.lastIndexOf('@') + 1) : '';
      if (!/^[0-9a-f]{40}$/.test(ref)) {
        const known = Object.values(ACTIONS).find((a) => a.repository.toLowerCase() === actionName(uses).toLowerCase());
        const example = known ? `${known.repository}@${known.sha} # ${known.version}` : `${actionName(uses)}@<40-hex commit SHA> # <tag>`;
        report(workflow.path, step.uses.line, 'action-not-pinned', `${uses} is not pinned to a commit SHA: whoever controls the tag "${ref || '(none)'}" controls the code that runs with your AWS role`, `pin it to the release's full commit SHA, e.g. ${example}`);
      }
      const known = Object.values(ACTIONS).find((a) => a.repository.toLowerCase() === actionName(uses).toLowerCase());
      const version = /^v\d/.test(ref) ? ref : step.uses.comment;
      const major = version ? /^v?(\d+)/.exec(version)?.[1] : undefined;
      const currentMajor = known ? /^v(\d+)/.exec(known.version)![1] : undefined;
      if (known && major && Number(major) < Number(currentMajor)) {
        report(workflow.path, step.uses.line, 'action-outdated', `${actionName(uses)} ${version} is older than the current major version ${known.version}`, `upgrade to ${known.repository}@${known.sha} # ${known.version}`);
      }
    }
  }
}

// ---- base image ----------------------------------------------------------------------

function checkBaseImages(dockerfiles: readonly Dockerfile[], today: Date, report: Report): void {
  for (const dockerfile of dockerfiles) {
    const args: Record<string, string> = {};
    const stages = new Set<string>();
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword === 'ARG' && stages.size === 0) {
        for (const match of instruction.args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S*)/g)) args[match[1]!] = unquote(match[2]!);
      }
      if (instruction.keyword !== 'FROM') continue;
      const [imageWord, , stage] = instruction.args.trim().split(/\s+/);
      if (stage) stages.add(stage.toLowerCase());
      const image = (imageWord ?? '').replace(/\$\{([A-Za-z_]\w*)(?::-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_, braced?: string, fallback?: string, bare?: string) => args[braced ?? bare!] ?? fallback ?? '');
      if (stages.has(image.toLowerCase()) && image !== imageWord) continue;
      const node = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(image);
      if (!node) continue;
      const major = Number(node[1]);
      const endOfLife = NODE_END_OF_LIFE[major] ?? (major < 18 ? 'before 2025' : undefined);
      if (endOfLife && (major < 18 || new Date(`${endOfLife}T00:00:00Z`) <= today)) {
        report(dockerfile.path, instruction.line, 'base-image-end-of-life', `${image} is Node.js ${major}, end of life since ${endOfLife}: no more security fixes`, 'use a supported release line (see https://github.com/nodejs/Release), e.g. node:24-slim or newer');
      }
    }
  }
}

// ---- AWS SDK v2 ----------------------------------------------------------------------

function checkSdkVersion(files: ReadonlyMap<string, string>, report: Report): void {
  for (const [path, text] of files) {
    if (path.split('/').pop() === 'package.json') {
      text.split('\n').forEach((line, index) => {
        if (/^\s*"aws-sdk"\s*:/.test(line)) {
          report(path, index + 1, 'aws-sdk-v2', 'depends on aws-sdk, the AWS SDK for JavaScript v2, which is out of support', 'replace it with the v3 clients, e.g. @aws-sdk/client-s3 and @aws-sdk/lib-storage');
        }
      });
    } else if (/\.(m?[jt]s|cjs|cts)$/.test(path)) {
      text.split('\n').forEach((line, index) => {
        if (/(require\(\s*|from\s+|import\s+)['"]aws-sdk(\/[^'"]*)?['"]/.test(line)) {
          report(path, index + 1, 'aws-sdk-v2', 'loads aws-sdk, the AWS SDK for JavaScript v2, which is out of support', 'use the v3 clients (@aws-sdk/client-s3); they read the same credentials file through the default chain');
        }
      });
    }
  }
}

// ---- helpers -------------------------------------------------------------------------

/** Items of a multi-line or comma-separated action input. */
function splitList(value: string): string[] {
  return value.split(/\r?\n|,(?=[^,=]*=)/).map((item) => item.trim()).filter((item) => item !== '' && !item.startsWith('#'));
}

function unquote(value: string): string {
  return value.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** The file line of the first occurrence of `needle` in a step's run: source, or the run: key's line. */
function lineInRun(workflow: WorkflowFile, step: WorkflowStep, needle: string): number {
  const at = needle ? step.run!.source.indexOf(needle.trim()) : -1;
  return at >= 0 ? workflow.lineOf(step.run!.startOffset + at) : step.run!.line;
}
