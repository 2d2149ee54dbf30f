import { MANIFEST_FILE, NUMBER_SETTINGS } from '@keyless-build/upload/settings';
import type { KeylessBuildConfig } from '../core/config';
import { GITHUB_OIDC_HOST, SECRET_ID, SECRET_TARGET } from '../core/constants';
import { stsAudience } from '../core/partition';
import { CLOUDFORMATION_PATH, stackName } from './cloudformation';
import { UPLOADER_DEPENDENCIES } from './package-files';
import type { FileOwner, RenderOptions } from './rendered-file';
import { templates } from './templates.generated';

/** The generated repo's README (templates/README.md.hbs), with a table of the repo's files. */
export function renderReadme(config: KeylessBuildConfig, options: RenderOptions, files: readonly { path: string; owner: FileOwner }[]): string {
  const listed = [
    ...files,
    { path: 'README.md', owner: 'sample' },
    ...(options.projen ? ['.projenrc.ts', 'package.json', 'tsconfig.json'].map((path) => ({ path, owner: 'projen' })) : []),
  ]
    .map((f) => ({ path: f.path, owner: describeOwner(f.owner, options.projen) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  return templates['README.md']!({
    ...config,
    version: options.version,
    projen: options.projen,
    secretId: SECRET_ID,
    secretTarget: SECRET_TARGET,
    stackName: stackName(config),
    cloudFormationPath: CLOUDFORMATION_PATH,
    oidcHost: GITHUB_OIDC_HOST,
    oidcAudience: stsAudience(config.partition),
    createsOidcProvider: config.oidcProvider === 'create',
    createsBucket: config.createBucket,
    createsEcrRepository: config.createEcrRepository,
    immutableSubjects: Boolean(config.ownerId),
    files: listed,
    uploaderSpec: Object.entries(UPLOADER_DEPENDENCIES).map(([name, range]) => `\`"${name}": "${range}"\``).join(', '),
    manifest: MANIFEST_FILE,
    uploaderSettings: Object.values(NUMBER_SETTINGS),
  });
}

function describeOwner(owner: string, projen: boolean): string {
  if (owner === 'managed') return projen ? 'managed: rewritten by `npx projen`' : 'generated, yours to edit';
  if (owner === 'projen') return 'projen';
  return 'yours (written once)';
}
