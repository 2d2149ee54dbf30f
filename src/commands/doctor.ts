import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { runChecks } from '../doctor/live-checks';
import { explainMessage, type Explanation } from '../doctor/explain';
import { explainContext, readDoctorParameters } from '../doctor/repo-settings';
import { UsageError, formatOptions, type ArgsDefinition } from './args';
import { defineCommand } from './command';
import { readRepository } from './read-repository';

const args = {
  'role-arn': {
    type: 'string',
    valueHint: '<arn>',
    description: "role B, the role the build's credentials come from",
    parse: (arn) => {
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)) throw new UsageError(`--role-arn ${JSON.stringify(arn)} is not an IAM role ARN; expected arn:aws:iam::111111111111:role/upload-to-s3-role`);
      return arn;
    },
  },
  'duration': {
    type: 'string',
    valueHint: '<seconds>',
    description: "session duration to ask for (default: the workflow's, else 3600)",
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) throw new UsageError(`--duration ${JSON.stringify(raw)} is not a number of seconds; e.g. --duration 3600`);
      return Number(raw);
    },
  },
  'region': {
    type: 'string',
    valueHint: '<region>',
    description: "STS region (default: the workflow's aws-region, else AWS_REGION)",
    parse: (region) => {
      if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region; e.g. --region ap-northeast-1`);
      return region;
    },
  },
  'explain': {
    type: 'string',
    valueHint: '<message>',
    description: 'explain an error message from a workflow log (offline; no AWS call)',
    parse: (text) => {
      if (text.trim() === '') throw new UsageError('--explain needs the error text from the log, e.g. --explain "Error: Could not load credentials from any providers"');
      return text;
    },
  },
  'json': { type: 'boolean', description: 'print the results as JSON' },
  'help': { type: 'boolean', short: 'h', description: 'show this help' },
} satisfies ArgsDefinition;

export const doctorCommand = defineCommand({
  meta: { name: 'keyless-build doctor', description: 'check the AWS side live: who you are, whether role B can be assumed, for how long' },
  args,
  help: (name) => `${name} [dir] [options]

Checks the AWS side live, with the credentials of the current environment (the default chain:
AWS_* variables, AWS_PROFILE, SSO, web identity; AWS_ENDPOINT_URL is honoured):
  credentials            who am I (sts:GetCallerIdentity)
  duration               whether the session duration is allowed for a chained session (<= 3600 s)
  assume-role            whether this session can assume role B (sts:AssumeRole, the workflow's
                         session tags when it chains with configure-aws-credentials, a source
                         identity when the workflow sets one)
  temporary-credentials  whether role B's temporary credentials work (GetCallerIdentity with them)
Run it with role A's credentials to see what the workflow will see. Role B's ARN, the
duration and the region are read from the repo's workflow; flags override them.

--explain "<text>" explains an error pasted from a job log, offline: configure-aws-credentials'
messages, OIDC provider and trust refusals, IAM's "is not authorized to perform" (which role
made the call, which role the action belongs to, which policy refused), expired and over-long
sessions, BuildKit's "secret ... not found". With [dir] it also reads what the repo says: the
workflows' permissions, triggers and configure-aws-credentials steps, the Dockerfile's secret
mounts and the IAM documents.

Options:
${formatOptions(args).join('\n')}

[dir] defaults to the current directory. Exit codes: 0 all checks passed, 1 a check failed,
2 bad usage.
`,
  async run({ args: values, positional, context }) {
    const { stdout, stderr } = context;
    const directory = resolve(context.cwd, positional ?? '.');
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      stderr(`error: ${positional ?? '.'} is not a directory. Pass the repository's root directory.\n`);
      return 2;
    }
    const parameters = readDoctorParameters(readRepository(directory), context.env, {
      roleArn: values['role-arn'] as string | undefined,
      duration: values.duration as number | undefined,
      region: values.region as string | undefined,
    });
    const json = values.json === true;

    if (values.explain !== undefined) {
      const explanation = explainMessage(values.explain as string, explainContext(parameters));
      stdout(json ? `${JSON.stringify({ explanation }, null, 2)}\n` : formatExplanation(explanation, ''));
      return 0;
    }
    if (!parameters.roleArn) {
      stderr("error: role B's ARN was not found in .github/workflows/ (no `aws sts assume-role --role-arn` step and no configure-aws-credentials step with role-chaining: true). Pass it: --role-arn arn:aws:iam::111111111111:role/upload-to-s3-role\n");
      return 2;
    }

    const results = await runChecks(parameters);
    if (json) {
      stdout(`${JSON.stringify({ parameters, checks: results }, null, 2)}\n`);
    } else {
      stdout(`Role B ${parameters.roleArn} (${parameters.source}), ${parameters.duration} s, region ${parameters.region}${parameters.sessionTags ? ', with session tags' : ''}${parameters.sourceIdentity ? ', with a source identity' : ''}\n\n`);
      for (const result of results) {
        stdout(`${result.status.toUpperCase().padEnd(4)}  ${result.id.padEnd(22)} ${result.detail}\n`);
        if (result.explanation) stdout(formatExplanation(result.explanation, '      '));
      }
    }
    return results.some((r) => r.status === 'fail') ? 1 : 0;
  },
});

function formatExplanation(explanation: Explanation, indent: string): string {
  return `${indent}Problem: ${explanation.problem}\n${indent}Why: ${explanation.why}\n${indent}Fix: ${explanation.fix}\n`;
}
