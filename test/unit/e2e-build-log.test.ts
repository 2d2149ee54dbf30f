/**
 * What the end-to-end suite and the rebuild bench read from a job log act printed
 * (test/e2e/support/build-log.ts): the excerpts are lines of real runs of the generated workflow,
 * a cold one and a warm one, cut short.
 */
import { describe, expect, it } from 'vitest';
import { npmCiCached, stepSeconds, vertexSeconds } from '../e2e/support/build-log';

const JOB = '[keyless-build/Build, upload to S3, push to ECR]  ';
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => `${JOB} ${line.trim()}`)
    .join('\n');

const COLD = lines(`
  ✅  Success - Main Assume github-oidc-role with GitHub OIDC [961.450122ms]
  | #11 [build 4/6] RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --no-audit --no-fund
  | #11 DONE 5.2s
  | #13 [build 6/6] RUN npm run compile
  | #13 DONE 1.1s
  | #14 [upload 1/1] RUN --mount=type=secret,id=upload-credentials,target=/run/secrets/upload-credentials,required=true     AWS_SHARED_CREDENTIALS_FILE=/run/secrets/upload-credentials
  | #14 DONE 0.3s
  | #19 exporting to GitHub Actions Cache
  | #19 DONE 2.3s
  ✅  Success - Main Build (uploads to S3) and push [11.37875004s]
  ✅  Success - Post Build (uploads to S3) and push [341.524173ms]
`);

const WARM = lines(`
  | #1 [internal] load build definition from Dockerfile
  | #1 DONE 0.0s
  | #11 [build 4/6] RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --no-audit --no-fund
  | #11 CACHED
  | #13 [build 6/6] RUN npm run compile
  | #13 extracting sha256:a8e7cddba7598b4d4287b49b8efc6b995caafece12cf85c3cad880a21647db00 1.5s done
  | #13 DONE 1.7s
  | #13 [build 6/6] RUN npm run compile
  | #13 DONE 2.7s
  | #19 exporting to GitHub Actions Cache
  | #19 DONE 0.1s
  ❌  Failure - Main Build (uploads to S3) and push [4.498159838s]
`);

describe('stepSeconds', () => {
  it("reads act's time of each step, in ms or s, with its phase", () => {
    const cold = stepSeconds(COLD);
    expect(cold.map(({ step, phase }) => [phase, step])).toEqual([
      ['Main', 'Assume github-oidc-role with GitHub OIDC'],
      ['Main', 'Build (uploads to S3) and push'],
      ['Post', 'Build (uploads to S3) and push'],
    ]);
    expect(cold[0]!.seconds).toBeCloseTo(0.961, 3);
    expect(cold[1]!.seconds).toBeCloseTo(11.379, 3);
    expect(cold[2]!.seconds).toBeCloseTo(0.342, 3);
    // A failed step is timed too.
    expect(stepSeconds(WARM)).toEqual([{ step: 'Build (uploads to S3) and push', phase: 'Main', seconds: 4.498159838 }]);
  });
});

describe('npmCiCached', () => {
  it('is true only when the build stage’s npm ci vertex says CACHED', () => {
    expect(npmCiCached(WARM)).toBe(true);
    expect(npmCiCached(COLD)).toBe(false);
  });

  it('does not take another vertex’s CACHED for it (#1 is not #11)', () => {
    expect(npmCiCached(COLD.replace('#11 DONE 5.2s', '#11 DONE 5.2s\n#1 CACHED'))).toBe(false);
  });

  it('throws when the build has no npm ci step, rather than answering false', () => {
    expect(() => npmCiCached(COLD.replace(/npm ci/g, 'yarn install'))).toThrow(/no build step matching/);
  });
});

describe('vertexSeconds', () => {
  it("takes a vertex's last DONE: a warm build reports again after restoring each layer", () => {
    expect(vertexSeconds(WARM, /npm run compile/)).toBe(2.7);
    expect(vertexSeconds(COLD, /npm run compile/)).toBe(1.1);
  });

  it('is 0 for a CACHED vertex, and finds exporters by name', () => {
    expect(vertexSeconds(WARM, /npm ci/)).toBe(0);
    expect(vertexSeconds(COLD, /^exporting to GitHub Actions Cache/)).toBe(2.3);
    expect(vertexSeconds(COLD, /^\[upload \d+\/\d+\] RUN/)).toBe(0.3);
  });
});
