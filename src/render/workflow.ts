import { ENV } from '@keyless-build/upload/settings';
import { Document, type Scalar, type YAMLMap } from 'yaml';
import { ACTIONS, actionUses, type ActionName } from '../core/actions';
import type { KeylessBuildConfig } from '../core/config';
import { CREDENTIALS_FILE_NAME, RUNNER_TEMP_DIR, SECRET_ID, UPLOAD_STAGE } from '../core/constants';
import { stsAudience } from '../core/partition';

/** Step ids other steps refer to. */
export const STEP_IDS = { ecr: 'ecr', uploadRole: 'upload-role', build: 'build' } as const;

/**
 * Assumes role B with role A's session, masks the secret values and writes them as an AWS
 * shared-credentials file under $RUNNER_TEMP (outside the build context) with mode 0600.
 * Inputs arrive through `env:` only: no `${{ }}` is ever spliced into the script.
 *
 * With `sourceIdentity`, the session's source identity is `github-<run id>-<actor>`: CloudTrail
 * records it with every call the session makes, and it cannot be changed for the session's life.
 * STS takes 2-64 characters of letters, digits and `_+=,.@-`
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), so every other
 * character of the actor (`dependabot[bot]`) becomes `_`, and the value is cut at 64.
 */
export function assumeUploadRoleScript(sourceIdentity: boolean): string {
  return [
    'set -euo pipefail',
    'umask 077',
    ...(sourceIdentity
      ? ['source_identity="github-${RUN_ID}-${ACTOR//[^A-Za-z0-9_+=,.@-]/_}"', 'source_identity="${source_identity:0:64}"']
      : []),
    'credentials=$(aws sts assume-role \\',
    '  --role-arn "$UPLOAD_ROLE_ARN" \\',
    '  --role-session-name "$SESSION_NAME" \\',
    ...(sourceIdentity ? ['  --source-identity "$source_identity" \\'] : []),
    '  --duration-seconds "$SESSION_DURATION" \\',
    "  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \\",
    '  --output text)',
    'read -r access_key_id secret_access_key session_token <<<"$credentials"',
    'if [ -z "${session_token:-}" ]; then',
    '  echo "::error::sts assume-role returned no credentials for $UPLOAD_ROLE_ARN"',
    '  exit 1',
    'fi',
    'echo "::add-mask::$access_key_id"',
    'echo "::add-mask::$secret_access_key"',
    'echo "::add-mask::$session_token"',
    `credentials_dir="$RUNNER_TEMP/${RUNNER_TEMP_DIR}"`,
    `credentials_file="$credentials_dir/${CREDENTIALS_FILE_NAME}"`,
    'mkdir -p "$credentials_dir"',
    "printf '[default]\\naws_access_key_id = %s\\naws_secret_access_key = %s\\naws_session_token = %s\\n' \\",
    '  "$access_key_id" "$secret_access_key" "$session_token" > "$credentials_file"',
    'chmod 600 "$credentials_file"',
    ...(sourceIdentity ? ['echo "Role B\'s session: source identity $source_identity (CloudTrail records it with every upload)"'] : []),
    'echo "credentials-file=$credentials_file" >> "$GITHUB_OUTPUT"',
    '',
  ].join('\n');
}

/** Runs whatever happened before: the file must not outlive the job, even on a failed build. */
export const REMOVE_CREDENTIALS_SCRIPT = `rm -rf -- "$RUNNER_TEMP/${RUNNER_TEMP_DIR}"\n`;

/** The workflow as an object, ready for YAML serialisation. */
export function workflowObject(config: KeylessBuildConfig): Record<string, unknown> {
  const uses = (name: ActionName) => actionUses(name, config.actionPinning);
  const firstEnvironment = config.environments[0];
  const trigger: Record<string, unknown> = {
    push: { branches: [...config.branches] },
    workflow_dispatch: firstEnvironment
      ? {
          inputs: {
            environment: {
              description: 'GitHub environment to run in (each must be trusted by the OIDC role)',
              type: 'choice',
              options: [...config.environments],
              default: firstEnvironment,
            },
          },
        }
      : {},
  };
  if (config.branches.length === 0) delete trigger.push;

  const buildArgs = [`${ENV.bucket}=${config.bucket}`, `${ENV.prefix}=${config.prefix}`, `${ENV.region}=${config.region}`];

  const job: Record<string, unknown> = {
    'name': 'Build, upload to S3, push to ECR',
    // GitHub-hosted runners are not available on GitHub Enterprise Server: its jobs run on self-hosted ones.
    'runs-on': config.issuer.kind === 'ghes' ? ['self-hosted', 'linux', 'x64'] : 'ubuntu-latest',
    ...(firstEnvironment ? { environment: `\${{ inputs.environment || '${firstEnvironment}' }}` } : {}),
    'permissions': { 'id-token': 'write', 'contents': 'read' },
    'timeout-minutes': 60,
    'steps': [
      { name: 'Check out', uses: uses('checkout'), with: { 'persist-credentials': false } },
      {
        'name': `Assume ${config.oidcRoleName} with GitHub OIDC`,
        'uses': uses('configureAwsCredentials'),
        'with': {
          'role-to-assume': config.oidcRoleArn,
          'aws-region': config.region,
          'audience': stsAudience(config.partition),
          'role-session-name': 'keyless-build-${{ github.run_id }}',
          'allowed-account-ids': config.account,
        },
      },
      { name: 'Log in to Amazon ECR', id: STEP_IDS.ecr, uses: uses('amazonEcrLogin') },
      {
        name: `Assume ${config.uploadRoleName} for the build`,
        id: STEP_IDS.uploadRole,
        shell: 'bash',
        env: {
          UPLOAD_ROLE_ARN: config.uploadRoleArn,
          SESSION_NAME: 'keyless-build-${{ github.run_id }}-${{ github.run_attempt }}',
          SESSION_DURATION: String(config.sessionDuration),
          ...(config.sourceIdentity ? { RUN_ID: '${{ github.run_id }}', ACTOR: '${{ github.actor }}' } : {}),
        },
        run: assumeUploadRoleScript(config.sourceIdentity),
      },
      { name: 'Set up Docker Buildx', uses: uses('setupBuildx') },
      {
        name: 'Build (uploads to S3) and push',
        id: STEP_IDS.build,
        uses: uses('buildPush'),
        with: {
          'context': '.',
          'push': true,
          'tags': `\${{ steps.${STEP_IDS.ecr}.outputs.registry }}/${config.ecrRepository}:\${{ github.sha }}`,
          'build-args': `${buildArgs.join('\n')}\n`,
          'secret-files': `${SECRET_ID}=\${{ steps.${STEP_IDS.uploadRole}.outputs.credentials-file }}`,
          'cache-from': 'type=gha',
          'cache-to': 'type=gha,mode=max',
          'no-cache-filters': UPLOAD_STAGE,
        },
      },
      { name: 'Remove the upload credentials', if: 'always()', shell: 'bash', run: REMOVE_CREDENTIALS_SCRIPT },
    ],
  };

  return {
    name: 'keyless-build',
    on: trigger,
    permissions: {},
    concurrency: { 'group': 'keyless-build-${{ github.ref }}', 'cancel-in-progress': false },
    jobs: { build: job },
  };
}

/** Why each job permission is needed, as a comment beside it. */
const PERMISSION_COMMENTS: Record<string, string> = {
  'id-token': 'the OIDC token that role A trusts',
  'contents': 'actions/checkout',
};

/** Serialises the workflow; SHA-pinned `uses:` get their version as a trailing comment. */
export function renderWorkflow(config: KeylessBuildConfig, marker?: string): string {
  const doc = new Document(workflowObject(config));
  if (marker) doc.commentBefore = ` ${marker}`;
  for (const [permission, comment] of Object.entries(PERMISSION_COMMENTS)) {
    (doc.getIn(['jobs', 'build', 'permissions', permission], true) as Scalar).comment = ` ${comment}`;
  }
  if (config.issuer.kind !== 'github.com') {
    const step = doc.getIn(['jobs', 'build', 'steps', 1], true) as YAMLMap;
    step.commentBefore = ` The OIDC token comes from ${config.issuer.url}; role A trusts that issuer's provider only.`;
  }
  const steps = doc.getIn(['jobs', 'build', 'steps'], true) as { items: YAMLMap[] };
  const buildInputs = ['jobs', 'build', 'steps', steps.items.findIndex((step) => step.get('id') === STEP_IDS.build), 'with'];
  (doc.getIn([...buildInputs, 'cache-from'], true) as Scalar).comment = ' layers from earlier runs (GitHub Actions cache): the dependency install is reused';
  (doc.getIn([...buildInputs, 'no-cache-filters'], true) as Scalar).comment =
    ' BuildKit keeps secrets out of the cache key: an upload from the cache would silently not run';
  if (config.environments.length > 0) {
    // checkov's CKV_GHA_7 (SLSA: no workflow_dispatch inputs) aims at inputs that change what is built.
    const inputs = doc.getIn(['on', 'workflow_dispatch', 'inputs'], true) as YAMLMap;
    inputs.commentBefore =
      ' checkov:skip=CKV_GHA_7: the one input picks which trusted environment (its protection rules and OIDC subject) runs the job,' +
      ' from a fixed list; it never reaches the build or a script.';
  }
  if (config.actionPinning === 'sha') {
    steps.items.forEach((_, index) => {
      const node = doc.getIn(['jobs', 'build', 'steps', index, 'uses'], true) as Scalar | undefined;
      if (!node) return;
      const action = Object.values(ACTIONS).find((a) => String(node.value).startsWith(`${a.repository}@`));
      if (action) node.comment = ` ${action.version}`;
    });
  }
  return doc.toString({ lineWidth: 0 });
}
