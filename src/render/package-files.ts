import type { KeylessBuildConfig } from '../core/config';

/**
 * What the generated repo's package.json and tsconfig.json must hold so that
 * `npm ci && npm run build` works inside the image. Shared by the plain
 * (`--no-projen`) renderer and the projen component.
 */

export const UPLOADER_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@aws-sdk/client-s3': '^3.1175.0',
};

export const UPLOADER_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@types/node': '^24.19.2',
  'typescript': '~5.9.3',
};

/** Compiled output; the Dockerfile runs `node dist/upload.js`. */
export const OUT_DIR = 'dist';
export const SRC_DIR = 'src';

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

/** What the upload script reads from its environment, as the projen `upload` task sets it. */
export function uploadEnvironment(config: KeylessBuildConfig): Record<string, string> {
  return { S3_BUCKET: config.bucket, S3_PREFIX: config.prefix, AWS_REGION: config.region, UPLOAD_DIR: config.uploadDir };
}

/** npm scripts of the plain generated repo. */
export const GENERATED_SCRIPTS: Readonly<Record<string, string>> = {
  build: 'npm run compile',
  compile: 'tsc -p tsconfig.json',
  upload: `node ${OUT_DIR}/upload.js`,
  start: `node ${OUT_DIR}/index.js`,
};
