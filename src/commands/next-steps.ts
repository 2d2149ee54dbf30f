import type { KeylessBuildConfig } from '../core/config';

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** The manager that ran us (`npm create`, `pnpm create`, ...), from npm_config_user_agent. */
export function detectPackageManager(env: NodeJS.ProcessEnv): PackageManager {
  const agent = env.npm_config_user_agent?.split(' ')[0]?.split('/')[0];
  return agent === 'pnpm' || agent === 'yarn' || agent === 'bun' ? agent : 'npm';
}

/** How the package manager runs the repo's own projen. */
export function projenCommand(packageManager: PackageManager): [string, string[]] {
  if (packageManager === 'npm') return ['npx', ['projen']];
  if (packageManager === 'bun') return ['bunx', ['projen']];
  return [packageManager, ['exec', 'projen']];
}

export interface NextStepsInput {
  readonly config: KeylessBuildConfig;
  /** The directory to `cd` into; none when the repo was created in the current directory. */
  readonly changeTo?: string;
  readonly flags: { readonly projen: boolean; readonly install: boolean; readonly git: boolean; readonly adopt: boolean };
  readonly packageManager: PackageManager;
  /** In order: role A's account first. */
  readonly deployCommands: readonly string[];
}

/** The numbered steps create prints last: install, deploy the roles, commit, push. */
export function nextSteps({ config, changeTo, flags, packageManager, deployCommands }: NextStepsInput): string {
  const steps: string[] = changeTo ? [`cd ${changeTo}`] : [];
  if (!flags.install) {
    steps.push(`${packageManager} install${flags.projen ? ` && ${projenCommand(packageManager).flat().join(' ')}` : ''}`);
  }
  if (flags.adopt) {
    // The repo exists already, with its remote: review what projen now owns, then commit.
    steps.push('git diff', 'git add -A && git commit -m "Manage keyless-build files with projen"');
    return ['', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`), ''].join('\n');
  }
  if (config.existingOidcRole) {
    steps.push(`hand README.md's "For role A's owners" (iam/for-oidc-role-owners.json) to the owners of ${config.oidcRoleArn}`);
  }
  steps.push(...deployCommands);
  if (!flags.git) steps.push('git init');
  steps.push('git add -A && git commit -m "keyless-build"', `git remote add origin git@github.com:${config.repo}.git`, `git push -u origin ${config.branches[0] ?? 'main'}`);
  const notes: string[] = [];
  if (!config.ownerId && config.subjects.length > 0 && config.issuer.kind !== 'ghes') {
    notes.push(`If ${config.repo} was created on or after 2026-07-15, its OIDC tokens carry immutable subjects:`, `re-run with --owner-id and --repo-id (gh api repos/${config.repo} --jq '.owner.id, .id').`);
  }
  return ['', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`), ...(notes.length ? ['', ...notes] : []), ''].join('\n');
}
