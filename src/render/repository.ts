/**
 * Assembles a generated repo from the renderers of this folder, one per file: config in,
 * path -> content out. Pure: no file is read or written.
 */
import type { KeylessBuildConfig } from '../core/config';
import { OUT_DIR, WORKFLOW_PATH } from '../core/constants';
import { renderCloudFormation, templateFiles } from './cloudformation';
import { DEPENDABOT_PATH, renderDependabot } from './dependabot';
import { renderDockerfile } from './dockerfile';
import { renderDockerignore } from './dockerignore';
import { iamDocuments } from './iam';
import { generatedPackageJson, GENERATED_GITIGNORE, GENERATED_TSCONFIG, json } from './package-files';
import { renderReadme } from './readme';
import type { RenderedFile, RenderOptions } from './rendered-file';
import { sampleFiles } from './templates.generated';
import { renderWorkflow } from './workflow';
import { renderZizmorConfig, ZIZMOR_CONFIG_PATH } from './zizmor-config';

/** Every file of a new repo, sorted by path, README included. */
export function renderRepository(config: KeylessBuildConfig, options: RenderOptions): RenderedFile[] {
  const files = [...managedFiles(config, options.marker), ...sampleFilesOf(config, options.projen)];
  const readme: RenderedFile = { path: 'README.md', content: renderReadme(config, options, files), owner: 'sample' };
  return [...files, readme].sort((a, b) => a.path.localeCompare(b.path));
}

/** The managed files: everything that depends on the parameters. */
function managedFiles(config: KeylessBuildConfig, marker: string | undefined): RenderedFile[] {
  const managed = (path: string, content: string): RenderedFile => ({ path, content, owner: 'managed' });
  const zizmorConfig = renderZizmorConfig(config, marker);
  return [
    managed(WORKFLOW_PATH, renderWorkflow(config, marker)),
    ...(zizmorConfig ? [managed(ZIZMOR_CONFIG_PATH, zizmorConfig)] : []),
    managed('Dockerfile', renderDockerfile(config, marker)),
    managed('.dockerignore', renderDockerignore(marker)),
    // IAM documents carry no marker: AWS must accept them as they are.
    ...Object.entries(iamDocuments(config)).map(([name, document]) => managed(`iam/${name}`, json(document))),
    ...templateFiles(config).map((file) => managed(file.path, renderCloudFormation(config, marker, file.template))),
  ];
}

/** The files written once for the user to own; a plain repo also gets its package files. */
function sampleFilesOf(config: KeylessBuildConfig, projen: boolean): RenderedFile[] {
  const sample = (path: string, content: string): RenderedFile => ({ path, content, owner: 'sample' });
  const files = Object.entries(sampleFiles)
    .filter(([path]) => !path.startsWith('public/') || config.uploadDir !== OUT_DIR)
    .map(([path, content]) => sample(path.replace(/^public\//, `${config.uploadDir}/`), content));
  if (!projen) {
    files.push(sample('package.json', json(generatedPackageJson(config))));
    files.push(sample('tsconfig.json', json(GENERATED_TSCONFIG)));
    files.push(sample('.gitignore', GENERATED_GITIGNORE));
    files.push(sample(DEPENDABOT_PATH, renderDependabot()));
  }
  return files;
}
