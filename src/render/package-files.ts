/**
 * What the generated repo's package.json and tsconfig.json must hold so that
 * `npm ci && npm run build` works inside the image. Shared by the plain
 * (`--no-projen`) renderer and the projen component.
 */
import { ENV } from '@keyless-build/upload/settings';
import uploaderPackage from '@keyless-build/upload/package.json';
import type { KeylessBuildConfig } from '../core/config';
import { OUT_DIR, SRC_DIR } from '../core/constants';

/**
 * The uploader the generated repo runs: this generator's own version of it, so that a newer
 * create-keyless-build brings its fixes on the next `npx projen` (or Dependabot, in a plain repo).
 */
export const UPLOADER_DEPENDENCIES: Readonly<Record<string, string>> = {
  [uploaderPackage.name]: `^${uploaderPackage.version}`,
};

export const UPLOADER_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@types/node': '^24.19.2',
  'typescript': '~5.9.3',
};

export const GENERATED_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    rootDir: SRC_DIR,
    outDir: OUT_DIR,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    forceConsistentCasingInFileNames: true,
    types: ['node'],
  },
  include: [`${SRC_DIR}/**/*.ts`],
} as const;

/** The plain repo's .gitignore; a projen repo gets projen's. */
export const GENERATED_GITIGNORE = ['node_modules/', `${OUT_DIR}/`, '*.log', '.env', '.env.*', ''].join('\n');

/** What the upload script reads from its environment, as the projen `upload` task sets it. */
export function uploadEnvironment(config: KeylessBuildConfig): Record<string, string> {
  return { [ENV.bucket]: config.bucket, [ENV.prefix]: config.prefix, [ENV.region]: config.region, [ENV.dir]: config.uploadDir };
}

/** npm scripts of the plain generated repo. */
export const GENERATED_SCRIPTS: Readonly<Record<string, string>> = {
  build: 'npm run compile',
  compile: 'tsc -p tsconfig.json',
  upload: `node ${OUT_DIR}/upload.js`,
  start: `node ${OUT_DIR}/index.js`,
};

/** An npm package name from the GitHub repository name: lowercase, not starting with "." or "_". */
export function packageName(config: KeylessBuildConfig): string {
  return config.repoName.toLowerCase().replace(/^[._]+/, '') || 'app';
}

/** The plain repo's package.json. */
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

/** JSON as the generated files write it: two-space indent, final newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
