import { describe, expect, it } from 'vitest';
import { resolveConfig, type KeylessBuildOptions } from '../../../src/core/config';
import { ConfigError } from '../../../src/core/config-error';
import { SEED } from '../../support/parameter-sets';
import { BAD_INPUTS } from '../../support/bad-inputs';

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
  it('applies the SEED article defaults', () => {
    const config = resolveConfig(SEED);
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
    expect(resolveConfig({ ...SEED, region }).partition).toBe(partition);
  });

  it('normalises the prefix to end with a slash', () => {
    expect(resolveConfig({ ...SEED, prefix: 'site/v1' }).prefix).toBe('site/v1/');
    expect(resolveConfig({ ...SEED, prefix: 'site/' }).prefix).toBe('site/');
  });

  it('derives environment subjects instead of branch subjects when environments are set', () => {
    expect(resolveConfig({ ...SEED, environments: ['production', 'staging'] }).subjects).toEqual([
      'repo:acme/my-app:environment:production',
      'repo:acme/my-app:environment:staging',
    ]);
  });

  it('uses the immutable subject form when owner and repo ids are given', () => {
    expect(resolveConfig({ ...SEED, ownerId: '123456', repoId: '789012', branches: ['main', 'release'] }).subjects).toEqual([
      'repo:acme@123456/my-app@789012:ref:refs/heads/main',
      'repo:acme@123456/my-app@789012:ref:refs/heads/release',
    ]);
  });

  it('keeps user-supplied subjects as they are', () => {
    const subjects = ['repo:acme/my-app:ref:refs/tags/v*'];
    expect(resolveConfig({ ...SEED, subjects }).subjects).toEqual(subjects);
  });
});

describe('validation', () => {
  it('has a table of at least 30 bad inputs', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_INPUTS)('rejects %s', (_description, override, parameter, fragment) => {
    const issues = issuesOf({ ...SEED, ...override });
    const issue = issues.find((i) => i.parameter === parameter && i.rule.includes(fragment));
    expect(issue, `issues were: ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue!.fix.length).toBeGreaterThan(5);
  });

  it('rejects unknown parameters and wrong types, as a .projenrc.ts could pass them', () => {
    const issues = issuesOf({ ...SEED, buckett: 'x', account: 111111111111, branches: 'main', createBucket: 'yes' });
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
    expect(() => resolveConfig({ ...SEED, bucket: 'abc', sessionDuration: 900 })).not.toThrow();
    expect(() => resolveConfig({ ...SEED, bucket: 'a'.repeat(63), sessionDuration: 3600 })).not.toThrow();
    expect(() => resolveConfig({ ...SEED, oidcRoleName: 'r'.repeat(64), uploadRoleName: 'a+=,.@_-b' })).not.toThrow();
  });
});
