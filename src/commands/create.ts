import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from '../core/config';
import { ConfigError } from '../core/config-error';
import { PROJEN_FILE_MARKER } from '../core/constants';
import { PARAMETERS, REQUIRED_PARAMETERS, findParameter, type ParameterDefinition, type ParameterName } from '../core/parameters';
import { packageVersion } from '../package-version';
import { UPLOADER_DEPENDENCIES, UPLOADER_DEV_DEPENDENCIES, packageName } from '../render/package-files';
import type { ArgDefinition, ArgsDefinition } from './args';
import { defineCommand, type CommandContext, type ExitCode } from './command';
import { createHelp } from './create-help';
import { detectPackageManager, nextSteps, projenCommand, type PackageManager } from './next-steps';
import { isEmptyDirectory, writeFilesAtomically, type FileToWrite } from './write-files';

/** Where the projen repo's devDependency on this package comes from; a tarball path when testing a local build. */
export const PACKAGE_SPEC_VARIABLE = 'CREATE_KEYLESS_BUILD_SPEC';

/** create's own switches, in the order --help lists them. */
export const CREATE_SWITCHES = {
  'projen': { type: 'boolean', negatable: true, description: 'write plain files instead of a projen-managed repo' },
  'git': { type: 'boolean', negatable: true, description: 'do not run git init' },
  'install': { type: 'boolean', negatable: true, description: 'do not install dependencies (nor run npx projen)' },
  'dry-run': { type: 'boolean', description: 'print the files that would be written, write nothing' },
  'force': { type: 'boolean', description: 'write into a non-empty directory, replacing files of the same name' },
  'adopt': {
    type: 'boolean',
    description: 'make an existing repo (e.g. one created with --no-projen) projen-managed:\nadds .projenrc.ts and replaces the managed files; src/ and README.md stay',
  },
  'lookup': {
    type: 'boolean',
    negatable: true,
    description: "do not look up the repo's numeric ids (gh api, or the GitHub API with GITHUB_TOKEN)\nfor its immutable OIDC subjects when --owner-id and --repo-id are missing",
  },
  'yes': { type: 'boolean', short: 'y', description: 'never prompt; fail listing every missing parameter' },
  'help': { type: 'boolean', short: 'h', description: 'show this help' },
  'version': { type: 'boolean', short: 'v', description: 'show the version' },
} satisfies ArgsDefinition;

/** One flag per row of the parameter table, read as the table's kind says. */
const PARAMETER_ARGS: ArgsDefinition = Object.fromEntries(PARAMETERS.map((p) => [p.flag.slice(2), parameterArg(p)]));

function parameterArg(parameter: ParameterDefinition): ArgDefinition {
  const base = { description: parameter.description, valueHint: parameter.example };
  switch (parameter.kind) {
    case 'list':
      return { ...base, type: 'list' };
    case 'boolean':
      return { ...base, type: 'boolean', takesBoolean: true };
    case 'integer':
      // Left as the raw string when it is not a number, so that validation can quote it.
      return { ...base, type: 'string', parse: (value) => (/^-?\d+$/.test(value.trim()) ? Number(value) : value) };
    default:
      return { ...base, type: 'string' };
  }
}

export const createCommand = defineCommand({
  meta: { name: 'create-keyless-build', description: 'create a keyless-build repository (same as create-keyless-build)' },
  args: { ...PARAMETER_ARGS, ...CREATE_SWITCHES },
  help: (name) => createHelp(name, packageVersion(), CREATE_SWITCHES),
  run: ({ args, positional, context }) => init(args, positional, context),
});

/** The create command's steps, in order; nothing is written before step 8. */
async function init(args: Readonly<Record<string, unknown>>, directoryArg: string | undefined, context: CommandContext): Promise<ExitCode> {
  const { stdout, stderr } = context;
  const version = packageVersion();
  const flags = {
    projen: args.projen === true,
    git: args.git === true,
    install: args.install === true,
    dryRun: args['dry-run'] === true,
    force: args.force === true,
    adopt: args.adopt === true,
    yes: args.yes === true,
    lookup: args.lookup === true,
  };

  // 1. The command line is read (runCommand has answered --help); --version answers here.
  if (args.version) {
    stdout(`${version}\n`);
    return 0;
  }
  let options: Record<string, unknown> = Object.fromEntries(
    PARAMETERS.filter((p) => args[p.flag.slice(2)] !== undefined).map((p) => [p.name, args[p.flag.slice(2)]]),
  );

  // 2. Ask for what is missing, only when someone can answer.
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

  // 3. Validate everything; report every problem at once. An immutable subject format may
  // wait for ids that step 5 looks up.
  const lookingUp = flags.lookup && wantsRepositoryIds(options);
  const validate = (candidate: Record<string, unknown>): KeylessBuildConfig | undefined => {
    try {
      return resolveConfig(candidate as unknown as KeylessBuildOptions);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      stderr(`error: ${error.message}\nNothing was written.\n`);
      return undefined;
    }
  };
  let config = validate(lookingUp && options.subjectFormat === 'immutable' ? { ...options, subjectFormat: undefined } : options);
  if (!config) return 2;

  // 4. Check the target directory.
  const directory = directoryArg ?? config.repoName;
  const target = resolve(context.cwd, directory);
  const refusal = targetProblem(target, directory, flags);
  if (refusal) {
    stderr(`error: ${refusal}\nNothing was written.\n`);
    return 2;
  }

  // 5. The repository's numeric ids, for its immutable OIDC subjects, when they can be known.
  if (lookingUp && config.issuer.kind !== 'ghes') {
    options = await withRepositoryIds(options, context, !flags.yes);
    config = validate(options);
    if (!config) return 2;
  }

  // 6. Render every file in memory before touching the disk.
  const packageManager = detectPackageManager(context.env);
  const packageSpec = context.env[PACKAGE_SPEC_VARIABLE] || `create-keyless-build@^${version}`;
  const files = await renderFilesToWrite(config, options as unknown as KeylessBuildOptions, { ...flags, target, version, packageSpec, packageManager });

  // 7. A dry run shows the tree and stops.
  if (flags.dryRun) {
    stdout(`Would create ${relative(context.cwd, target) || '.'}/ with ${files.length} files (nothing written):\n`);
    for (const file of files) stdout(`  ${file.path}${file.readonly ? '  (managed, read-only)' : ''}\n`);
    return 0;
  }

  const previousDependencies = flags.adopt ? unknownDependencies(target) : [];

  // 8. Stage every file, then move them into place (see writeFilesAtomically).
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

  // 9. git init, install, and let projen take over.
  if (flags.git && !existsSync(join(target, '.git')) && !run('git', ['init', '--quiet'], target, stderr)) {
    stderr('warning: git init failed; run it yourself.\n');
  }
  if (flags.install && !installAndSynth(target, directory, flags.projen, packageManager, context)) return 1;

  // 10. Say what comes next.
  const changeTo = relative(context.cwd, target) === '' ? undefined : directory;
  const { deployCommands } = await import('../render/cloudformation.js');
  stdout(nextSteps({ config, changeTo, flags, packageManager, deployCommands: deployCommands(config) }));
  return 0;
}

/**
 * Whether the ids are worth looking up: neither is given and no custom subjects replace the
 * derived ones (nor, checked once the options are valid, is the issuer a GitHub Enterprise
 * Server's: no immutable subjects there).
 */
function wantsRepositoryIds(options: Record<string, unknown>): boolean {
  return options.ownerId === undefined && options.repoId === undefined && options.subjects === undefined;
}

/**
 * Looks the ids up (gh, then the GitHub API), asks for them in a terminal when that fails, and
 * otherwise leaves the options as they are (the legacy subjects, with the warning of the next steps).
 */
async function withRepositoryIds(options: Record<string, unknown>, context: CommandContext, mayPrompt: boolean): Promise<Record<string, unknown>> {
  const repo = String(options.repo);
  const { lookUpRepositoryIds, sendsImmutableSubjects } = await import('./github-ids.js');
  const { ids, tried } = await lookUpRepositoryIds(repo, undefined, { env: context.env });
  if (ids) {
    const immutable = sendsImmutableSubjects(ids);
    const created = ids.createdAt ? `, created ${ids.createdAt.slice(0, 10)}` : '';
    context.stdout(`Looked up ${repo} with ${ids.via}: owner id ${ids.ownerId}, repo id ${ids.repoId}${created}.\n`);
    if (!immutable && options.subjectFormat === undefined) {
      context.stdout(
        `  It was created before 2026-07-15, so its OIDC tokens carry the legacy sub (repo:${repo}:...) unless it opted in to immutable subjects\n` +
          '  or was renamed or transferred since: the trust names the legacy sub and pins the two ids. If it sends the immutable form, re-run with --subject-format immutable.\n',
      );
      return { ...options, ownerId: ids.ownerId, repoId: ids.repoId, subjectFormat: 'legacy' };
    }
    return { ...options, ownerId: ids.ownerId, repoId: ids.repoId };
  }
  if (context.interactive && mayPrompt) {
    const { promptForIds } = await import('./prompts.js');
    const answered = await promptForIds(repo, tried);
    if (answered) return { ...options, ...answered };
  }
  // Not an error: most runs have neither gh nor a token. The next steps repeat what to do.
  context.stdout(`Note: ${repo}'s numeric ids are unknown (${tried.join('; ')}): the trust names the legacy sub form.\n`);
  return options;
}

/** Every file of the new repo, rendered in memory; when adopting, the user's files are left out. */
async function renderFilesToWrite(
  config: KeylessBuildConfig,
  options: KeylessBuildOptions,
  how: { projen: boolean; adopt: boolean; target: string; version: string; packageSpec: string; packageManager: PackageManager },
): Promise<FileToWrite[]> {
  const { renderRepository } = await import('../render/repository.js');
  const files: FileToWrite[] = renderRepository(config, { projen: how.projen, marker: how.projen ? PROJEN_FILE_MARKER : undefined, version: how.version })
    // Adopting keeps every file the user already owns; only the managed ones are replaced.
    .filter((file) => !(how.adopt && file.owner === 'sample' && existsSync(join(how.target, file.path))))
    .map((file) => ({ path: file.path, content: file.content, readonly: how.projen && file.owner === 'managed' }));
  if (how.projen) {
    const { projenBootstrapFiles } = await import('../projen/projenrc-file.js');
    files.push(...projenBootstrapFiles(options, packageName(config), how.packageSpec, how.packageManager));
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Installs the dependencies and, in a projen repo, runs the first synth. */
function installAndSynth(target: string, directory: string, projen: boolean, packageManager: PackageManager, context: CommandContext): boolean {
  const { stdout, stderr } = context;
  stdout(`Installing with ${packageManager}...\n`);
  if (!run(packageManager, ['install'], target, stderr)) {
    stderr(`error: ${packageManager} install failed in ${directory}. The files are written; fix the cause and run it again.\n`);
    return false;
  }
  // projen installs with a frozen lock file when CI is set; this first synth adds the dependencies.
  if (projen && !run(...projenCommand(packageManager), target, stderr, { ...context.env, CI: undefined })) {
    stderr(`error: projen synth failed in ${directory}. Run \`npx projen\` there to see why.\n`);
    return false;
  }
  return true;
}

/** Why create must not write into the target, if it must not. */
function targetProblem(target: string, directory: string, flags: { projen: boolean; adopt: boolean; force: boolean }): string | undefined {
  if (existsSync(target) && !statSync(target).isDirectory()) return `${directory} exists and is not a directory. Choose another target directory.`;
  if (flags.adopt) {
    if (!flags.projen) return '--adopt makes the repo projen-managed and cannot be combined with --no-projen. Drop one of them.';
    if (existsSync(join(target, '.projenrc.ts'))) return `${directory} already has a .projenrc.ts. Change the parameters there and run \`npx projen\`.`;
    return undefined;
  }
  if (!flags.force && !isEmptyDirectory(target)) {
    return `${directory} is not empty. Choose another directory, or pass --force to write into it (files of the same name are replaced).`;
  }
  return undefined;
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

function run(command: string, args: readonly string[], cwd: string, stderr: (text: string) => void, env?: NodeJS.ProcessEnv): boolean {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) stderr(`error: ${command}: ${result.error.message}\n`);
  return result.status === 0;
}
