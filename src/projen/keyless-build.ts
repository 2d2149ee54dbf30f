import { Component, FileBase, ProjenrcFile, SampleFile, type IResolver, type Project, javascript, typescript } from 'projen';
import { PROJEN_MARKER } from 'projen/lib/common';
import { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from '../core/config';
import { OUT_DIR, SRC_DIR } from '../core/constants';
import { packageVersion } from '../package-version';
import { GENERATED_TSCONFIG, UPLOADER_DEPENDENCIES, UPLOADER_DEV_DEPENDENCIES, uploadEnvironment } from '../render/package-files';
import type { RenderedFile, RenderOptions } from '../render/rendered-file';
import { renderRepository } from '../render/repository';

export type KeylessBuildProps = KeylessBuildOptions;

/**
 * Adds the keyless-build files to a projen project: the managed files (workflow, Dockerfile,
 * .dockerignore, IAM documents, CloudFormation template) as read-only projen files that
 * follow the parameters on every synth, and the sample files (upload script, README) once.
 */
export class KeylessBuild extends Component {
  readonly config: KeylessBuildConfig;
  private readonly renderOptions: RenderOptions;

  constructor(project: Project, options: KeylessBuildProps) {
    super(project);
    this.config = resolveConfig(options);

    if (project instanceof typescript.TypeScriptProject && (project.srcdir !== SRC_DIR || project.libdir !== OUT_DIR)) {
      // The Dockerfile and the upload task run ${OUT_DIR}/upload.js, compiled from ${SRC_DIR}/upload.ts.
      throw new Error(
        `KeylessBuild needs the TypeScript sources in ${SRC_DIR}/ and the compiled output in ${OUT_DIR}/ ` +
          `(this project has srcdir ${JSON.stringify(project.srcdir)}, libdir ${JSON.stringify(project.libdir)}). ` +
          `Fix: set srcdir: '${SRC_DIR}' and libdir: '${OUT_DIR}' in the project's options.`,
      );
    }
    // Rendered once, with the marker projen will give these files; a file whose marker differs
    // at synth (an eject, a projen that words it otherwise) renders itself again.
    this.renderOptions = { projen: project instanceof javascript.NodeProject, marker: projenMarker(project), version: packageVersion() };
    for (const file of renderRepository(this.config, this.renderOptions)) {
      if (file.owner === 'managed') new ManagedFile(this, file, this.renderOptions.marker);
      else new SampleFile(project, file.path, { contents: file.content });
    }
    if (project instanceof javascript.NodeProject) this.addUploaderDependencies(project);
    project.addTask('upload', {
      description: 'Upload the upload directory to S3 with the credentials in the environment (the image build does this)',
      exec: `node ${OUT_DIR}/upload.js`,
      env: uploadEnvironment(this.config),
    });
  }

  /** The content of a managed file with another marker than the one it was rendered with. */
  renderManaged(path: string, marker: string | undefined): string {
    const file = renderRepository(this.config, { ...this.renderOptions, marker }).find((f) => f.path === path);
    if (!file) throw new Error(`keyless-build renders no ${path}`);
    return file.content;
  }

  private addUploaderDependencies(project: javascript.NodeProject): void {
    const isTypeScript = project instanceof typescript.TypeScriptProject;
    // A TypeScriptProject pins its own TypeScript; a plain NodeProject needs ours to compile the script.
    const devDependencies = Object.entries(UPLOADER_DEV_DEPENDENCIES).filter(([name]) => name !== 'typescript' || !isTypeScript);
    project.addDeps(...Object.entries(UPLOADER_DEPENDENCIES).map(([name, version]) => `${name}@${version}`));
    project.addDevDeps(...devDependencies.map(([name, version]) => `${name}@${version}`));
    if (!isTypeScript) {
      // A JavaScript project compiles nothing yet: the upload script needs its own tsconfig and a compile step.
      new SampleFile(project, 'tsconfig.json', { contents: `${JSON.stringify(GENERATED_TSCONFIG, null, 2)}\n` });
      project.compileTask.exec('tsc -p tsconfig.json');
      project.addGitIgnore(`/${OUT_DIR}/`);
    }
  }
}

/** The marker projen's FileBase writes into a file of this project (see FileBase.marker). */
function projenMarker(project: Project): string | undefined {
  if (project.ejected) return undefined;
  const projenrc = ProjenrcFile.of(project)?.filePath ?? '.projenrc.js';
  return `${PROJEN_MARKER}. To modify, edit ${projenrc} and run "${project.projenCommand}".`;
}

class ManagedFile extends FileBase {
  constructor(
    private readonly owner: KeylessBuild,
    private readonly rendered: RenderedFile,
    private readonly renderedMarker: string | undefined,
  ) {
    // IAM documents carry no marker: AWS must accept them as they are.
    super(owner.project, rendered.path, { readonly: true, marker: !rendered.path.endsWith('.json') });
  }

  protected synthesizeContent(_resolver: IResolver): string {
    const unmarked = this.rendered.path.endsWith('.json');
    return unmarked || this.marker === this.renderedMarker ? this.rendered.content : this.owner.renderManaged(this.path, this.marker);
  }
}
