/**
 * fast-check arbitraries of valid parameters, shared by the property tests of the pure core
 * (test/unit/render/properties.test.ts) and of actionlint on generated workflows.
 */
import fc from 'fast-check';
import { resolveConfig, type KeylessBuildOptions } from '../../src/core/config';
import { PROJEN_FILE_MARKER } from '../../src/core/constants';
import { renderRepository } from '../../src/render/repository';
import { sampleFiles } from '../../src/render/templates.generated';

// A fixed seed keeps failures reproducible from the log; fast-check prints it with the counterexample.
export const RUNS = { seed: 20261127, numRuns: 150 };

export type Files = Map<string, string>;

/** The rendered files by path; the sample page's files, which live in the upload directory, under `<upload-dir>/`. */
export function renderForProperties(options: KeylessBuildOptions, projen: boolean): Files {
  const config = resolveConfig(options);
  const files = renderRepository(config, { projen, marker: projen ? PROJEN_FILE_MARKER : undefined, version: '0.0.0-test' });
  const pageFiles = new Set(Object.keys(sampleFiles).filter((p) => p.startsWith('public/')).map((p) => p.replace(/^public\//, `${config.uploadDir}/`)));
  return new Map(files.map((f) => [pageFiles.has(f.path) ? f.path.replace(`${config.uploadDir}/`, '<upload-dir>/') : f.path, f.content]));
}

const lower = 'abcdefghijklmnopqrstuvwxyz';
const alnum = `${lower}0123456789`;
const word = (chars: string, min = 1, max = 8) => fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });
/** Lowercase alphanumeric words joined by single separators: valid for S3, ECR, GitHub and git alike. */
const joined = (separators: string, maxWords = 3) =>
  fc.tuple(word(alnum, 2), fc.array(fc.tuple(fc.constantFrom(...separators), word(alnum)), { maxLength: maxWords - 1 })).map(
    ([first, rest]) => first + rest.map(([sep, w]) => sep + w).join(''),
  );

export const validOptions: fc.Arbitrary<{ options: KeylessBuildOptions; projen: boolean }> = fc
  .record({
    account: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 }),
    region: fc.constantFrom('ap-northeast-1', 'us-east-1', 'eu-central-2', 'sa-east-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1'),
    owner: joined('-', 2),
    repoName: joined('-_.'),
    bucket: fc.tuple(word(alnum, 3), joined('-.', 2)).map(([a, b]) => `${a}-${b}`).filter((b) => b.length <= 63 && !/^\d+\.\d+\.\d+\.\d+$/.test(b) && !b.startsWith('xn--') && !b.startsWith('sthree-')),
    prefix: fc.option(fc.array(joined('-_.', 2), { minLength: 1, maxLength: 3 }).map((s) => s.join('/')), { nil: undefined }),
    branches: fc.uniqueArray(fc.array(joined('-_.', 2), { minLength: 1, maxLength: 2 }).map((s) => s.join('/')), { minLength: 1, maxLength: 3 }),
    environments: fc.option(fc.uniqueArray(joined('-_.'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    ids: fc.option(fc.tuple(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 })), { nil: undefined }),
    sessionDuration: fc.integer({ min: 900, max: 3600 }),
    nodeVersion: fc.integer({ min: 22, max: 40 }).map(String),
    uploadDir: fc.array(joined('-_', 1), { minLength: 1, maxLength: 2 }).map((s) => s.join('/')),
    actionPinning: fc.constantFrom('sha' as const, 'tag' as const),
    oidcProvider: fc.constantFrom('create' as const, 'existing' as const),
    createBucket: fc.boolean(),
    createEcrRepository: fc.boolean(),
    projen: fc.boolean(),
  })
  .map(({ owner, repoName, ids, projen, ...rest }) => ({
    projen,
    options: {
      ...rest,
      repo: `${owner}/${repoName}`,
      ...(ids ? { ownerId: String(ids[0]), repoId: String(ids[1]) } : {}),
    },
  }));

