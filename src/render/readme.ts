import { MANIFEST_FILE, NUMBER_SETTINGS } from '@keyless-build/upload/settings';
import type { KeylessBuildConfig } from '../core/config';
import { HAND_OVER_FILE, SECRET_ID, SECRET_TARGET, UPLOAD_STAGE } from '../core/constants';
import { stsAudience } from '../core/partition';
import { boundaryArn, CLOUDFORMATION_PATH, deployCommandOf, stackName, templateFiles } from './cloudformation';
import { oidcRolePermissionPolicy } from './iam';
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
  const templateList = templateFiles(config);
  return templates['README.md']!({
    ...config,
    version: options.version,
    projen: options.projen,
    secretId: SECRET_ID,
    secretTarget: SECRET_TARGET,
    uploadStage: UPLOAD_STAGE,
    stackName: stackName(config),
    cloudFormationPath: CLOUDFORMATION_PATH,
    oidcHost: config.issuer.name,
    oidcAudience: stsAudience(config.partition),
    issuerUrl: config.issuer.url,
    enterpriseIssuer: config.issuer.kind === 'enterprise',
    ghes: config.issuer.kind === 'ghes',
    ghesHost: config.issuer.host ?? '',
    templates: templateList.map((file) => ({
      path: file.path,
      account: file.account,
      stackName: file.stackName,
      profile: file.profile ?? '',
      what: file.role === 'upload' ? `role B (${config.uploadRoleName})${config.createBucket ? ' and the bucket' : ''}` : mainAccountContents(config),
      command: deployCommandOf(config, file).replace(/ --/g, ' \\\n  --'),
    })),
    twoTemplates: templateList.length > 1,
    handOverFile: HAND_OVER_FILE,
    handOverJson: JSON.stringify(oidcRolePermissionPolicy(config), null, 2),
    kmsKeyInRoleAAccount: Boolean(config.kmsKeyArn && config.crossAccount && config.kmsKeyArn.split(':')[4] === config.account),
    uploadBoundary: boundaryArn(config, config.uploadAccount) ?? '',
    sampleRunSourceIdentity: 'github-1234567890-octocat',
    createsOidcProvider: config.oidcProvider === 'create',
    createsBucket: config.createBucket,
    createsEcrRepository: config.createEcrRepository,
    // With the ids known, create has chosen the subject format already: no note on it.
    repositoryIdsKnown: Boolean(config.ownerId),
    files: listed,
    uploaderSpec: Object.entries(UPLOADER_DEPENDENCIES).map(([name, range]) => `\`"${name}": "${range}"\``).join(', '),
    manifest: MANIFEST_FILE,
    uploaderSettings: Object.values(NUMBER_SETTINGS),
  });
}

/** What role A's account's template creates, in words. */
function mainAccountContents(config: KeylessBuildConfig): string {
  const parts = [
    ...(config.oidcProvider === 'create' && !config.existingOidcRole ? ["GitHub's OIDC provider"] : []),
    ...(config.existingOidcRole ? [] : [`role A (${config.oidcRoleName})`]),
    ...(config.createEcrRepository ? [`the ECR repository ${config.ecrRepository}`] : []),
  ];
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? '');
}

function describeOwner(owner: string, projen: boolean): string {
  if (owner === 'managed') return projen ? 'managed: rewritten by `npx projen`' : 'generated, yours to edit';
  if (owner === 'projen') return 'projen';
  return 'yours (written once)';
}
