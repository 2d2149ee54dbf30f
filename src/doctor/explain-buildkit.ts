/**
 * BuildKit's "secret <id> not found": a RUN mounts with required=true a secret the build was
 * not given (moby/buildkit session/secrets/secrets.go; a mount without required=true is skipped
 * instead). build-push-action drops an entry it cannot read with only a warning ("secret file
 * PATH not found", "ENTRY is not a valid secret" for an empty value; docker/build-push-action
 * src/context.ts), so the error surfaces at the RUN, not at the input.
 */
import type { ErrorText } from './error-text';
import type { ExplainContext, Explanation } from './explanation';

export function explainMissingSecret(error: ErrorText, context: ExplainContext): Explanation | undefined {
  const id = /secret\s+"?([\w.-]+)"?\s*(?::\s*)?not found/i.exec(error.text)?.[1];
  const file = /secret file\s+(\S*)\s+not found/i.exec(error.text);
  const invalid = /(\S+) is not a valid secret/i.exec(error.text);
  if (!id && !file && !invalid) return undefined;
  const facts = context.facts;
  const mismatch = facts && !facts.secretIdsUnknown && facts.providedSecretIds.length > 0 && id && !facts.providedSecretIds.includes(id)
    ? ` In this repo the Dockerfile mounts ${facts.mountedSecretIds.map((m: string) => `"${m}"`).join(', ')} and the workflow provides ${facts.providedSecretIds.map((p: string) => `"${p}"`).join(', ')}: "${id}" is not provided under that name.`
    : '';
  return {
    problem: id ? `the build was not given the secret "${id}"` : 'build-push-action dropped a secret',
    why: `${id ? `a RUN mounts the secret "${id}" with required=true, and the build has no secret of that id. ` : ''}Either the ids differ (the mount's id= and the workflow's secrets / secret-files entry, compared exactly, case included), or the workflow's entry was dropped: build-push-action skips a secret-files entry whose file does not exist or whose path is empty (an output of a step that did not run, an expression that resolved to nothing) with only a warning ("secret file PATH not found", "ENTRY is not a valid secret") earlier in the log.${mismatch}`,
    fix: 'use the same id in the mount (--mount=type=secret,id=ID,required=true) and in the workflow (secret-files: ID=PATH); make sure the step that writes the file ran in the same job before the build and that PATH is not empty (the warning above the error names it). This is not an AWS error: no AWS setting changes it.',
  };
}
