import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type KeylessBuildOptions } from '../src/core/config';
import { ConfigError } from '../src/core/config-error';
import { init } from '../src/commands/create';

const seed = { account: '111111111111', region: 'ap-northeast-1', repo: 'acme/my-app', bucket: 'my-bucket' } as const;

function issuesOf(options: Record<string, unknown>) {
  try {
    resolveConfig(options as unknown as KeylessBuildOptions);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('resolveConfig defaults', () => {
  it('applies the seed article defaults', () => {
    const config = resolveConfig(seed);
    expect(config).toMatchObject({
      partition: 'aws',
      oidcRoleName: 'github-oidc-role',
      uploadRoleName: 'upload-to-s3-role',
      prefix: '',
      ecrRepository: 'my-app',
      branches: ['main'],
      sessionDuration: 3600,
      subjects: ['repo:acme/my-app:ref:refs/heads/main'],
      baseImage: 'node:26-slim',
      actionPinning: 'sha',
    });
  });

  it.each([
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['eu-central-2', 'aws'],
  ])('derives the partition of %s', (region, partition) => {
    expect(resolveConfig({ ...seed, region }).partition).toBe(partition);
  });

  it('normalises the prefix to end with a slash', () => {
    expect(resolveConfig({ ...seed, prefix: 'site/v1' }).prefix).toBe('site/v1/');
    expect(resolveConfig({ ...seed, prefix: 'site/' }).prefix).toBe('site/');
  });

  it('derives environment subjects instead of branch subjects when environments are set', () => {
    expect(resolveConfig({ ...seed, environments: ['production', 'staging'] }).subjects).toEqual([
      'repo:acme/my-app:environment:production',
      'repo:acme/my-app:environment:staging',
    ]);
  });

  it('uses the immutable subject form when owner and repo ids are given', () => {
    expect(resolveConfig({ ...seed, ownerId: '123456', repoId: '789012', branches: ['main', 'release'] }).subjects).toEqual([
      'repo:acme@123456/my-app@789012:ref:refs/heads/main',
      'repo:acme@123456/my-app@789012:ref:refs/heads/release',
    ]);
  });

  it('keeps user-supplied subjects as they are', () => {
    const subjects = ['repo:acme/my-app:ref:refs/tags/v*'];
    expect(resolveConfig({ ...seed, subjects }).subjects).toEqual(subjects);
  });
});

// [description, options, parameter, expected fragment of the message]
const badInputs: [string, Record<string, unknown>, string, string][] = [
  ['account too short', { account: '12345' }, 'account', 'exactly 12 digits'],
  ['account with letters', { account: '11111111111a' }, 'account', 'exactly 12 digits'],
  ['account as ARN', { account: 'arn:aws:iam::111111111111:root' }, 'account', 'exactly 12 digits'],
  ['region typo', { region: 'ap-northeast' }, 'region', 'not an AWS region'],
  ['region upper case', { region: 'AP-NORTHEAST-1' }, 'region', 'not an AWS region'],
  ['ISO region', { region: 'us-iso-east-1' }, 'region', 'partition keyless-build does not support'],
  ['partition mismatch', { region: 'cn-north-1', partition: 'aws' }, 'partition', 'does not match region cn-north-1'],
  ['unknown partition', { partition: 'aws-iso' }, 'partition', 'must be aws, aws-cn or aws-us-gov'],
  ['repo without owner', { repo: 'my-app' }, 'repo', 'must be owner/name'],
  ['repo with three parts', { repo: 'a/b/c' }, 'repo', 'must be owner/name'],
  ['repo owner with underscore', { repo: 'ac_me/my-app' }, 'repo', 'not a GitHub user or organisation'],
  ['repo owner ending in hyphen', { repo: 'acme-/my-app' }, 'repo', 'not a GitHub user or organisation'],
  ['repo name with space', { repo: 'acme/my app' }, 'repo', 'not a GitHub repository name'],
  ['bucket too short', { bucket: 'ab' }, 'bucket', 'must be 3-63 characters'],
  ['bucket too long', { bucket: 'a'.repeat(64) }, 'bucket', 'must be 3-63 characters'],
  ['bucket upper case', { bucket: 'My-Bucket' }, 'bucket', 'only lowercase letters'],
  ['bucket underscore', { bucket: 'my_bucket' }, 'bucket', 'only lowercase letters'],
  ['bucket starts with hyphen', { bucket: '-bucket' }, 'bucket', 'start and end with a lowercase letter or digit'],
  ['bucket ends with dot', { bucket: 'bucket.' }, 'bucket', 'start and end with a lowercase letter or digit'],
  ['bucket double dot', { bucket: 'my..bucket' }, 'bucket', 'two adjacent dots'],
  ['bucket IP address', { bucket: '192.168.5.4' }, 'bucket', 'IP address'],
  ['bucket xn-- prefix', { bucket: 'xn--bucket' }, 'bucket', 'reserved prefix xn--'],
  ['bucket sthree- prefix', { bucket: 'sthree-bucket' }, 'bucket', 'reserved prefix sthree-'],
  ['bucket -s3alias suffix', { bucket: 'bucket-s3alias' }, 'bucket', 'reserved suffix -s3alias'],
  ['bucket --ol-s3 suffix', { bucket: 'bucket--ol-s3' }, 'bucket', 'reserved suffix --ol-s3'],
  ['role name too long', { oidcRoleName: 'r'.repeat(65) }, 'oidcRoleName', 'not an IAM role name'],
  ['role name with slash', { uploadRoleName: 'team/upload' }, 'uploadRoleName', 'not an IAM role name'],
  ['same role twice', { oidcRoleName: 'one', uploadRoleName: 'one' }, 'uploadRoleName', 'must differ from oidcRoleName'],
  ['prefix with leading slash', { prefix: '/site' }, 'prefix', 'must not start with "/"'],
  ['prefix with dot-dot', { prefix: 'site/../other' }, 'prefix', 'must not contain ".", ".."'],
  ['prefix with wildcard', { prefix: 'site/*' }, 'prefix', 'only letters, digits'],
  ['prefix with newline', { prefix: 'site\nx' }, 'prefix', 'control character'],
  ['session below 900', { sessionDuration: 899 }, 'sessionDuration', 'from 900 to 3600'],
  ['session above chaining cap', { sessionDuration: 7200 }, 'sessionDuration', 'caps role-chained sessions at 1 hour'],
  ['session not a number', { sessionDuration: 'an hour' }, 'sessionDuration', 'whole number of seconds'],
  ['branch with space', { branches: ['my branch'] }, 'branches', 'must not contain spaces'],
  ['branch with wildcard', { branches: ['release/*'] }, 'branches', 'must not contain spaces or any of'],
  ['branch with dot-dot', { branches: ['a..b'] }, 'branches', 'must not contain ".."'],
  ['branch ending in .lock', { branches: ['main.lock'] }, 'branches', '".lock"'],
  ['branch with expression', { branches: ['${{github.token}}'] }, 'branches', 'quotes, "$", "#" or braces'],
  ['no branches, environments or subjects', { branches: [] }, 'branches', 'nothing could assume the OIDC role'],
  ['environment with quote', { environments: ["prod'"] }, 'environments', 'not a GitHub environment name'],
  ['subject with wildcard repo', { subjects: ['repo:acme/*:ref:refs/heads/main'] }, 'subjects', 'wildcard in the repository part'],
  ['bare wildcard subject', { subjects: ['repo:acme/my-app:*'] }, 'subjects', 'bare wildcard'],
  ['subject of another form', { subjects: ['*'] }, 'subjects', 'must have the form repo:'],
  ['owner id without repo id', { ownerId: '123' }, 'repoId', 'need both ownerId and repoId'],
  ['non-numeric repo id', { ownerId: '1', repoId: 'abc' }, 'repoId', 'numeric GitHub id'],
  ['ECR repository upper case', { ecrRepository: 'My-App' }, 'ecrRepository', 'not an ECR repository name'],
  ['node version too old', { nodeVersion: '20' }, 'nodeVersion', 'older than Node.js 22'],
  ['node version not a major', { nodeVersion: 'lts' }, 'nodeVersion', 'Node.js major version'],
  ['base image with space', { baseImage: 'node:26 slim' }, 'baseImage', 'not an image reference'],
  ['base image without a tag', { baseImage: 'registry.example.com:5000/node' }, 'baseImage', 'no version tag or digest'],
  ['base image at latest', { baseImage: 'node:latest' }, 'baseImage', 'no version tag or digest'],
  ['upload dir escaping the repo', { uploadDir: '../secrets' }, 'uploadDir', 'relative path inside the repo'],
  ['upload dir absolute', { uploadDir: '/etc' }, 'uploadDir', 'relative path inside the repo'],
  ['unknown action pinning', { actionPinning: 'branch' }, 'actionPinning', 'must be sha or tag'],
  ['unknown OIDC provider mode', { oidcProvider: 'maybe' }, 'oidcProvider', 'must be create or existing'],
  ['bucket creation without the template', { cloudformation: false, createBucket: true }, 'createBucket', 'cloudformation: false turns off'],
  ['OIDC provider mode without the template', { cloudformation: false, oidcProvider: 'existing' }, 'oidcProvider', 'cloudformation: false turns off'],
];

describe('validation', () => {
  it('has a table of at least 30 bad inputs', () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(30);
  });

  it.each(badInputs)('rejects %s', (_description, override, parameter, fragment) => {
    const issues = issuesOf({ ...seed, ...override });
    const issue = issues.find((i) => i.parameter === parameter && i.rule.includes(fragment));
    expect(issue, `issues were: ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue!.fix.length).toBeGreaterThan(5);
  });

  it.each(badInputs)('writes nothing for %s, and the message names the flag and the fix', async (_d, override, parameter, fragment) => {
    const cwd = mkdtempSync(join(tmpdir(), 'kb-config-'));
    let stderr = '';
    const argv = Object.entries({ ...seed, ...override }).flatMap(([name, value]) => {
      const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const values = Array.isArray(value) ? (value.length ? value : ['']) : [String(value)];
      return values.flatMap((v) => [`${flag}=${v}`]);
    });
    const code = await init({
      argv: ['out', '--no-git', '--no-install', ...argv],
      cwd,
      env: {},
      interactive: false,
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      command: 'create-keyless-build',
    });
    expect(code).toBe(2);
    expect(stderr).toContain(fragment);
    expect(stderr).toContain(`${parameter} (--`);
    expect(stderr).toContain('Fix:');
    expect(stderr).toContain('Nothing was written.');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('rejects unknown parameters and wrong types, as a .projenrc.ts could pass them', () => {
    const issues = issuesOf({ ...seed, buckett: 'x', account: 111111111111, branches: 'main', createBucket: 'yes' });
    expect(issues.map((i) => [i.parameter, i.rule]).sort()).toEqual([
      ['account', 'must be a string'],
      ['branches', 'must be a list of strings'],
      ['buckett', 'is not a keyless-build parameter'],
      ['createBucket', 'must be true or false'],
    ]);
    expect(new ConfigError(issues).message).toContain('buckett (--buckett) = "x": is not a keyless-build parameter');
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({ account: '1', region: 'nowhere', repo: 'x', bucket: 'B', sessionDuration: 5 });
    expect(new Set(issues.map((i) => i.parameter))).toEqual(new Set(['account', 'region', 'repo', 'bucket', 'sessionDuration']));
  });

  it('checks the given values while required ones are still missing (as the prompts need)', () => {
    const issues = issuesOf({ region: 'ap-northeast-1', repo: 'acme/my-app', account: '123' });
    expect(issues.map((i) => i.parameter).sort()).toEqual(['account', 'bucket']);
  });

  it('names every missing required parameter', () => {
    const issues = issuesOf({});
    expect(issues.filter((i) => i.rule === 'is required').map((i) => i.parameter)).toEqual(['account', 'region', 'repo', 'bucket']);
  });

  it('accepts the edge values', () => {
    expect(() => resolveConfig({ ...seed, bucket: 'abc', sessionDuration: 900 })).not.toThrow();
    expect(() => resolveConfig({ ...seed, bucket: 'a'.repeat(63), sessionDuration: 3600 })).not.toThrow();
    expect(() => resolveConfig({ ...seed, oidcRoleName: 'r'.repeat(64), uploadRoleName: 'a+=,.@_-b' })).not.toThrow();
  });
});
