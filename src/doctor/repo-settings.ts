import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';
import type { ExplainContext } from './explain';
import { isWorkflowPath } from '../verify/file-kinds';
import { readPolicies } from '../verify/policy-reader';
import { resolveShell, scanWorkflow, usesAction } from '../verify/workflow-reader';

/** What doctor checks, read from the repo and overridden by flags. */
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

export interface DoctorOverrides {
  readonly roleArn?: string;
  readonly duration?: number;
  readonly region?: string;
}

/** Role B's ARN, the duration, the region and the trust the repo declares, from its files. */
export function readDoctorParameters(files: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, overrides: DoctorOverrides): DoctorParameters {
  const chaining = findChainingStep(files);
  const statements = readPolicies(files).statements;
  const unique = (values: string[]) => [...new Set(values)];
  return {
    roleArn: overrides.roleArn ?? chaining?.roleArn,
    duration: overrides.duration ?? chaining?.duration ?? MAX_CHAINED_SESSION_DURATION,
    region: overrides.region ?? chaining?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    sessionTags: chaining?.sessionTags ?? false,
    source: overrides.roleArn ? '--role-arn' : (chaining?.source ?? ''),
    trustedPrincipals: unique(statements.filter((s) => s.actions.includes('sts:AssumeRole')).flatMap((s) => s.principals)),
    trustedSubjects: unique(statements.flatMap((s) => s.subjects.map((subject) => subject.value))),
  };
}

/** What an explanation may quote of the repo. */
export function explainContext(parameters: DoctorParameters): Omit<ExplainContext, 'operation'> {
  return {
    roleArn: parameters.roleArn,
    duration: parameters.duration,
    sessionTags: parameters.sessionTags,
    trustedPrincipals: parameters.trustedPrincipals,
    trustedSubjects: parameters.trustedSubjects,
  };
}

interface ChainingStep {
  roleArn?: string;
  duration?: number;
  region?: string;
  sessionTags: boolean;
  source: string;
}

/** The step that assumes role B (configure-aws-credentials with role-chaining, or `aws sts assume-role`), and the region. */
function findChainingStep(files: ReadonlyMap<string, string>): ChainingStep | undefined {
  let found: ChainingStep | undefined;
  let region: string | undefined;
  for (const [path, text] of files) {
    if (!isWorkflowPath(path)) continue;
    for (const step of scanWorkflow(path, text).steps) {
      if (usesAction(step, 'aws-actions/configure-aws-credentials')) {
        const stepRegion = step.with['aws-region']?.value;
        if (!region && stepRegion && !stepRegion.includes('${{')) region = stepRegion;
        if (!found && /^true$/i.test(step.with['role-chaining']?.value ?? '') && step.with['role-to-assume']) {
          found = {
            roleArn: step.with['role-to-assume'].value,
            duration: Number(step.with['role-duration-seconds']?.value ?? MAX_CHAINED_SESSION_DURATION),
            sessionTags: !/^true$/i.test(step.with['role-skip-session-tagging']?.value ?? ''),
            source: `${path}:${step.with['role-to-assume'].line}`,
          };
        }
      }
      if (!found && step.run && /\bsts\s+assume-role\b/.test(step.run.value)) {
        const script = resolveShell(step.run.value, step.env);
        const arn = /--role-arn[=\s]+["']?([^"'\s]+)/.exec(script)?.[1];
        if (arn && !arn.includes('$')) {
          const seconds = /--duration-seconds[=\s]+["']?(\d+)/.exec(script)?.[1];
          found = { roleArn: arn, duration: seconds ? Number(seconds) : MAX_CHAINED_SESSION_DURATION, sessionTags: false, source: `${path}:${step.run.line}` };
        }
      }
    }
  }
  return found || region ? { sessionTags: false, source: '', ...found, region } : undefined;
}
