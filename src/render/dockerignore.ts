import { OUT_DIR } from '../core/constants';

/**
 * Keeps credentials and local state out of the build context. The workflow writes its
 * credentials under $RUNNER_TEMP, outside the context; these lines are the second guard.
 */
export const DOCKERIGNORE_PATTERNS: readonly string[] = [
  '# Credentials: never part of the build context',
  '**/credentials',
  '**/credentials.json',
  '**/*credentials*.ini',
  '**/*.pem',
  '**/*.key',
  '**/.aws',
  '**/.env',
  '**/.env.*',
  '**/.npmrc',
  '# Local state',
  '.git',
  '.github',
  '**/node_modules',
  OUT_DIR,
  'cdk.out',
  '*.log',
];

export function renderDockerignore(marker?: string): string {
  return [...(marker ? [`# ${marker}`] : []), ...DOCKERIGNORE_PATTERNS, ''].join('\n');
}
