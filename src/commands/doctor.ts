import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { UsageError } from './args';
import { MAX_CHAINED_SESSION_DURATION, MIN_SESSION_DURATION } from '../core/constants';
import { chainedDurationExplanation, explainAwsError, type ExplainContext, type Explanation } from '../doctor/explain';
import { isWorkflowPath } from '../verify/verify-files';
import { readRepository } from './verify';
import { resolveShell, scanWorkflow, usesAction } from '../verify/workflow-reader';

export interface DoctorContext {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const DOCTOR_HELP = `keyless-build doctor [dir] [options]

Checks the AWS side live, with the credentials of the current environment (the default chain:
AWS_* variables, AWS_PROFILE, SSO, web identity; AWS_ENDPOINT_URL is honoured):
  credentials            who am I (sts:GetCallerIdentity)
  duration               whether the session duration is allowed for a chained session (<= 3600 s)
  assume-role            whether this session can assume role B (sts:AssumeRole, the workflow's
                         session tags when it chains with configure-aws-credentials)
  temporary-credentials  whether role B's temporary credentials work (GetCallerIdentity with them)
Run it with role A's credentials to see what the workflow will see. Role B's ARN, the
duration and the region are read from the repo's workflow; flags override them.

Options:
  --role-arn <arn>       role B, the role the build's credentials come from
  --duration <seconds>   session duration to ask for (default: the workflow's, else 3600)
  --region <region>      STS region (default: the workflow's aws-region, else AWS_REGION)
  --explain <message>    explain an error message from a workflow log (offline; no AWS call)
  --json                 print the results as JSON
  -h, --help             show this help

[dir] defaults to the current directory. Exit codes: 0 all checks passed, 1 a check failed,
2 bad usage.
`;

export interface DoctorParameters {
  readonly roleArn?: string;
  readonly duration: number;
  readonly region: string;
  /** Whether the workflow assumes role B with session tags (configure-aws-credentials chaining). */
  readonly sessionTags: boolean;
  /** Where role B's ARN came from. */
  readonly source: string;
  readonly trustedPrincipals: readonly string[];
  readonly trustedSubjects: readonly string[];
}

export interface CheckResult {
  readonly id: 'credentials' | 'duration' | 'assume-role' | 'temporary-credentials';
  readonly status: 'ok' | 'fail' | 'skip';
  readonly detail: string;
  readonly explanation?: Explanation;
}

interface Flags {
  directory?: string;
  roleArn?: string;
  duration?: number;
  region?: string;
  explain?: string;
  json: boolean;
  help: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '-h':
      case '--help':
        flags.help = true;
        break;
      case '--json':
        flags.json = true;
        break;
      case '--role-arn': {
        const arn = value();
        if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) throw new UsageError(`--role-arn ${JSON.stringify(arn)} is not an IAM role ARN; expected arn:aws:iam::111111111111:role/upload-to-s3-role`);
        flags.roleArn = arn;
        break;
      }
      case '--duration': {
        const raw = value();
        if (!/^\d+$/.test(raw)) throw new UsageError(`--duration ${JSON.stringify(raw)} is not a number of seconds; e.g. --duration 3600`);
        flags.duration = Number(raw);
        break;
      }
      case '--region': {
        const region = value();
        if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region; e.g. --region ap-northeast-1`);
        flags.region = region;
        break;
      }
      case '--explain':
        flags.explain = value();
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${name}. Run keyless-build doctor --help for the options.`);
        if (flags.directory !== undefined) throw new UsageError(`expected at most one directory, got ${JSON.stringify(flags.directory)} and ${JSON.stringify(arg)}`);
        flags.directory = arg;
    }
  }
  return flags;
}

/** Role B's ARN, the duration, the region and the trust the repo declares, from its files. */
export function readDoctorParameters(files: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, flags: Pick<Flags, 'roleArn' | 'duration' | 'region'>): DoctorParameters {
  let roleArn: string | undefined;
  let duration: number | undefined;
  let region: string | undefined;
  let sessionTags = false;
  let source = '';
  for (const [path, text] of files) {
    if (!isWorkflowPath(path)) continue;
    for (const step of scanWorkflow(path, text).steps) {
      if (usesAction(step, 'aws-actions/configure-aws-credentials')) {
        const stepRegion = step.with['aws-region']?.value;
        if (!region && stepRegion && !stepRegion.includes('${{')) region = stepRegion;
        if (!roleArn && /^true$/i.test(step.with['role-chaining']?.value ?? '') && step.with['role-to-assume']) {
          roleArn = step.with['role-to-assume'].value;
          duration = Number(step.with['role-duration-seconds']?.value ?? MAX_CHAINED_SESSION_DURATION);
          sessionTags = !/^true$/i.test(step.with['role-skip-session-tagging']?.value ?? '');
          source = `${path}:${step.with['role-to-assume'].line}`;
        }
      }
      if (!roleArn && step.run && /\bsts\s+assume-role\b/.test(step.run.value)) {
        const script = resolveShell(step.run.value, step.env);
        const arn = /--role-arn[=\s]+["']?([^"'\s]+)/.exec(script)?.[1];
        if (arn && !arn.includes('$')) {
          roleArn = arn;
          const seconds = /--duration-seconds[=\s]+["']?(\d+)/.exec(script)?.[1];
          duration = seconds ? Number(seconds) : MAX_CHAINED_SESSION_DURATION;
          source = `${path}:${step.run.line}`;
        }
      }
    }
  }
  const trustedPrincipals: string[] = [];
  const trustedSubjects: string[] = [];
  for (const [path, text] of files) {
    if (!/^iam\/.*\.json$/.test(path)) continue;
    const doc = parseDocument(text);
    const statements = doc.get('Statement', true);
    for (const statement of isSeq(statements) ? statements.items : []) {
      if (!isMap(statement)) continue;
      const principal = statement.get('Principal', true);
      const actions = JSON.stringify(statement.toJSON()?.Action ?? '');
      if (isMap(principal) && actions.includes('sts:AssumeRole"') ) {
        const aws = principal.get('AWS', true);
        for (const item of isSeq(aws) ? aws.items : [aws]) if (isScalar(item)) trustedPrincipals.push(String(item.value));
      }
      const condition = statement.toJSON()?.Condition as Record<string, Record<string, unknown>> | undefined;
      for (const operator of Object.values(condition ?? {})) {
        for (const [key, value] of Object.entries(operator ?? {})) {
          if (key.endsWith(':sub')) trustedSubjects.push(...(Array.isArray(value) ? value.map(String) : [String(value)]));
        }
      }
    }
  }
  return {
    roleArn: flags.roleArn ?? roleArn,
    duration: flags.duration ?? duration ?? MAX_CHAINED_SESSION_DURATION,
    region: flags.region ?? region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    sessionTags,
    source: flags.roleArn ? '--role-arn' : source,
    trustedPrincipals,
    trustedSubjects,
  };
}

export async function doctorCommand(context: DoctorContext): Promise<0 | 1 | 2> {
  const { stdout, stderr } = context;
  let flags: Flags;
  try {
    flags = parseFlags(context.argv);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (flags.help) {
    stdout(DOCTOR_HELP);
    return 0;
  }
  const directory = resolve(context.cwd, flags.directory ?? '.');
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    stderr(`error: ${flags.directory} is not a directory. Pass the repository's root directory.\n`);
    return 2;
  }
  const parameters = readDoctorParameters(readRepository(directory), context.env, flags);

  if (flags.explain !== undefined) {
    const operation = /AssumeRole(?!WithWebIdentity)|TagSession|DurationSeconds/.test(flags.explain) ? 'AssumeRole' : 'GetCallerIdentity';
    const code = /^\s*(?:An error occurred \()?([A-Z][A-Za-z]+)\)?/.exec(flags.explain)?.[1];
    const error = Object.assign(new Error(flags.explain), { name: code && !/^(Error|Could|Not|User)$/.test(code) ? code : 'Error' });
    const explanation = explainAwsError(error, { operation, ...explainContext(parameters) });
    stdout(flags.json ? `${JSON.stringify({ explanation }, null, 2)}\n` : formatExplanation(explanation, ''));
    return 0;
  }

  if (!parameters.roleArn) {
    stderr('error: role B\'s ARN was not found in .github/workflows/ (no `aws sts assume-role --role-arn` step and no configure-aws-credentials step with role-chaining: true). Pass it: --role-arn arn:aws:iam::111111111111:role/upload-to-s3-role\n');
    return 2;
  }

  const results = await runChecks(parameters);
  if (flags.json) {
    stdout(`${JSON.stringify({ parameters, checks: results }, null, 2)}\n`);
  } else {
    stdout(`Role B ${parameters.roleArn} (${parameters.source}), ${parameters.duration} s, region ${parameters.region}${parameters.sessionTags ? ', with session tags' : ''}\n\n`);
    for (const result of results) {
      stdout(`${result.status.toUpperCase().padEnd(4)}  ${result.id.padEnd(22)} ${result.detail}\n`);
      if (result.explanation) stdout(formatExplanation(result.explanation, '      '));
    }
  }
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

function explainContext(parameters: DoctorParameters): Omit<ExplainContext, 'operation'> {
  return {
    roleArn: parameters.roleArn,
    duration: parameters.duration,
    sessionTags: parameters.sessionTags,
    trustedPrincipals: parameters.trustedPrincipals,
    trustedSubjects: parameters.trustedSubjects,
  };
}

function formatExplanation(explanation: Explanation, indent: string): string {
  return `${indent}Problem: ${explanation.problem}\n${indent}Why: ${explanation.why}\n${indent}Fix: ${explanation.fix}\n`;
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
