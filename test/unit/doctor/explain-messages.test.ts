/**
 * doctor --explain on error messages shaped like the ones users paste from job logs (written by
 * us, not copied from any thread), from the text alone and with a repository. Each row names the
 * words a right answer must contain; the pasted text is removed from the output before matching,
 * so an answer that only echoes the error cannot pass.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/core/actions';
import { WORKFLOW_PATH } from '../../../src/core/constants';
import { explainMessage, type Explanation } from '../../../src/doctor/explain';
import { explainContext, readDoctorParameters } from '../../../src/doctor/repo-settings';
import { renderContents } from '../../support/render';

const ROLE_A = 'arn:aws:sts::111111111111:assumed-role/github-oidc-role/GitHubActions';
const ROLE_B = 'arn:aws:sts::111111111111:assumed-role/upload-to-s3-role/keyless-build-42-1';
const CAC = `${ACTIONS.configureAwsCredentials.repository}@${ACTIONS.configureAwsCredentials.sha} # ${ACTIONS.configureAwsCredentials.version}`;

/** The explanation as doctor prints it, with every trace of the pasted text taken out. */
function answer(pasted: string, explanation: Explanation): string {
  let text = `${explanation.problem}\n${explanation.why}\n${explanation.fix}`;
  const pieces = [pasted, ...pasted.split(/\n|: /).map((piece) => piece.trim()).filter((piece) => piece.length >= 12)];
  for (const piece of pieces) text = text.split(piece).join(' ');
  return text;
}

function explainWith(pasted: string, files?: ReadonlyMap<string, string>, duration?: number): string {
  const context = files ? explainContext(readDoctorParameters(files, {}, { duration })) : {};
  return answer(pasted, explainMessage(pasted, context));
}

function expectWords(text: string, words: readonly string[], absent: readonly string[] = []): void {
  for (const word of words) expect(text.toLowerCase(), `missing "${word}" in:\n${text}`).toContain(word.toLowerCase());
  for (const word of absent) expect(text.toLowerCase(), `unexpected "${word}" in:\n${text}`).not.toContain(word.toLowerCase());
}

/** A hand-made workflow: OIDC into role A, then role B; `extra` edits it for the case. */
function handMade(edit: (workflow: string) => string, subjects = ['repo:acme/site:ref:refs/heads/main']): Map<string, string> {
  const workflow = [
    'on:',
    '  push:',
    '    branches: [main]',
    '  workflow_dispatch:',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    permissions:',
    '      id-token: write',
    '      contents: read',
    '    steps:',
    `      - uses: ${CAC}`,
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/github-oidc-role',
    '          aws-region: eu-west-1',
    `      - uses: ${CAC}`,
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/upload-to-s3-role',
    '          aws-region: eu-west-1',
    '          role-chaining: true',
    '',
  ].join('\n');
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': subjects } } }] }, null, 2);
  return new Map([['.github/workflows/deploy.yml', edit(workflow)], ['iam/oidc-trust.json', trust]]);
}

describe('from the error text alone', () => {
  it.each<[string, string, string[], string[]?]>([
    ['credentials never loaded', 'Error: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers', ['id-token: write', 'fork', 'role-chaining', 'older configure-aws-credentials'], ['aws sso login']],
    ['credentials never loaded, with the action\'s own hint', 'It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission? If you are not trying to authenticate with OIDC and the action is working successfully, you can ignore this message.\nError: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers', ['no oidc token', 'id-token: write', 'fork']],
    ['audience', 'Error: Incorrect token audience', ['sts.amazonaws.com', 'client id', 'audience:']],
    ['no provider', 'Error: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com', ['create-open-id-connect-provider', "role a's account"]],
    ['thumbprint', "Error: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", ['update-open-id-connect-provider-thumbprint', 'trusted root']],
    ['web identity refused', 'Error: Not authorized to perform sts:AssumeRoleWithWebIdentity', ['repo:OWNER/NAME:environment:ENV', 'case-sensitively', 'rename', 'transfer', 'opt-in', 'role-chaining: true']],
    ['upload as role A', `An error occurred (AccessDenied) when calling the PutObject operation: User: ${ROLE_A} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::acme-site/index.html" because no identity-based policy allows the s3:PutObject action`, ["role b's", 'permission policies', 'implicit deny', 'wrong credentials']],
    ['KMS key policy', `User: ${ROLE_B} is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d because no resource-based policy allows the kms:GenerateDataKey action`, ['kms key policy', "role b's", 'add an allow']],
    ['SCP deny on ECR', `User: ${ROLE_A} is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:eu-west-1:111111111111:repository/site with an explicit deny in a service control policy`, ['service control policy', 'explicit deny wins', "role a's", 'cannot help']],
    ['role B not assumable', `An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${ROLE_A} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/upload-to-s3-role`, ['trust policy', "role a's arn", 'does not exist']],
    ['TagSession', `User: ${ROLE_A} is not authorized to perform: sts:TagSession on resource: arn:aws:iam::111111111111:role/upload-to-s3-role`, ['"sts:TagSession"', 'role-skip-session-tagging: true']],
    ['SetSourceIdentity', `An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${ROLE_A} is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::222222222222:role/upload-to-s3-role`, ['"sts:SetSourceIdentity"', "role b's trust", 'for-oidc-role-owners.json', 'sourceidentity: false']],
    ['no provider for a GHES issuer', 'Error: No OpenIDConnect provider found in your account for https://github.example.com/_services/token', ['host/_services/token', 'ghesHost', 'create-open-id-connect-provider']],
    ['expired during the build', 'upload failed: ExpiredToken: The provided token has expired.', ['at most an hour', 'from the assume-role step', 'everything in the image build before the upload runs inside it'], ['aws sso login']],
    ['chained duration', 'An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', ['3600 s or less', 'role chaining']],
    ['BuildKit secret', 'ERROR: failed to solve: secret upload-credentials not found: not found', ['required=true', 'secret-files', 'secret file PATH not found', 'not an aws error'], ['aws sso login', 'trust policy']],
    ['build-push-action warning', 'Warning: secret file /home/runner/work/_temp/creds.ini not found', ['secret-files', 'same job before the build']],
    ['plain S3 Access Denied', 'An error occurred (AccessDenied) when calling the PutObject operation: Access Denied', ['get-caller-identity', 'role b']],
    ['invalid keys', 'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.', ['env | grep ^AWS_', 'session token']],
    ['unknown', 'Error: the runner lost its connection to the server', ['does not recognise', 'keyless-build doctor'], ['rerun with valid credentials']],
  ])('%s', (_name, pasted, words, absent) => {
    expectWords(explainWith(pasted), words, absent);
  });
});

describe('better with the repository', () => {
  const notLoaded = 'Error: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers';
  it('credentials never loaded: the job without id-token: write, named', () => {
    const files = handMade((w) => w.replace('      id-token: write\n', ''));
    // Line 15 once the id-token line is gone: the step's role-to-assume.
    expectWords(explainWith(notLoaded, files), ['.github/workflows/deploy.yml:15', 'id-token: write'], ['fork']);
  });
  it('credentials never loaded: pull requests from forks', () => {
    const files = handMade((w) => w.replace('  workflow_dispatch:', '  pull_request:'));
    expectWords(explainWith(notLoaded, files), ['pull_request', 'fork', 'id-token: read'], ['.github/workflows/deploy.yml:16']);
  });
  it('credentials never loaded: an old action version', () => {
    const files = handMade((w) => w.replaceAll(CAC, 'aws-actions/configure-aws-credentials@v2'));
    expectWords(explainWith(notLoaded, files), ['v2', `upgrade to ${ACTIONS.configureAwsCredentials.version}`]);
  });
  const refused = 'Error: Not authorized to perform sts:AssumeRoleWithWebIdentity';
  it('web identity refused: the second step lacks role-chaining: true', () => {
    const files = handMade((w) => w.replace('          role-chaining: true\n', ''));
    expectWords(explainWith(refused, files), ['.github/workflows/deploy.yml:20', 'add role-chaining: true']);
  });
  it('web identity refused: workflow_dispatch from another branch, name-only subjects', () => {
    expectWords(explainWith(refused, handMade((w) => w)), ['workflow_dispatch', 'branch it was run from', 'rename, a transfer or an opt-in', 'repo:acme/site:ref:refs/heads/main']);
  });
  it('a denial compared with iam/*.json, and which role made the call', () => {
    const files = renderContents();
    const pasted = `User: ${ROLE_A} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::other-bucket/index.html" because no identity-based policy allows the s3:PutObject action`;
    expectWords(explainWith(pasted, files), ["called with role a's credentials, not role b's", 'AWS_SHARED_CREDENTIALS_FILE', 'iam/upload-role-permission-policy.json', 'does not cover']);
    const other = `User: arn:aws:sts::111111111111:assumed-role/ec2-runner-role/i-0abc is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::my-bucket/index.html" because no identity-based policy allows the s3:PutObject action`;
    expectWords(explainWith(other, files), ['neither role a nor role b', 'imds', 'AWS_EC2_METADATA_DISABLED=true', 'which covers']);
  });
  it('chained duration: the repo asks for less, so the request came from elsewhere; or it asks for more', () => {
    const pasted = 'An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
    const files = renderContents();
    expectWords(explainWith(pasted, files), ['asks for 3600 s, within the limit', 'elsewhere'], ['3600 s asked']);
    expectWords(explainWith(pasted, files, 7200), ['7200 s asked for role b']);
  });
  it('BuildKit secret: the ids the repo mounts and provides', () => {
    const files = renderContents();
    files.set(WORKFLOW_PATH, files.get(WORKFLOW_PATH)!.replace('secret-files: upload-credentials=', 'secret-files: upload-creds='));
    expectWords(explainWith('ERROR: failed to solve: secret upload-credentials not found: not found', files), ['"upload-creds"', 'is not provided under that name']);
  });
});
