/**
 * The live checks of doctor, with the credentials of the environment. The only module that
 * loads the AWS SDK, and only when the checks run.
 */
import { MAX_CHAINED_SESSION_DURATION, MIN_SESSION_DURATION } from '../core/constants';
import { chainedDurationExplanation, explainAwsError, type Explanation } from './explain';
import { explainContext, type DoctorParameters } from './repo-settings';

export interface CheckResult {
  readonly id: 'credentials' | 'duration' | 'assume-role' | 'temporary-credentials';
  readonly status: 'ok' | 'fail' | 'skip';
  readonly detail: string;
  readonly explanation?: Explanation;
}

/** The live checks, in order; a check whose prerequisite failed is skipped. */
export async function runChecks(parameters: DoctorParameters): Promise<CheckResult[]> {
  // Loaded here only: no other command pays for the SDK.
  const { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const results: CheckResult[] = [];
  const roleArn = parameters.roleArn!;
  const base = explainContext(parameters);
  const client = new STSClient({ region: parameters.region, maxAttempts: 2 });

  let callerArn: string;
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    callerArn = identity.Arn ?? '';
    results.push({ id: 'credentials', status: 'ok', detail: `${callerArn} (account ${identity.Account})` });
  } catch (error) {
    results.push({ id: 'credentials', status: 'fail', detail: describe(error), explanation: explainAwsError(error, { ...base, operation: 'GetCallerIdentity' }) });
    results.push({ id: 'duration', status: 'skip', detail: 'needs working credentials' });
    results.push({ id: 'assume-role', status: 'skip', detail: 'needs working credentials' });
    results.push({ id: 'temporary-credentials', status: 'skip', detail: 'needs working credentials' });
    return results;
  }

  const chained = callerArn.includes(':assumed-role/');
  const duration = parameters.duration;
  let askFor = duration;
  if (duration > MAX_CHAINED_SESSION_DURATION) {
    askFor = MAX_CHAINED_SESSION_DURATION;
    results.push({ id: 'duration', status: 'fail', detail: `${duration} s > ${MAX_CHAINED_SESSION_DURATION} s${chained ? ' and this session is itself an assumed role' : ''}; the assume-role check below asks for ${askFor} s`, explanation: chainedDurationExplanation(duration) });
  } else if (duration < MIN_SESSION_DURATION) {
    askFor = MIN_SESSION_DURATION;
    results.push({ id: 'duration', status: 'fail', detail: `${duration} s is below STS's minimum of ${MIN_SESSION_DURATION} s`, explanation: { problem: 'duration too short', why: `STS accepts ${MIN_SESSION_DURATION} to ${MAX_CHAINED_SESSION_DURATION} s for a chained session.`, fix: `ask for ${MIN_SESSION_DURATION} s or more.` } });
  } else {
    results.push({ id: 'duration', status: 'ok', detail: `${duration} s is within the ${MAX_CHAINED_SESSION_DURATION} s limit of a chained session${chained ? ' (this session is an assumed role: the call chains)' : ''}` });
  }

  let credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined;
  const sessionName = `keyless-build-doctor-${Math.floor(Date.now() / 1000)}`;
  try {
    const assumed = await client.send(new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      DurationSeconds: askFor,
      // The tags configure-aws-credentials sets, so a trust policy without sts:TagSession fails here too.
      Tags: parameters.sessionTags ? [{ Key: 'GitHub', Value: 'Actions' }, { Key: 'Repository', Value: 'keyless-build-doctor' }] : undefined,
      // The workflow names the run as the source identity: without sts:SetSourceIdentity in both policies this fails here too.
      SourceIdentity: parameters.sourceIdentity ? sessionName : undefined,
    }));
    credentials = assumed.Credentials;
    results.push({ id: 'assume-role', status: 'ok', detail: `${assumed.AssumedRoleUser?.Arn ?? roleArn}, expires ${assumed.Credentials?.Expiration?.toISOString() ?? '(unknown)'}` });
  } catch (error) {
    results.push({ id: 'assume-role', status: 'fail', detail: describe(error), explanation: explainAwsError(error, { ...base, callerArn, operation: 'AssumeRole' }) });
    results.push({ id: 'temporary-credentials', status: 'skip', detail: 'role B could not be assumed' });
    return results;
  }

  try {
    const temporary = new STSClient({
      region: parameters.region,
      maxAttempts: 2,
      credentials: { accessKeyId: credentials!.AccessKeyId!, secretAccessKey: credentials!.SecretAccessKey!, sessionToken: credentials!.SessionToken },
    });
    const identity = await temporary.send(new GetCallerIdentityCommand({}));
    const roleName = roleArn.split('/').pop()!;
    if (!identity.Arn?.includes(`:assumed-role/${roleName}/`)) {
      results.push({ id: 'temporary-credentials', status: 'fail', detail: `the credentials act as ${identity.Arn}, not as a session of ${roleName}`, explanation: { problem: 'unexpected identity', why: 'the credentials STS returned do not belong to role B.', fix: 'check AWS_ENDPOINT_URL and the role ARN.' } });
    } else {
      results.push({ id: 'temporary-credentials', status: 'ok', detail: `they work: ${identity.Arn}` });
    }
  } catch (error) {
    results.push({ id: 'temporary-credentials', status: 'fail', detail: describe(error), explanation: explainAwsError(error, { ...base, callerArn, operation: 'TemporaryCredentials' }) });
  }
  return results;
}

function describe(error: unknown): string {
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message.split('\n')[0]}`;
}
