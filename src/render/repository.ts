import { CLOUDFORMATION_PATH, renderCloudFormation, stackName } from './cloudformation';
export { deployCommand } from './cloudformation';
import type { KeylessBuildConfig } from '../core/config';
import { GITHUB_OIDC_HOST, SECRET_ID, SECRET_TARGET, UPLOAD_MANIFEST, WORKFLOW_PATH } from '../core/constants';
import { renderDockerignore } from './dockerignore';
import { GENERATED_SCRIPTS, GENERATED_TSCONFIG, OUT_DIR, UPLOADER_DEPENDENCIES, UPLOADER_DEV_DEPENDENCIES } from './package-files';
import { iamDocuments } from './iam';
import { stsAudience } from '../core/partition';
import { sampleFiles, templates } from './templates.generated';
import { renderWorkflow } from './workflow';
import { renderZizmorConfig, ZIZMOR_CONFIG_PATH } from './zizmor-config';

/**
 * managed: derived from the parameters, rewritten by `npx projen`.
 * sample: written once, then the user's; reads what it needs at run time.
 */
export type FileOwner = 'managed' | 'sample';

export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  readonly owner: FileOwner;
}

export interface RenderOptions {
  /** Comment line marking managed files as generated (projen's marker in a projen repo). */
  readonly marker?: string;
  /** Whether the repo is projen-managed: then projen owns package.json and tsconfig.json. */
  readonly projen: boolean;
  /** This package's version, quoted in the generated README. */
  readonly version: string;
}

/** The managed files: everything that depends on the parameters. Pure. */
export function renderManagedFiles(config: KeylessBuildConfig, marker?: string): RenderedFile[] {
  const managed = (path: string, content: string): RenderedFile => ({ path, content, owner: 'managed' });
  const zizmorConfig = renderZizmorConfig(config, marker);
  return [
    managed(WORKFLOW_PATH, renderWorkflow(config, marker)),
    ...(zizmorConfig ? [managed(ZIZMOR_CONFIG_PATH, zizmorConfig)] : []),
    managed('Dockerfile', renderDockerfile(config, marker)),
    managed('.dockerignore', renderDockerignore(marker)),
    // IAM documents carry no marker: AWS must accept them as they are.
    ...Object.entries(iamDocuments(config)).map(([name, document]) => managed(`iam/${name}`, json(document))),
    ...(config.cloudformation ? [managed(CLOUDFORMATION_PATH, renderCloudFormation(config, marker))] : []),
  ];
}

/** The files written once for the user to own. Pure. */
export function renderSampleFiles(config: KeylessBuildConfig, options: RenderOptions): RenderedFile[] {
  const sample = (path: string, content: string): RenderedFile => ({ path, content, owner: 'sample' });
  const files = Object.entries(sampleFiles)
    .filter(([path]) => !path.startsWith('public/') || config.uploadDir !== OUT_DIR)
    .map(([path, content]) => sample(path.replace(/^public\//, `${config.uploadDir}/`), content));
  if (!options.projen) {
    files.push(sample('package.json', json(generatedPackageJson(config))));
    files.push(sample('tsconfig.json', json(GENERATED_TSCONFIG)));
    files.push(sample('.gitignore', ['node_modules/', `${OUT_DIR}/`, '*.log', '.env', '.env.*', ''].join('\n')));
  }
  return files;
}

/** Every file of a new repo, sorted by path, README included. Pure. */
export function renderRepository(config: KeylessBuildConfig, options: RenderOptions): RenderedFile[] {
  const files = [...renderManagedFiles(config, options.marker), ...renderSampleFiles(config, options)];
  const readme: RenderedFile = { path: 'README.md', content: renderReadme(config, options, files), owner: 'sample' };
  return [...files, readme].sort((a, b) => a.path.localeCompare(b.path));
}

export function renderDockerfile(config: KeylessBuildConfig, marker?: string): string {
  return templates.Dockerfile!({
    marker,
    baseImage: config.baseImage,
    uploadDir: config.uploadDir,
    secretId: SECRET_ID,
    secretTarget: SECRET_TARGET,
    outDir: OUT_DIR,
    manifest: UPLOAD_MANIFEST,
  });
}

export function renderReadme(config: KeylessBuildConfig, options: RenderOptions, files: readonly RenderedFile[]): string {
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
  });
}

function describeOwner(owner: string, projen: boolean): string {
  if (owner === 'managed') return projen ? 'managed: rewritten by `npx projen`' : 'generated, yours to edit';
  if (owner === 'projen') return 'projen';
  return 'yours (written once)';
}

/** An npm package name from the GitHub repository name: lowercase, not starting with "." or "_". */
export function packageName(config: KeylessBuildConfig): string {
  return config.repoName.toLowerCase().replace(/^[._]+/, '') || 'app';
}

export function generatedPackageJson(config: KeylessBuildConfig): Record<string, unknown> {
  return {
    name: packageName(config),
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { ...GENERATED_SCRIPTS },
    dependencies: { ...UPLOADER_DEPENDENCIES },
    devDependencies: { ...UPLOADER_DEV_DEPENDENCIES },
    engines: { node: `>=${config.nodeVersion}` },
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
