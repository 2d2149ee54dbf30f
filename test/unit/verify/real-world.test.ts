/**
 * Shapes of hand-written repositories verify misread before (issue 20), one class at a time:
 * each fixture failed before its fix, and each has a negative control. The shapes are ours,
 * written to match what such repositories do, not copied from any.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/core/actions';
import type { Finding, RuleId } from '../../../src/verify/rules';
import { verifyFiles } from '../../../src/verify/verify-files';

const TODAY = new Date('2026-11-27T00:00:00Z');
const CAC = `${ACTIONS.configureAwsCredentials.repository}@${ACTIONS.configureAwsCredentials.sha} # ${ACTIONS.configureAwsCredentials.version}`;
const BUILD = `${ACTIONS.buildPush.repository}@${ACTIONS.buildPush.sha} # ${ACTIONS.buildPush.version}`;

const verify = (files: Record<string, string>) => verifyFiles(new Map(Object.entries(files)), { today: TODAY });
const rulesOf = (findings: readonly Finding[]) => findings.map((f) => f.rule);
const only = (findings: readonly Finding[], rule: RuleId) => findings.filter((f) => f.rule === rule);
const lineText = (files: Record<string, string>, finding: Finding) => files[finding.file]!.split('\n')[finding.line - 1]!;

/** A workflow around some steps, with `permissions` and a checkout. */
function workflow(steps: string, jobs = ''): string {
  return `on: push\npermissions:\n  id-token: write\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n${steps}${jobs}`;
}

const IGNORE = { '.dockerignore': '**/*credentials*\n**/*.ini\n' };

describe('a secret the RUN treats as optional is not a finding', () => {
  const dockerfile = (run: string) => ({ Dockerfile: `FROM node:24-slim\n${run}\n` });
  it('a mount used unconditionally still is (positive)', () => {
    expect(rulesOf(verify(dockerfile('RUN --mount=type=secret,id=token GH_TOKEN=$(cat /run/secrets/token) make')))).toEqual(['secret-not-required']);
  });
  it.each([
    ['tested first', 'RUN --mount=type=secret,id=token if [ -f /run/secrets/token ]; then GH_TOKEN=$(cat /run/secrets/token) make; else make; fi'],
    ['read allowed to fail', 'RUN --mount=type=secret,id=token GH_TOKEN=$(cat /run/secrets/token 2>/dev/null || true) make'],
    ['required=false written out', 'RUN --mount=type=secret,id=token,required=false make'],
    ['an env mount tested', 'RUN --mount=type=secret,id=token,env=GH_TOKEN [ -n "${GH_TOKEN:-}" ] && make || make'],
    ['feeds sccache only', 'RUN --mount=type=secret,id=aws,target=/root/.aws/credentials RUSTC_WRAPPER=sccache SCCACHE_BUCKET=build-cache cargo build --release'],
  ])('%s', (_name, run) => {
    expect(only(verify(dockerfile(run)), 'secret-not-required')).toEqual([]);
  });
});

describe('files verify never read', () => {
  const unrequired = 'FROM node:24-slim\nRUN --mount=type=secret,id=creds node upload.js\n';
  it.each(['docker/app.dockerfile', 'Dockerfile-release', 'DOCKERFILE', 'deploy/Containerfile.prod'])('%s is a Dockerfile', (path) => {
    expect(rulesOf(verify({ [path]: unrequired }))).toEqual(['secret-not-required']);
  });
  it.each(['docs/Dockerfile.md', 'src/render/dockerfile.ts', 'src/verify/dockerfile-reader.ts', 'templates/Dockerfile.hbs', 'Dockerfile.j2'])('%s is not one (control)', (path) => {
    expect(verify({ [path]: unrequired })).toEqual([]);
  });

  it("the file a workflow builds with file: or docker build -f, whatever its name", () => {
    const steps = `      - uses: ${BUILD}\n        with:\n          file: build/image.def\n      - run: docker build -f ci/other.def .\n`;
    const files = { '.github/workflows/ci.yml': workflow(steps), 'build/image.def': unrequired, 'ci/other.def': unrequired, 'unused/third.def': unrequired };
    expect(verify(files).map((f) => `${f.file} ${f.rule}`)).toEqual(['build/image.def secret-not-required', 'ci/other.def secret-not-required']);
  });

  const action = (target: string) => [
    'name: assume the upload role',
    'runs:',
    '  using: composite',
    '  steps:',
    '    - shell: bash',
    '      run: |',
    '        echo "::add-mask::x"',
    `        aws sts assume-role --role-arn "$ROLE" --role-session-name b --query Credentials > ${target}`,
    '',
  ].join('\n');
  const caller = (removes: boolean) => workflow(`      - uses: ./.github/actions/assume\n      - uses: ${BUILD}\n${removes ? '      - if: always()\n        run: rm -f -- "$RUNNER_TEMP/creds.json"\n' : ''}`);
  it('a composite action that writes credentials into the workspace and is never cleaned up', () => {
    const files = { '.github/workflows/ci.yml': caller(false), '.github/actions/assume/action.yml': action('creds.json'), ...IGNORE };
    const findings = verify(files);
    expect(rulesOf(findings).sort()).toEqual(['credentials-in-build-context', 'credentials-not-dockerignored', 'credentials-not-removed']);
    expect(findings.every((f) => f.file === '.github/actions/assume/action.yml')).toBe(true);
  });
  it('the same action writing under $RUNNER_TEMP, its caller removing the file (control)', () => {
    const files = { '.github/workflows/ci.yml': caller(true), '.github/actions/assume/action.yml': action('"$RUNNER_TEMP/creds.json"'), '.dockerignore': '**/creds.json\n' };
    expect(verify(files)).toEqual([]);
  });
});

describe('code that reads a secret path, and code that only names one', () => {
  const mounted = { Dockerfile: 'FROM node:24-slim\nRUN --mount=type=secret,id=creds,required=true node upload.js\n' };
  it('a script reading another path is a mismatch', () => {
    expect(rulesOf(verify({ ...mounted, 'upload.js': "readFileSync('/run/secrets/credentials.json');\n" }))).toEqual(['secret-path-mismatch']);
  });
  it.each(['test/upload.test.ts', 'src/upload.spec.js', '__tests__/upload.js', 'lib/constants.d.ts'])('%s only names it (control)', (path) => {
    expect(verify({ ...mounted, [path]: "const path = '/run/secrets/credentials.json';\n" })).toEqual([]);
  });
});

describe('YAML read as GitHub reads it', () => {
  const dockerfile = { Dockerfile: 'FROM node:24-slim\nRUN --mount=type=secret,id=creds,required=true node upload.js\n' };
  const aliased = (id: string) => workflow([
    `      - &build`,
    `        uses: ${BUILD}`,
    '        with: &inputs',
    '          push: false',
    `          secrets: |`,
    `            ${id}=\${{ secrets.CREDS }}`,
    '',
  ].join('\n'), ['', '  again:', '    runs-on: ubuntu-latest', '    steps:', '      - *build', `      - uses: ${BUILD}`, '        with: *inputs', ''].join('\n'));
  it('anchors and aliases are followed: a mismatched id behind an alias is found', () => {
    const findings = verify({ '.github/workflows/ci.yml': aliased('credentials'), ...dockerfile });
    expect(rulesOf(findings)).toContain('secret-id-mismatch');
    expect(only(findings, 'secret-id-mismatch').filter((f) => f.file.endsWith('ci.yml')).map((f) => f.line)).toEqual([14, 14, 14]);
  });
  it('the same workflow with the right id (control)', () => {
    expect(verify({ '.github/workflows/ci.yml': aliased('creds'), ...dockerfile })).toEqual([]);
  });
  it("Docker's documented quoted form", () => {
    const quoted = (id: string) => workflow(`      - uses: ${BUILD}\n        with:\n          secrets: |\n            "${id}=\${{ secrets.CREDS }}"\n`);
    expect(verify({ '.github/workflows/ci.yml': quoted('creds'), ...dockerfile })).toEqual([]);
    expect(rulesOf(verify({ '.github/workflows/ci.yml': quoted('other'), ...dockerfile }))).toEqual(['secret-id-mismatch', 'secret-id-mismatch']);
  });
  it('a whole-value expression names no id that could be compared', () => {
    const whole = workflow(`      - uses: ${BUILD}\n        with:\n          secrets: \${{ secrets.ALL_BUILD_SECRETS }}\n`);
    expect(verify({ '.github/workflows/ci.yml': whole, ...dockerfile })).toEqual([]);
  });
});

describe('credentials followed by what is written, not by a command name', () => {
  const writer = (target: string, job = 'build') => [
    `      - id: aws`,
    `        uses: ${CAC}`,
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/upload',
    '          aws-region: eu-west-1',
    '          output-credentials: true',
    `      - name: write the profile (${job})`,
    '        env:',
    '          KEY_ID: ${{ steps.aws.outputs.aws-access-key-id }}',
    '          SECRET: ${{ steps.aws.outputs.aws-secret-access-key }}',
    '        run: |',
    '          mkdir -p "$(dirname ' + target + ')"',
    `          printf '[default]\\naws_access_key_id=%s\\naws_secret_access_key=%s\\n' "$KEY_ID" "$SECRET" > ${target}`,
    `      - uses: ${BUILD}`,
    '        with:',
    `          secret-files: creds=${target}`,
    '',
  ].join('\n');
  const dockerfile = { Dockerfile: 'FROM node:24-slim\nRUN --mount=type=secret,id=creds,required=true node upload.js\n' };

  it("a step that writes a credentials action's outputs to a file, reported where it writes", () => {
    const files = { '.github/workflows/ci.yml': workflow(writer('creds.ini')), ...dockerfile, ...IGNORE };
    const findings = verify(files);
    expect(rulesOf(findings).sort()).toEqual(['credentials-in-build-context', 'credentials-not-removed']);
    expect(lineText(files, only(findings, 'credentials-in-build-context')[0]!)).toContain('printf');
  });
  it('a step that writes something else is not a credentials step (control)', () => {
    const files = { '.github/workflows/ci.yml': workflow('      - env:\n          VERSION: 1.2.3\n        run: echo "$VERSION" > version.txt\n'), ...dockerfile };
    expect(verify(files)).toEqual([]);
  });

  const twoJobs = (secondRemoves: boolean) => {
    const removal = '      - if: always()\n        run: rm -f -- "$RUNNER_TEMP/creds.ini"\n';
    const second = `\n  again:\n    runs-on: ubuntu-latest\n    steps:\n${writer('"$RUNNER_TEMP/creds.ini"', 'again')}${secondRemoves ? removal : ''}`;
    return { '.github/workflows/ci.yml': workflow(writer('"$RUNNER_TEMP/creds.ini"') + removal, second), ...dockerfile, ...IGNORE };
  };
  it('a second job writing the same file is checked on its own', () => {
    const findings = verify(twoJobs(false));
    expect(rulesOf(findings)).toEqual(['credentials-not-removed']);
    expect(findings[0]!.message).toContain('job again');
  });
  it('both jobs removing it (control)', () => {
    expect(verify(twoJobs(true))).toEqual([]);
  });
});

describe('a secret that leaves its mount', () => {
  const run = (script: string) => ({ Dockerfile: `FROM node:24-slim\nRUN --mount=type=secret,id=token,required=true \\\n    ${script}\n` });
  it.each([
    ['git config', 'git config --global url."https://ci:$(cat /run/secrets/token)@github.com/".insteadOf "https://github.com/" && go mod download'],
    ['a file', 'cat /run/secrets/token > /root/.npmrc && npm ci'],
    ['a copy', 'cp /run/secrets/token /app/token && make'],
    ['a cloned URL', 'git clone https://ci:$(cat /run/secrets/token)@github.com/acme/private.git vendor/private'],
  ])('into %s', (_name, script) => {
    const files = run(script);
    const findings = verify(files);
    expect(rulesOf(findings)).toEqual(['secret-leaves-mount']);
    expect(findings[0]!.severity).toBe('high');
    expect(findings[0]!.line).toBe(3);
  });
  it.each([
    ['removed in the same RUN', 'cat /run/secrets/token > /root/.npmrc && npm ci && rm -f /root/.npmrc'],
    ['used where it is mounted', 'NPM_CONFIG_USERCONFIG=/run/secrets/token npm ci'],
    ['a header git does not store', 'git -c http.extraHeader="Authorization: Bearer $(cat /run/secrets/token)" clone https://github.com/acme/private.git'],
  ])('not when %s (control)', (_name, script) => {
    expect(verify(run(script))).toEqual([]);
  });
});

describe('action checks', () => {
  it('a reusable workflow at a branch is not pinned; at a SHA it is (control)', () => {
    const calling = (ref: string) => `on: push\njobs:\n  build:\n    uses: acme/shared/.github/workflows/build.yml@${ref}\n`;
    const findings = verify({ '.github/workflows/ci.yml': calling('main') });
    expect(rulesOf(findings)).toEqual(['action-not-pinned']);
    expect(findings[0]!.line).toBe(4);
    expect(findings[0]!.message).toContain("this workflow's token and secrets");
    expect(verify({ '.github/workflows/ci.yml': calling('0123456789abcdef0123456789abcdef01234567') })).toEqual([]);
  });
  it('a bare SHA without a version comment is compared with the current release', () => {
    const at = (sha: string) => ({ '.github/workflows/ci.yml': workflow(`      - uses: ${ACTIONS.configureAwsCredentials.repository}@${sha}\n        with:\n          aws-region: eu-west-1\n`) });
    expect(rulesOf(verify(at('0123456789abcdef0123456789abcdef01234567')))).toEqual(['action-outdated']);
    expect(verify(at(ACTIONS.configureAwsCredentials.sha))).toEqual([]);
  });
  it('node behind a registry prefix is still node', () => {
    expect(rulesOf(verify({ Dockerfile: 'FROM public.ecr.aws/docker/library/node:18-alpine\n' }))).toEqual(['base-image-end-of-life']);
    expect(verify({ Dockerfile: 'FROM public.ecr.aws/docker/library/node:24-alpine\n' })).toEqual([]);
  });
});

describe('noise: only values someone outside the workflow chooses', () => {
  const run = (line: string) => ({ '.github/workflows/ci.yml': workflow(`      - run: echo "${line}"\n`) });
  it.each(['${{ env.TARGET }}', '${{ matrix.os }}', '${{ runner.temp }}', '${{ github.sha }}', '${{ github.event.pull_request.number }}', '${{ vars.REGION }}'])('%s is the workflow\'s own', (expression) => {
    expect(verify(run(expression))).toEqual([]);
  });
  it.each([
    ['${{ github.event.pull_request.title }}', 'high'],
    ['${{ github.head_ref }}', 'high'],
    ['${{ inputs.tag }}', 'high'],
    ['${{ steps.meta.outputs.tags }}', 'medium'],
  ])('%s is reported at %s', (expression, severity) => {
    expect(verify(run(expression)).map((f) => [f.rule, f.severity])).toEqual([['expression-in-run', severity]]);
  });

  it('messages claim only what the repository contains', () => {
    const writes = workflow('      - run: aws sts assume-role --role-arn arn:aws:iam::1:role/b --role-session-name s > creds.json\n');
    const without = verify({ '.github/workflows/ci.yml': writes, Dockerfile: 'FROM node:24-slim\nCOPY package.json ./\n' });
    expect(only(without, 'credentials-in-build-context')[0]!.message).not.toContain('COPY . .');
    const withCopy = verify({ '.github/workflows/ci.yml': writes, Dockerfile: 'FROM node:24-slim\nCOPY . .\n' });
    expect(only(withCopy, 'credentials-in-build-context')[0]!.message).toContain('COPY . . (Dockerfile:2)');
    const tagged = verify({ '.github/workflows/ci.yml': writes.replace('      - run:', '      - uses: actions/checkout@v4\n      - run:') });
    expect(only(tagged, 'action-not-pinned')[0]!.message).toContain('AWS role');
  });
});
