import { MAX_CHAINED_SESSION_DURATION } from '../core/constants';
import type { ExplainContext, OidcStep, RepoFacts } from './explanation';
import { parseRepository } from '../verify/parsed-repository';
import { providedSecrets, secretMounts } from '../verify/secrets';
import { grantsWrite, resolveShell, usesAction, type WorkflowFile, type WorkflowStep } from '../verify/workflow-reader';

/** What doctor checks, read from the repo and overridden by flags. */
export interface DoctorParameters {
  readonly roleArn?: string;
  readonly duration: number;
  readonly region: string;
  /** Whether the workflow assumes role B with session tags (configure-aws-credentials chaining). */
  readonly sessionTags: boolean;
  /** Whether the workflow sets a source identity on role B's session (`--source-identity`). */
  readonly sourceIdentity: boolean;
  /** Where role B's ARN came from. */
  readonly source: string;
  readonly trustedPrincipals: readonly string[];
  readonly trustedSubjects: readonly string[];
  /** What else the repo tells about a failure; explanations use it, JSON shows it. */
  readonly facts: RepoFacts;
}

export interface DoctorOverrides {
  readonly roleArn?: string;
  readonly duration?: number;
  readonly region?: string;
}

/** Role B's ARN, the duration, the region and the trust the repo declares, from its files. */
export function readDoctorParameters(files: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, overrides: DoctorOverrides): DoctorParameters {
  const repository = parseRepository(files, new Date(0));
  const chaining = findChainingStep(repository.workflows);
  const statements = repository.policies.statements;
  const unique = (values: string[]) => [...new Set(values)];
  return {
    roleArn: overrides.roleArn ?? chaining?.roleArn,
    duration: overrides.duration ?? chaining?.duration ?? MAX_CHAINED_SESSION_DURATION,
    region: overrides.region ?? chaining?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    sessionTags: chaining?.sessionTags ?? false,
    sourceIdentity: chaining?.sourceIdentity ?? false,
    source: overrides.roleArn ? '--role-arn' : (chaining?.source ?? ''),
    trustedPrincipals: unique(statements.filter((s) => s.actions.includes('sts:AssumeRole')).flatMap((s) => s.principals)),
    trustedSubjects: unique(statements.flatMap((s) => s.subjects.map((subject) => subject.value))),
    facts: readFacts(repository),
  };
}

function readFacts(repository: ReturnType<typeof parseRepository>): RepoFacts {
  const { workflows } = repository;
  const oidcSteps: OidcStep[] = [];
  let unchainedSecondStep: RepoFacts['unchainedSecondStep'];
  const majors: number[] = [];
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      if (!usesAction(step, 'aws-actions/configure-aws-credentials')) continue;
      const major = /^v?(\d+)/.exec(/@(v\d[\w.]*)$/.exec(step.uses!.value)?.[1] ?? step.uses!.comment ?? '')?.[1];
      if (major) majors.push(Number(major));
      if (!signsInWithOidc(step)) continue;
      const earlier = workflow.steps.find((s) => s.job === step.job && s.index < step.index && usesAction(s, 'aws-actions/configure-aws-credentials'));
      const where = `${workflow.path}:${step.with['role-to-assume']!.line}`;
      if (earlier) unchainedSecondStep ??= { where, role: step.with['role-to-assume']!.value };
      else oidcSteps.push({ where, role: step.with['role-to-assume']!.value, idToken: idTokenGranted(workflow, step) });
    }
  }
  const assuming = workflows.filter((w) => w.steps.some((s) => usesAction(s, 'aws-actions/configure-aws-credentials')));
  const provided = providedSecrets(workflows);
  return {
    oidcSteps,
    unchainedSecondStep,
    triggers: [...new Set(assuming.flatMap((w) => w.triggers))],
    environments: [...new Set(assuming.flatMap((w) => w.jobs.map((j) => j.environment).filter((e): e is string => e !== undefined)))],
    roleA: oidcSteps[0]?.role,
    credentialsActionMajor: majors.length ? Math.min(...majors) : undefined,
    mountedSecretIds: [...new Set(secretMounts(repository.dockerfiles).map((m) => m.id))],
    providedSecretIds: [...new Set(provided.secrets.map((s) => s.id))],
    secretIdsUnknown: provided.unknownIds,
    statements: repository.policies.statements,
  };
}

/** A step that asks for GitHub's OIDC token: a role, no keys, no chaining, no token file. */
function signsInWithOidc(step: WorkflowStep): boolean {
  const input = (name: string) => step.with[name]?.value;
  return input('role-to-assume') !== undefined && !input('aws-access-key-id') && !input('web-identity-token-file') && !/^true$/i.test(input('role-chaining') ?? '');
}

/** The job's `permissions:` replaces the workflow's; without either, GitHub's default token has no id-token. */
function idTokenGranted(workflow: WorkflowFile, step: WorkflowStep): boolean | undefined {
  if (workflow.kind === 'action') return undefined;
  const job = workflow.jobs.find((j) => j.id === step.job);
  return grantsWrite(job?.permissions ?? workflow.permissions, 'id-token');
}

/** What an explanation may quote of the repo. */
export function explainContext(parameters: DoctorParameters): Omit<ExplainContext, 'operation'> {
  return {
    roleArn: parameters.roleArn,
    duration: parameters.duration,
    sessionTags: parameters.sessionTags,
    trustedPrincipals: parameters.trustedPrincipals,
    trustedSubjects: parameters.trustedSubjects,
    facts: parameters.facts,
  };
}

interface ChainingStep {
  roleArn?: string;
  duration?: number;
  region?: string;
  sessionTags: boolean;
  sourceIdentity: boolean;
  source: string;
}

/** The step that assumes role B (configure-aws-credentials with role-chaining, or `aws sts assume-role`), and the region. */
function findChainingStep(workflows: readonly WorkflowFile[]): ChainingStep | undefined {
  let found: ChainingStep | undefined;
  let region: string | undefined;
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      if (usesAction(step, 'aws-actions/configure-aws-credentials')) {
        const stepRegion = step.with['aws-region']?.value;
        if (!region && stepRegion && !stepRegion.includes('${{')) region = stepRegion;
        if (!found && /^true$/i.test(step.with['role-chaining']?.value ?? '') && step.with['role-to-assume']) {
          found = {
            roleArn: step.with['role-to-assume'].value,
            duration: Number(step.with['role-duration-seconds']?.value ?? MAX_CHAINED_SESSION_DURATION),
            sessionTags: !/^true$/i.test(step.with['role-skip-session-tagging']?.value ?? ''),
            sourceIdentity: false,
            source: `${workflow.path}:${step.with['role-to-assume'].line}`,
          };
        }
      }
      if (!found && step.run && /\bsts\s+assume-role\b/.test(step.run.value)) {
        const script = resolveShell(step.run.value, step.env);
        const arn = /--role-arn[=\s]+["']?([^"'\s]+)/.exec(script)?.[1];
        if (arn && !arn.includes('$')) {
          const seconds = /--duration-seconds[=\s]+["']?(\d+)/.exec(script)?.[1];
          found = {
            roleArn: arn,
            duration: seconds ? Number(seconds) : MAX_CHAINED_SESSION_DURATION,
            sessionTags: false,
            sourceIdentity: /--source-identity\b/.test(script),
            source: `${workflow.path}:${step.run.line}`,
          };
        }
      }
    }
  }
  return found || region ? { sessionTags: false, sourceIdentity: false, source: '', ...found, region } : undefined;
}
