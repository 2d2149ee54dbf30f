import { javascript, typescript } from 'projen';

const compilerOptions: javascript.TypeScriptCompilerOptions = {
  lib: ['es2022'],
  target: 'ES2022',
  // node16 keeps `await import()` for the ESM-only prompt library instead of turning it into require().
  module: 'node16',
  moduleResolution: javascript.TypeScriptModuleResolution.NODE16,
  skipLibCheck: true,
};

const project = new typescript.TypeScriptProject({
  name: 'create-keyless-build',
  description:
    'Scaffolds a repository whose GitHub Actions docker build uploads to S3 with short-lived, least-privilege AWS credentials and no access key.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  license: 'Apache-2.0',
  projenrcTs: true,
  // tsx starts in a fraction of ts-node's time; type checking happens in `compile`.
  runner: typescript.TypeScriptRunner.tsx(),
  typescriptVersion: '~5.9.3',
  srcdir: 'src',
  libdir: 'lib',
  testdir: 'test',
  sampleCode: false,
  // Tests run with vitest (below); projen's jest integration is off.
  jest: false,
  eslint: false,
  // The project's CI is `.ci/run`; no GitHub workflows of our own.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  entrypoint: 'lib/index.js',
  bin: {
    'create-keyless-build': 'bin/create-keyless-build.js',
    'keyless-build': 'bin/keyless-build.js',
  },
  // @aws-sdk/client-sts: only `doctor` loads it. @keyless-build/upload (packages/upload, this
  // workspace): its settings module names what the Dockerfile passes the uploader, and its version
  // is the one generated repos depend on.
  deps: ['yaml@^2.9.1', 'handlebars@^4.7.10', '@clack/prompts@^1.9.0', '@aws-sdk/client-sts@^3.1174.0', '@keyless-build/upload@0.1.0'],
  // projen is a peer: only the projen component loads it, and the user's project brings its own.
  peerDeps: ['projen@^0.103.25', 'constructs@^10.8.1'],
  devDeps: [
    'vitest@^4',
    'tsx@^4.23.0',
    'dockerfile-ast@^0.7.1',
    'esbuild@^0.28.2',
    // bench/: the peer the create command is measured against.
    'create-vite@^9.3.0',
    // IAM policy simulator for the tests only (AGPL: never a runtime dependency).
    '@cloud-copilot/iam-simulate@^0.1.173',
    'fast-check@^4.11.0',
    // test/: the AWS SDK's SigV4 signer and S3 key encoding, the reference s3-http.ts is checked against.
    '@smithy/signature-v4@^5.7.5',
    '@smithy/core@^3.41.1',
    // test/: the SDK's credential chain and S3 endpoint rules, the uploader's shortcut (sdk-shortcut.ts) is checked against.
    '@aws-sdk/client-s3@^3.1175.0',
    // test/: creates the roles doctor is checked against in moto.
    '@aws-sdk/client-iam@^3.1169.0',
    '@types/node@^20',
  ],
  tsconfig: { compilerOptions },
  tsconfigDev: {
    compilerOptions,
    include: ['bench/**/*.ts', 'scripts/**/*.ts'],
  },
  gitignore: ['/.tmp/', '/example/'],
  npmignoreEnabled: true,
});

project.package.addVersion('0.1.0');
// Built from templates/ by the templates task.
project.gitignore.addPatterns('/src/render/templates.generated.ts');
project.npmignore?.addPatterns('/scripts/', '/bench/', '/.ci/', '/example/');
project.package.addField('files', ['bin', 'lib', 'templates']);
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './projen': { types: './lib/projen/index.d.ts', default: './lib/projen/index.js' },
  './package.json': './package.json',
});
// packages/upload (@keyless-build/upload): the uploader the generated repos depend on, an npm workspace of this repo.
project.package.addField('workspaces', ['packages/upload']);
project.npmignore?.addPatterns('/packages/');
project.package.addField('peerDependenciesMeta', {
  projen: { optional: true },
  constructs: { optional: true },
});

// Templates are precompiled into a module so that rendering does no file I/O.
const templates = project.addTask('templates', {
  description: 'Precompile templates/*.hbs into src/render/templates.generated.ts',
  exec: 'tsx scripts/compile-templates.ts',
});
project.compileTask.prependSpawn(templates);
// The renderer imports @keyless-build/upload/settings: the workspace package is built first.
project.compileTask.prependExec('npm run build --workspace @keyless-build/upload');
// The CLI starts from one bundled file: resolving yaml's and handlebars' many modules one by one
// costs more than create-vite's whole run. projen and the prompt library stay outside, loaded on demand,
// and so do the verify and doctor commands (lib/commands/verify.js, lib/commands/doctor.js with the AWS SDK):
// `create` does not parse their code.
project.compileTask.exec(
  'esbuild lib/cli.js --bundle --platform=node --target=node20 --format=cjs --outfile=lib/cli.bundle.js --external:@clack/prompts --external:projen --external:@aws-sdk/client-sts --external:./commands/verify.js --external:./commands/doctor.js --log-level=warning',
);

project.testTask.reset();
project.testTask.spawn(project.compileTask);
project.testTask.exec('tsc --noEmit -p test/tsconfig.json');
project.testTask.exec('tsc --noEmit -p packages/upload/test/tsconfig.json');
// The vitest projects: unit (test/unit/, no process or network), integration (test/integration/)
// and the uploader package's (packages/upload/test/).
project.testTask.exec('vitest run');

project.addTask('test:unit', {
  description: 'The fast unit tests only (test/unit/: no process, no network, no npm)',
  steps: [{ spawn: 'templates' }, { exec: 'vitest run --project unit' }],
});

// The end-to-end proof (test/e2e/, README "How we know it works"): act runs the generated workflow,
// BuildKit builds, moto stands in for AWS. Separate from `test`: it needs root and the engines, and takes minutes.
project.addTask('test:e2e', {
  description: 'Create repos with the CLI and run their workflow with act: BuildKit builds with the secret mount, moto as AWS, leak scans',
  steps: [{ spawn: 'compile' }, { exec: 'vitest run --config vitest.e2e.config.mts' }],
});

project.addTask('example', {
  description: 'Build, then create ./example with the seed article\'s parameters (no install, no git)',
  steps: [
    { spawn: 'compile' },
    {
      exec: 'node bin/create-keyless-build.js example --account 111111111111 --region ap-northeast-1 --repo acme/my-app --bucket my-bucket --no-install --no-git --force',
    },
  ],
});

project.addTask('registry', {
  description: 'A local npm registry (verdaccio) on 127.0.0.1:4873 with this checkout\'s packages published, until Ctrl-C: installs ./example here',
  steps: [{ spawn: 'compile' }, { exec: 'tsx scripts/local-registry.ts' }],
});

project.addTask('audit:generated', {
  description: 'Run actionlint, zizmor, hadolint, cfn-lint and checkov on generated repos, with negative controls',
  steps: [{ spawn: 'compile' }, { exec: 'tsx scripts/audit-generated.ts' }],
});

project.addTask('bench', {
  description: 'create wall time and memory against create-vite',
  steps: [{ spawn: 'compile' }, { exec: 'node bench/create.mjs' }],
});

project.addTask('bench:synth', {
  description: 'npx projen wall time of a created repo against a vanilla projen TypeScript project',
  steps: [{ spawn: 'compile' }, { exec: 'node bench/synth.mjs' }],
});

project.addTask('bench:rebuild', {
  description: 'The generated workflow on a warm layer cache against an empty one: act, BuildKit, moto (the e2e engines)',
  steps: [{ spawn: 'compile' }, { exec: 'tsx bench/rebuild.ts' }],
});

project.addTask('bench:upload', {
  description: 'The uploader package against aws s3 cp, s5cmd and the S3 server ceiling (MinIO): packages/upload/bench',
  exec: 'npm run bench --workspace @keyless-build/upload',
});

project.synth();
