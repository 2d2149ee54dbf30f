import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/core/config';
import { readDoctorParameters } from '../../../src/doctor/repo-settings';
import { renderRepository } from '../../../src/render/repository';

describe('parameters read from the repo', () => {
  it('role B, duration and region from the generated workflow, trust from iam/', () => {
    const config = resolveConfig({ account: '111111111111', region: 'eu-west-1', repo: 'acme/app', bucket: 'b-1', sessionDuration: 1800, environments: ['production'], branches: [] });
    const files = new Map(renderRepository(config, { projen: true, version: '0.0.0-test' }).map((f) => [f.path, f.content]));
    const parameters = readDoctorParameters(files, {}, {});
    expect(parameters).toMatchObject({
      roleArn: 'arn:aws:iam::111111111111:role/upload-to-s3-role',
      duration: 1800,
      region: 'eu-west-1',
      sessionTags: false,
      trustedPrincipals: ['arn:aws:iam::111111111111:role/github-oidc-role'],
      trustedSubjects: ['repo:acme/app:environment:production'],
    });
    expect(readDoctorParameters(files, {}, { roleArn: 'arn:aws:iam::222222222222:role/x', duration: 900, region: 'us-east-2' })).toMatchObject({
      roleArn: 'arn:aws:iam::222222222222:role/x', duration: 900, region: 'us-east-2', source: '--role-arn',
    });
  });

  it('a source identity, and role B in another account, from the generated workflow', () => {
    const render = (options: Record<string, unknown>) => {
      const config = resolveConfig({ account: '111111111111', region: 'eu-west-1', repo: 'acme/app', bucket: 'b-1', ...options });
      return new Map(renderRepository(config, { projen: true, version: '0.0.0-test' }).map((f) => [f.path, f.content]));
    };
    expect(readDoctorParameters(render({ uploadAccount: '222222222222' }), {}, {})).toMatchObject({
      roleArn: 'arn:aws:iam::222222222222:role/upload-to-s3-role',
      sourceIdentity: true,
      trustedPrincipals: ['arn:aws:iam::111111111111:role/github-oidc-role'],
    });
    expect(readDoctorParameters(render({ sourceIdentity: false }), {}, {}).sourceIdentity).toBe(false);
  });
});
