/** Explanations of the errors AWS gives and moto cannot produce, built with the SDK's own exception class. */
import { STSServiceException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { explainAwsError } from '../../../src/doctor/explain';

const ACCOUNT = '123456789012';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('explanations of the errors AWS gives and moto does not (SDK exception class)', () => {
  const stsError = (name: string, message: string) =>
    new STSServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 403 } });
  const context = { roleArn: roleArn('upload-to-s3-role'), callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/github-oidc-role/s`, duration: 7200 };

  it('AssumeRoleWithWebIdentity AccessDenied: the sub formats', () => {
    const explanation = explainAwsError(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'), {
      ...context,
      operation: 'GetCallerIdentity',
      trustedSubjects: ['repo:acme/my-app:ref:refs/heads/main'],
    });
    expect(explanation.problem).toBe('the OIDC role does not trust this token');
    expect(explanation.why).toContain('repo:OWNER/NAME:environment:ENV');
    expect(explanation.why).toContain('repo:OWNER/NAME:ref:refs/heads/BRANCH');
    expect(explanation.why).toContain('repo:OWNER/NAME:pull_request');
    expect(explanation.why).toContain('repo:OWNER@OWNER_ID/NAME@REPO_ID');
    expect(explanation.why).toContain('The repo\'s OIDC trust allows: repo:acme/my-app:ref:refs/heads/main');
  });

  it('missing sts:TagSession when chaining with configure-aws-credentials', () => {
    const explanation = explainAwsError(
      stsError('AccessDenied', `User: ${context.callerArn} is not authorized to perform: sts:TagSession on resource: ${context.roleArn}`),
      { ...context, operation: 'AssumeRole', sessionTags: true },
    );
    expect(explanation.problem).toBe('sts:TagSession not allowed');
    expect(explanation.why).toContain('role-chaining: true');
    expect(explanation.fix).toContain('"sts:TagSession"');
    expect(explanation.fix).toContain('role-skip-session-tagging: true');
  });

  it('duration over 1 hour when chaining', () => {
    const explanation = explainAwsError(
      stsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'),
      { ...context, operation: 'AssumeRole' },
    );
    expect(explanation.problem).toBe('duration too long for a chained session');
    expect(explanation.fix).toContain('3600 s or less');
  });

  it.each(['ExpiredToken', 'ExpiredTokenException'])('expired credentials (%s)', (name) => {
    const explanation = explainAwsError(stsError(name, 'The security token included in the request is expired'), { ...context, operation: 'GetCallerIdentity' });
    expect(explanation.problem).toBe('expired credentials');
  });

  it('a plain AccessDenied on AssumeRole with tags mentions TagSession too', () => {
    const explanation = explainAwsError(stsError('AccessDenied', `User: ${context.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${context.roleArn}`), { ...context, operation: 'AssumeRole', sessionTags: true });
    expect(explanation.problem).toBe('role B cannot be assumed by this session');
    expect(explanation.why).toContain('sts:TagSession');
  });
});

