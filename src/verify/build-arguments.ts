/** No credential-looking ARG, ENV or build argument: each ends up in the image or its history. */
import { definedNames } from './dockerfile-reader';
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { lineInRun, splitList } from './workflow-reader';

const CREDENTIAL_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|API_?KEY/i;
/** Names that hold where a secret is, not the secret. */
const LOCATION_NAME = /_(FILE|PATH|DIR)$/i;

function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !LOCATION_NAME.test(name);
}

export function checkBuildArguments({ workflows, dockerfiles }: Repository, report: Report): void {
  for (const dockerfile of dockerfiles) {
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword !== 'ARG' && instruction.keyword !== 'ENV') continue;
      for (const name of definedNames(instruction).filter(isCredentialName)) {
        const rule = instruction.keyword === 'ARG' ? 'credential-in-arg' : 'credential-in-env';
        report(dockerfile.path, instruction.line, rule, `${instruction.keyword} ${name} looks like a credential: ${instruction.keyword === 'ARG' ? 'build arguments show in `docker history` and the provenance attestation' : 'ENV values are stored in the image config'}`, 'hand credentials over as a BuildKit secret mounted on the one RUN that needs them (RUN --mount=type=secret,id=...,required=true)');
      }
    }
  }
  for (const workflow of workflows) {
    for (const step of workflow.steps) {
      const buildArgs = step.with['build-args'];
      if (buildArgs && step.uses && /docker\/build-push-action/i.test(step.uses.value)) {
        for (const entry of splitList(buildArgs.value)) {
          const name = entry.split('=')[0]!.trim();
          if (isCredentialName(name)) {
            report(workflow.path, buildArgs.line, 'credential-in-build-arg', `build argument ${name} looks like a credential: build arguments show in \`docker history\` and the provenance attestation`, 'pass it with secret-files / secrets and mount it on the RUN step that needs it');
          }
        }
      }
      if (step.run) {
        for (const match of step.run.value.matchAll(/--build-arg[=\s]+["']?([A-Za-z_]\w*)/g)) {
          if (isCredentialName(match[1]!)) {
            report(workflow.path, lineInRun(workflow, step, match[0]), 'credential-in-build-arg', `--build-arg ${match[1]} looks like a credential: build arguments show in \`docker history\``, 'use --secret id=...,src=... and a secret mount instead');
          }
        }
      }
    }
  }
}
