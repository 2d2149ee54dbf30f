/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an
 * empty directory (the SDK from the registry), then
 * - the bin uploads to moto;
 * - the README's sample `src/upload.ts`, compiled by tsc, uploads with its rules;
 * - `@keyless-build/upload/settings` is required from CommonJS, from TypeScript
 *   compiled with `module: node16` as CommonJS (as the generator's renderer is), and from an
 *   esbuild bundle of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from './support/files.js';
import { FAKE_CREDENTIALS, type Moto, awsJson, createBucket, credentialsIni, isolatedEnv, run, startMoto } from '../../../test/support/moto.js';
import { PACKAGE_DIR, binEnv, describeRun } from './support/uploader.js';

const BUCKET = 'keyless-pack-test';
const REGION = 'ap-southeast-2';
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');

let work: string;
let app: string;
let tarball: string;
let moto: Moto | undefined;
let credentialsFile: string;

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return binEnv({ S3_BUCKET: BUCKET, AWS_REGION: REGION, AWS_ENDPOINT_URL: moto!.endpoint, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, ...overrides });
}

async function head(key: string): Promise<{ ContentType?: string; CacheControl?: string }> {
  return awsJson(moto!, ['s3api', 'head-object', '--bucket', BUCKET, '--key', key], REGION);
}

/** The fenced block after the README's `<!-- sample: src/upload.ts -->` marker. */
function readmeSample(): string {
  const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
  const sample = /<!-- sample: src\/upload\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!sample) {
    throw new Error('README.md has no sample after <!-- sample: src/upload.ts -->');
  }
  return sample;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'keyless-pack-'));
  // `npm run build` ran before the tests (see package.json): pack what was built.
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: PACKAGE_DIR, encoding: 'utf8' }).trim().split('\n').pop()!;
  tarball = join(work, packed);
  app = join(work, 'app');
  writeFile(join(app, 'package.json'), JSON.stringify({ name: 'generated-repo', private: true, type: 'module' }, null, 2));
  // npm_config_before comes from vitest.config.mts (the repository's test/support/npm-before.ts).
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env: { ...process.env } as Record<string, string>, timeoutMs: 240_000 });
  if (installed.code !== 0) {
    throw new Error(`npm install of the tarball failed\n${describeRun(installed)}`);
  }
  moto = await startMoto();
  await createBucket(moto, BUCKET, REGION);
  credentialsFile = join(work, 'credentials.ini');
  writeFile(credentialsFile, credentialsIni(FAKE_CREDENTIALS));
  writeFile(join(app, 'public', 'index.html'), '<p>packed</p>\n');
  writeFile(join(app, 'public', 'robots.txt'), 'User-agent: *\n');
  writeFile(join(app, 'public', 'site.webmanifest'), '{}\n');
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('the packed package, installed in an empty directory', () => {
  it('holds the build, the README and package.json, nothing else; depends on AWS SDK packages only', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.filter((file) => !/^package\/(dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts)|README\.md|LICENSE|package\.json)$/.test(file))).toEqual([]);
    expect(listing).toContain('package/dist/bin.js');
    expect(listing).toContain('package/dist/settings.cjs');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', '@keyless-build', 'upload', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).filter((name) => !/^@(aws-sdk|smithy)\//.test(name))).toEqual([]);
  });

  it('the bin uploads to moto', async () => {
    const result = await run(join(app, 'node_modules', '.bin', 'keyless-build-upload'), [], { cwd: app, env: env({ S3_PREFIX: 'bin' }) });
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/done: 3 files/);
    expect(await head('bin/index.html')).toMatchObject({ ContentType: 'text/html; charset=utf-8', CacheControl: 'no-cache' });
    // Without the sample's rules: the defaults.
    expect(await head('bin/robots.txt')).toMatchObject({ CacheControl: 'public, max-age=300' });
    expect(await head('bin/site.webmanifest')).toMatchObject({ ContentType: 'application/octet-stream' });
  });

  it("the README's sample src/upload.ts compiles, fits in 40 lines, and uploads with its rules over the defaults", async () => {
    const sample = readmeSample();
    expect(sample.trimEnd().split('\n').length).toBeLessThanOrEqual(40);
    writeFile(join(app, 'src', 'upload.ts'), sample);
    writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, outDir: 'dist', rootDir: 'src', types: [], skipLibCheck: true }, include: ['src'] }),
    );
    // @types/node is the workspace's: the sample needs no Node types of its own, the package's declarations do.
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    execFileSync('ln', ['-sfn', dirname(require.resolve('@types/node/package.json')), join(app, 'node_modules', '@types', 'node')]);
    const compiled = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: app, env: isolatedEnv() });
    expect(compiled.code, describeRun(compiled)).toBe(0);

    const result = await run(process.execPath, ['dist/upload.js'], { cwd: app, env: env({ S3_PREFIX: 'sample' }) });
    expect(result.code, describeRun(result)).toBe(0);
    expect(JSON.parse(readFileSync(join(app, 'upload-manifest.json'), 'utf8'))).toMatchObject({ bucket: BUCKET, prefix: 'sample/' });
    expect(await head('sample/site.webmanifest')).toMatchObject({ ContentType: 'application/manifest+json' });
    expect(await head('sample/robots.txt')).toMatchObject({ CacheControl: 'public, max-age=3600' });
    // The defaults still apply where the sample has no rule.
    expect(await head('sample/index.html')).toMatchObject({ ContentType: 'text/html; charset=utf-8', CacheControl: 'no-cache' });

    // Exit code 2 and the message for a bad setting, as the bin.
    const bad = await run(process.execPath, ['dist/upload.js'], { cwd: app, env: env({ UPLOAD_QUEUE_SIZE: '0' }) });
    expect(bad.code, describeRun(bad)).toBe(2);
    expect(bad.stderr).toContain('configuration error: UPLOAD_QUEUE_SIZE="0" is invalid: use a whole number from 1 to 64, or leave it unset for 4.');
  });

  it('the settings subpath: required from CommonJS, and imported by TypeScript compiled as CommonJS with module node16, bundled by esbuild', async () => {
    const cjs = join(work, 'renderer');
    writeFile(join(cjs, 'package.json'), JSON.stringify({ name: 'renderer', private: true }));
    execFileSync('ln', ['-sfn', join(app, 'node_modules'), join(cjs, 'node_modules')]);
    // Plain require.
    const required = await run(process.execPath, ['-e', "const s = require('@keyless-build/upload/settings'); console.log(JSON.stringify([s.MANIFEST_FILE, s.ENV.bucket, s.ENV_DEFAULTS.UPLOAD_CONCURRENCY]))"], { cwd: cjs });
    expect(required.code, describeRun(required)).toBe(0);
    expect(JSON.parse(required.stdout)).toEqual(['upload-manifest.json', 'S3_BUCKET', '32']);

    // The generator's renderer: a CommonJS TypeScript package, module node16, importing it synchronously.
    writeFile(
      join(cjs, 'src', 'dockerfile-args.ts'),
      [
        "import { ENV, ENV_DEFAULTS, MANIFEST_FILE } from '@keyless-build/upload/settings';",
        '',
        'export function dockerfileArgs(): string {',
        "  const args = Object.values(ENV).map((name) => (ENV_DEFAULTS[name] === undefined ? `ARG ${name}` : `ARG ${name}=${ENV_DEFAULTS[name]}`));",
        "  return [...args, `COPY --from=upload /work/${MANIFEST_FILE} .`].join('\\n');",
        '}',
        'console.log(dockerfileArgs());',
        '',
      ].join('\n'),
    );
    writeFile(
      join(cjs, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, outDir: 'lib', rootDir: 'src', types: [] }, include: ['src'] }),
    );
    const compiled = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: cjs });
    expect(compiled.code, describeRun(compiled)).toBe(0);
    const emitted = readFileSync(join(cjs, 'lib', 'dockerfile-args.js'), 'utf8');
    expect(emitted).toContain('require("@keyless-build/upload/settings")');
    const rendered = await run(process.execPath, ['lib/dockerfile-args.js'], { cwd: cjs });
    expect(rendered.code, describeRun(rendered)).toBe(0);
    expect(rendered.stdout).toContain('ARG S3_BUCKET\n');
    expect(rendered.stdout).toContain('ARG UPLOAD_PART_SIZE_MIB=8\n');
    expect(rendered.stdout).toContain('COPY --from=upload /work/upload-manifest.json .');

    // Bundled as the generator bundles its CLI (esbuild, cjs): the constants are inlined, the bundle runs alone.
    const esbuild = join(dirname(require.resolve('esbuild/package.json')), 'bin', 'esbuild');
    const bundled = await run(esbuild, ['lib/dockerfile-args.js', '--bundle', '--platform=node', '--format=cjs', '--outfile=bundle/out.js', '--log-level=warning'], { cwd: cjs });
    expect(bundled.code, describeRun(bundled)).toBe(0);
    rmSync(join(cjs, 'node_modules'));
    const fromBundle = await run(process.execPath, ['bundle/out.js'], { cwd: cjs });
    expect(fromBundle.code, describeRun(fromBundle)).toBe(0);
    expect(fromBundle.stdout).toBe(rendered.stdout);
    // Negative control: without node_modules, the unbundled output cannot find the package.
    const unbundled = await run(process.execPath, ['lib/dockerfile-args.js'], { cwd: cjs });
    expect(unbundled.code).not.toBe(0);
    expect(readdirSync(cjs)).not.toContain('node_modules');
  });
});
