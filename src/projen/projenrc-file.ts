import type { KeylessBuildOptions } from '../core/config';
import { PARAMETERS } from '../core/parameters';
import { OUT_DIR, SRC_DIR } from '../core/constants';
import { GENERATED_TSCONFIG } from '../render/package-files';

/** The module `.projenrc.ts` imports the component from. */
export const COMPONENT_MODULE = 'create-keyless-build/projen';

/** projen's tsconfig for `.projenrc.ts` and the `projenrc/` directory. */
export const PROJENRC_TSCONFIG = 'projenrc/tsconfig.json';

/** The task PATH: the repo's node_modules/.bin in front of the caller's PATH (tasks run at the repo root). */
export const LOCAL_BIN_PATH = `$(node --print "require('path').resolve('node_modules/.bin') + require('path').delimiter + process.env.PATH")`;

const PACKAGE_MANAGERS: Record<string, string> = { npm: 'NPM', pnpm: 'PNPM', yarn: 'YARN_CLASSIC', bun: 'BUN' };

/**
 * The `.projenrc.ts` of a created repo: the parameters in one object literal, a comment on
 * each, and the component that renders every managed file from them.
 * Values are written with JSON.stringify, so no value can break out of its literal.
 */
export function renderProjenrc(options: KeylessBuildOptions, projectName: string, packageSpec: string, packageManager = 'npm'): string {
  const entries = Object.entries(options)
    .filter(([, value]) => value !== undefined)
    // The table's order: required parameters first.
    .sort(([a], [b]) => order(a) - order(b))
    .flatMap(([name, value]) => {
      const parameter = PARAMETERS.find((p) => p.name === name);
      return [`  // ${(parameter?.description ?? name).replace(/ \(comma-separated\)$/, '')}`, `  ${name}: ${JSON.stringify(value)},`];
    });
  const compilerOptions = Object.entries(GENERATED_TSCONFIG.compilerOptions)
    .filter(([name]) => !['rootDir', 'outDir'].includes(name))
    .map(([name, value]) =>
      // projen types moduleResolution as an enum.
      name === 'moduleResolution' ? '      moduleResolution: javascript.TypeScriptModuleResolution.NODE_NEXT,' : `      ${name}: ${JSON.stringify(value)},`,
    );
  return [
    "import { javascript, typescript } from 'projen';",
    `import { KeylessBuild } from '${COMPONENT_MODULE}';`,
    '',
    'const project = new typescript.TypeScriptProject({',
    `  name: ${JSON.stringify(projectName)},`,
    "  defaultReleaseBranch: 'main',",
    `  packageManager: javascript.NodePackageManager.${PACKAGE_MANAGERS[packageManager] ?? 'NPM'},`,
    '  projenrcTs: true,',
    '  // tsx runs .projenrc.ts in a fraction of the time ts-node takes.',
    '  runner: typescript.TypeScriptRunner.tsx(),',
    `  // Synth runs .projenrc.ts without type-checking it (seconds faster); \`npx projen build\` type-checks it.`,
    `  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx({ tsconfig: ${JSON.stringify(PROJENRC_TSCONFIG)} }) },`,
    `  devDeps: [${JSON.stringify(packageSpec)}],`,
    `  srcdir: ${JSON.stringify(SRC_DIR)},`,
    `  libdir: ${JSON.stringify(OUT_DIR)},`,
    `  entrypoint: ${JSON.stringify(`${OUT_DIR}/index.js`)},`,
    '  tsconfig: {',
    '    compilerOptions: {',
    ...compilerOptions,
    '    },',
    '  },',
    '  // The workflow, Dockerfile and IAM files come from KeylessBuild below; nothing else is generated.',
    '  sampleCode: false,',
    '  jest: false,',
    '  eslint: false,',
    '  github: false,',
    '  release: false,',
    '  buildWorkflow: false,',
    '  // `npx projen upgrade`: projen\'s own dependency upgrade (Dependabot\'s pull request to package.json would be undone by the next synth).',
    '  depsUpgrade: true,',
    '  pullRequestTemplate: false,',
    '  licensed: false,',
    '});',
    "project.package.addField('type', 'module');",
    '// The type check of .projenrc.ts that synth skips.',
    `project.preCompileTask.exec('tsc --noEmit -p ${PROJENRC_TSCONFIG}');`,
    "// projen finds the local binaries with `npx -c`, which costs most of a second on every task; node does the same in a blink.",
    `project.tasks.addEnvironment('PATH', \`${LOCAL_BIN_PATH}\`);`,
    '',
    '// Change a parameter here, then run `npx projen`: the files that depend on it follow.',
    'new KeylessBuild(project, {',
    ...entries,
    '});',
    '',
    'project.synth();',
    '',
  ].join('\n');
}

function order(name: string): number {
  return PARAMETERS.findIndex((p) => p.name === name);
}

export interface BootstrapFile {
  readonly path: string;
  readonly content: string;
}

/**
 * What makes a new repo a projen project before projen has run: `.projenrc.ts`, a package.json
 * that installs projen and this package, and a tasks.json whose default task runs `.projenrc.ts`.
 * The first `npx projen` replaces the last two with projen's own.
 */
export function projenBootstrapFiles(options: KeylessBuildOptions, projectName: string, packageSpec: string, packageManager: string): BootstrapFile[] {
  const [specName, specVersion] = splitSpec(packageSpec);
  const packageJson = {
    name: projectName,
    private: true,
    type: 'module',
    devDependencies: { 'projen': '^0.103.25', 'constructs': '^10.8.1', [specName]: specVersion, 'tsx': '^4.23.0', 'typescript': '~5.9.3' },
  };
  const tasks = { tasks: { default: { name: 'default', steps: [{ exec: 'tsx .projenrc.ts' }] } } };
  return [
    { path: '.projenrc.ts', content: renderProjenrc(options, projectName, packageSpec, packageManager) },
    { path: 'package.json', content: `${JSON.stringify(packageJson, null, 2)}\n` },
    { path: '.projen/tasks.json', content: `${JSON.stringify(tasks, null, 2)}\n` },
  ];
}

/** `create-keyless-build@^1.0.0` or `create-keyless-build@file:/x.tgz` -> [name, version]. */
function splitSpec(spec: string): [string, string] {
  const at = spec.indexOf('@', 1);
  return at < 0 ? [spec, '*'] : [spec.slice(0, at), spec.slice(at + 1)];
}
