import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs, UsageError } from './args';
import { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from '../core/config';
import { ConfigError } from '../core/config-error';
import { REQUIRED_PARAMETERS } from '../core/parameters';
import { PROJEN_FILE_MARKER } from '../core/constants';
import { createHelp } from './create-help';
import { UPLOADER_DEPENDENCIES, UPLOADER_DEV_DEPENDENCIES } from '../render/package-files';
import { findParameter, type ParameterName } from '../core/parameters';
import { packageVersion } from '../package-version';
import { isEmptyDirectory, writeFilesAtomically, type FileToWrite } from './write-files';

export interface CreateContext {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly interactive: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The name the user typed, for --help. */
  readonly command: string;
}

/** 0 done, 1 failed, 2 bad input. */
export type ExitCode = 0 | 1 | 2;

/** Where the projen repo's devDependency on this package comes from; a tarball path when testing a local build. */
export const PACKAGE_SPEC_VARIABLE = 'CREATE_KEYLESS_BUILD_SPEC';

export async function init(context: CreateContext): Promise<ExitCode> {
  const { stdout, stderr } = context;
  const version = packageVersion();

  // 1. Read the command line.
  let parsed;
  try {
    parsed = parseArgs(context.argv);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { flags } = parsed;
  if (flags.help) {
    stdout(createHelp(context.command, version));
    return 0;
  }
  if (flags.version) {
    stdout(`${version}\n`);
    return 0;
  }

  // 2. Ask for what is missing, only when someone can answer.
  let options: Record<string, unknown> = parsed.options;
  const missing = REQUIRED_PARAMETERS.filter((name) => options[name] === undefined || options[name] === '');
  if (missing.length > 0) {
    if (!context.interactive || flags.yes) {
      stderr(missingMessage(missing, flags.yes));
      return 2;
    }
    const { promptForMissing } = await import('./prompts.js');
    const answered = await promptForMissing(options, missing);
    if (!answered) return 1;
    options = answered;
  }

  // 3. Validate everything; report every problem at once.
  let config: KeylessBuildConfig;
  try {
    config = resolveConfig(options as unknown as KeylessBuildOptions);
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr(`error: ${error.message}\nNothing was written.\n`);
      return 2;
    }
    throw error;
  }

  // 4. Check the target directory.
  const directory = parsed.directory ?? config.repoName;
  const target = resolve(context.cwd, directory);
  if (existsSync(target) && !statSync(target).isDirectory()) {
    stderr(`error: ${directory} exists and is not a directory. Choose another target directory.\nNothing was written.\n`);
    return 2;
  }
  if (flags.adopt) {
    if (!flags.projen) {
      stderr('error: --adopt makes the repo projen-managed and cannot be combined with --no-projen. Drop one of them.\nNothing was written.\n');
      return 2;
    }
    if (existsSync(join(target, '.projenrc.ts'))) {
      stderr(`error: ${directory} already has a .projenrc.ts. Change the parameters there and run \`npx projen\`.\nNothing was written.\n`);
      return 2;
    }
  } else if (!flags.force && !isEmptyDirectory(target)) {
    stderr(`error: ${directory} is not empty. Choose another directory, or pass --force to write into it (files of the same name are replaced).\nNothing was written.\n`);
    return 2;
  }

  // 5. Render every file in memory before touching the disk.
  const packageManager = detectPackageManager(context.env);
  const packageSpec = context.env[PACKAGE_SPEC_VARIABLE] || `create-keyless-build@^${version}`;
  const { renderRepository, deployCommand, packageName } = await import('../render/repository.js');
  const files: FileToWrite[] = renderRepository(config, {
    projen: flags.projen,
    marker: flags.projen ? PROJEN_FILE_MARKER : undefined,
    version,
  })
    // Adopting keeps every file the user already owns; only the managed ones are replaced.
    .filter((file) => !(flags.adopt && file.owner === 'sample' && existsSync(join(target, file.path))))
    .map((file) => ({ path: file.path, content: file.content, readonly: flags.projen && file.owner === 'managed' }));
  if (flags.projen) {
    const { renderProjenrc } = await import('../projen/projenrc-file.js');
    const name = packageName(config);
    files.push({ path: '.projenrc.ts', content: renderProjenrc(options as unknown as KeylessBuildOptions, name, packageSpec, packageManager) });
    files.push({ path: 'package.json', content: bootstrapPackageJson(name, packageSpec) });
    files.push({ path: '.projen/tasks.json', content: BOOTSTRAP_TASKS });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));

  // 6. A dry run shows the tree and stops.
  if (flags.dryRun) {
    stdout(`Would create ${relative(context.cwd, target) || '.'}/ with ${files.length} files (nothing written):\n`);
    for (const file of files) stdout(`  ${file.path}${file.readonly ? '  (managed, read-only)' : ''}\n`);
    return 0;
  }

  const previousDependencies = flags.adopt ? unknownDependencies(target) : [];

  // 7. Stage every file, then move them into place (see writeFilesAtomically).
  try {
    writeFilesAtomically(target, files);
  } catch (error) {
    stderr(`error: could not write ${directory}: ${(error as Error).message}\nNothing was written.\n`);
    return 1;
  }
  if (flags.adopt) {
    stdout(`Adopted ${directory}/: wrote .projenrc.ts and ${files.length - 1} more files; your existing files other than the managed ones and package.json are kept.\n`);
    if (previousDependencies.length > 0) {
      stderr(`note: projen now writes package.json from .projenrc.ts; add these dependencies of the old package.json there (deps or devDeps) to keep them: ${previousDependencies.join(', ')}\n`);
    }
  } else {
    stdout(`Created ${directory}/ (${files.length} files, ${flags.projen ? 'projen-managed' : 'plain'}).\n`);
  }

  // 8. git init, install, and let projen take over.
  if (flags.git && !existsSync(join(target, '.git')) && !run('git', ['init', '--quiet'], target, stderr)) {
    stderr('warning: git init failed; run it yourself.\n');
  }
  if (flags.install) {
    stdout(`Installing with ${packageManager}...\n`);
    if (!run(packageManager, ['install'], target, stderr)) {
      stderr(`error: ${packageManager} install failed in ${directory}. The files are written; fix the cause and run it again.\n`);
      return 1;
    }
    // projen installs with a frozen lock file when CI is set; this first synth adds the dependencies.
    if (flags.projen && !run(...projenCommand(packageManager), target, stderr, { ...context.env, CI: undefined })) {
      stderr(`error: projen synth failed in ${directory}. Run \`npx projen\` there to see why.\n`);
      return 1;
    }
  }

  // 9. Say what comes next.
  const changeTo = relative(context.cwd, target) === '' ? undefined : directory;
  stdout(nextSteps(config, changeTo, flags, packageManager, deployCommand(config)));
  return 0;
}

/** Dependencies of an existing package.json that the generated one does not declare. */
function unknownDependencies(target: string): string[] {
  const path = join(target, 'package.json');
  if (!existsSync(path)) return [];
  let pkg: Record<string, Record<string, string> | undefined>;
  try {
    pkg = JSON.parse(readFileSync(path, 'utf8')) as typeof pkg;
  } catch {
    return [];
  }
  const known = new Set([...Object.keys(UPLOADER_DEPENDENCIES), ...Object.keys(UPLOADER_DEV_DEPENDENCIES)]);
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter((name) => !known.has(name)).sort();
}

function missingMessage(missing: readonly ParameterName[], yes: boolean): string {
  const lines = missing.map((name) => {
    const p = findParameter(name);
    return `  ${p.flag} <${p.example}>  ${p.description}`;
  });
  const why = yes ? '--yes was given' : 'no terminal to prompt on';
  return `error: missing required parameters (${why}):\n${lines.join('\n')}\nNothing was written.\n`;
}

/** Lets the first `npx projen` run .projenrc.ts; projen then writes its own tasks.json. */
const BOOTSTRAP_TASKS = `${JSON.stringify({ tasks: { default: { name: 'default', steps: [{ exec: 'tsx .projenrc.ts' }] } } }, null, 2)}\n`;

function bootstrapPackageJson(name: string, packageSpec: string): string {
  const [specName, specVersion] = splitSpec(packageSpec);
  return `${JSON.stringify(
    {
      name,
      private: true,
      type: 'module',
      // Replaced by projen's own package.json on the first `npx projen`.
      devDependencies: { 'projen': '^0.103.25', 'constructs': '^10.8.1', [specName]: specVersion, 'tsx': '^4.23.0', 'typescript': '~5.9.3' },
    },
    null,
    2,
  )}\n`;
}

/** `create-keyless-build@^1.0.0` or `create-keyless-build@file:/x.tgz` -> [name, version]. */
export function splitSpec(spec: string): [string, string] {
  const at = spec.indexOf('@', 1);
  return at < 0 ? [spec, '*'] : [spec.slice(0, at), spec.slice(at + 1)];
}

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The manager that ran us (`npm create`, `pnpm create`, ...), from npm_config_user_agent. */
export function detectPackageManager(env: NodeJS.ProcessEnv): PackageManager {
  const agent = env.npm_config_user_agent?.split(' ')[0]?.split('/')[0];
  return agent === 'pnpm' || agent === 'yarn' || agent === 'bun' ? agent : 'npm';
}

function projenCommand(packageManager: PackageManager): [string, string[]] {
  if (packageManager === 'npm') return ['npx', ['projen']];
  if (packageManager === 'bun') return ['bunx', ['projen']];
  return [packageManager, ['exec', 'projen']];
}

function run(command: string, args: readonly string[], cwd: string, stderr: (text: string) => void, env?: NodeJS.ProcessEnv): boolean {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) stderr(`error: ${command}: ${result.error.message}\n`);
  return result.status === 0;
}

function nextSteps(
  config: KeylessBuildConfig,
  changeTo: string | undefined,
  flags: { projen: boolean; install: boolean; git: boolean; adopt: boolean },
  pm: PackageManager,
  deploy: string,
): string {
  // No `cd` when the repo was created in the current directory.
  const steps: string[] = changeTo ? [`cd ${changeTo}`] : [];
  if (!flags.install) {
    steps.push(`${pm} install${flags.projen ? ` && ${projenCommand(pm).flat().join(' ')}` : ''}`);
  }
  if (flags.adopt) {
    // The repo exists already, with its remote: review what projen now owns, then commit.
    steps.push('git diff', 'git add -A && git commit -m "Manage keyless-build files with projen"');
    return ['', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`), ''].join('\n');
  }
  steps.push(deploy);
  if (!flags.git) steps.push('git init');
  steps.push('git add -A && git commit -m "keyless-build"', `git remote add origin git@github.com:${config.repo}.git`, `git push -u origin ${config.branches[0] ?? 'main'}`);
  const notes: string[] = [];
  if (!config.ownerId && config.subjects.length > 0) {
    notes.push(`If ${config.repo} was created on or after 2026-07-15, its OIDC tokens carry immutable subjects:`, `re-run with --owner-id and --repo-id (gh api repos/${config.repo} --jq '.owner.id, .id').`);
  }
  return ['', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`), ...(notes.length ? ['', ...notes] : []), ''].join('\n');
}
