import { Component, FileBase, SampleFile, type IResolver, type Project, javascript, typescript } from 'projen';
import { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from '../core/config';
import { GENERATED_TSCONFIG, OUT_DIR, SRC_DIR, UPLOADER_DEPENDENCIES, UPLOADER_DEV_DEPENDENCIES, uploadEnvironment } from '../render/package-files';
import { renderManagedFiles, renderRepository, type RenderedFile } from '../render/repository';
import { packageVersion } from '../package-version';

export type KeylessBuildProps = KeylessBuildOptions;

/**
 * Adds the keyless-build files to a projen project: the managed files (workflow, Dockerfile,
 * .dockerignore, IAM documents, CloudFormation template) as read-only projen files that
 * follow the parameters on every synth, and the sample files (upload script, README) once.
 */
export class KeylessBuild extends Component {
  readonly config: KeylessBuildConfig;
  private readonly rendered = new Map<string, RenderedFile[]>();

  constructor(project: Project, options: KeylessBuildProps) {
    super(project);
    this.config = resolveConfig(options);

    const ownsPackageJson = project instanceof javascript.NodeProject;
    if (project instanceof typescript.TypeScriptProject && (project.srcdir !== SRC_DIR || project.libdir !== OUT_DIR)) {
      // The Dockerfile and the upload task run ${OUT_DIR}/upload.js, compiled from ${SRC_DIR}/upload.ts.
      throw new Error(
        `KeylessBuild needs the TypeScript sources in ${SRC_DIR}/ and the compiled output in ${OUT_DIR}/ ` +
          `(this project has srcdir ${JSON.stringify(project.srcdir)}, libdir ${JSON.stringify(project.libdir)}). ` +
          `Fix: set srcdir: '${SRC_DIR}' and libdir: '${OUT_DIR}' in the project's options.`,
      );
    }
    for (const file of renderRepository(this.config, { projen: ownsPackageJson, version: packageVersion() })) {
      if (file.owner === 'managed') new ManagedFile(this, file.path, !file.path.endsWith('.json'));
      else new SampleFile(project, file.path, { contents: file.content });
    }
    if (project instanceof javascript.NodeProject) {
      // A TypeScriptProject pins its own TypeScript; a plain NodeProject needs ours to compile the script.
      const devDependencies = Object.entries(UPLOADER_DEV_DEPENDENCIES).filter(
        ([name]) => name !== 'typescript' || !(project instanceof typescript.TypeScriptProject),
      );
      project.addDeps(...Object.entries(UPLOADER_DEPENDENCIES).map(([name, version]) => `${name}@${version}`));
      project.addDevDeps(...devDependencies.map(([name, version]) => `${name}@${version}`));
      if (!(project instanceof typescript.TypeScriptProject)) {
        // A JavaScript project compiles nothing yet: the upload script needs its own tsconfig and a compile step.
        new SampleFile(project, 'tsconfig.json', { contents: `${JSON.stringify(GENERATED_TSCONFIG, null, 2)}\n` });
        project.compileTask.exec('tsc -p tsconfig.json');
        project.addGitIgnore(`/${OUT_DIR}/`);
      }
    }
    project.addTask('upload', {
      description: 'Upload the upload directory to S3 with the credentials in the environment (the image build does this)',
      exec: `node ${OUT_DIR}/upload.js`,
      env: uploadEnvironment(this.config),
    });
  }

  /** The managed file at `path`, rendered with the marker projen gives that file. */
  renderManaged(path: string, marker: string | undefined): string {
    const key = marker ?? '';
    if (!this.rendered.has(key)) this.rendered.set(key, renderManagedFiles(this.config, marker));
    const file = this.rendered.get(key)!.find((f) => f.path === path);
    if (!file) throw new Error(`keyless-build renders no ${path}`);
    return file.content;
  }
}

class ManagedFile extends FileBase {
  constructor(
    private readonly owner: KeylessBuild,
    path: string,
    marker: boolean,
  ) {
    super(owner.project, path, { readonly: true, marker });
  }

  protected synthesizeContent(_resolver: IResolver): string {
    return this.owner.renderManaged(this.path, this.marker);
  }
}
