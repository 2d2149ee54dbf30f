/**
 * Offline checks of a repository that builds an image with AWS credentials handed over as a
 * BuildKit secret. Pure: it reads the files it is given and nothing else. Each rule family is a
 * file of this folder; a new rule goes into its family's file (or a new one added below) and
 * into RULES.
 */
import { checkActions } from './action-pinning';
import { checkBaseImages } from './base-images';
import { checkBuildArguments } from './build-arguments';
import { checkCredentialFiles } from './credential-files';
import { checkExpressionsInRun } from './expressions';
import { parseRepository, type Repository } from './parsed-repository';
import { RULES, type Finding, type Report, type VerifyOptions } from './rules';
import { checkSecretExposure } from './secret-exposure';
import { checkSecrets } from './secrets';
import { checkSdkVersion } from './sdk-version';
import { checkChainedDuration } from './session-duration';
import { checkTrust } from './trust';
import { checkUploadFromCache } from './upload-cache';
import { checkVendoredUploader } from './vendored-uploader';

const RULE_FAMILIES: readonly ((repository: Repository, report: Report) => void)[] = [
  checkUnreadableWorkflows,
  checkSecrets,
  checkSecretExposure,
  checkCredentialFiles,
  checkBuildArguments,
  checkExpressionsInRun,
  checkTrust,
  checkChainedDuration,
  checkActions,
  checkBaseImages,
  checkSdkVersion,
  checkVendoredUploader,
  checkUploadFromCache,
];

/** Checks every rule on the files (path relative to the repo root, `/`-separated -> content). */
export function verifyFiles(files: ReadonlyMap<string, string>, options: VerifyOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const report: Report = (file, line, rule, message, fix, severity) => findings.push({ file, line, rule, severity: severity ?? RULES[rule].severity, message, fix });
  const repository = parseRepository(files, options.today ?? new Date());
  for (const check of RULE_FAMILIES) check(repository, report);
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

function checkUnreadableWorkflows({ workflows }: Repository, report: Report): void {
  for (const workflow of workflows) {
    if (workflow.error) report(workflow.path, 1, 'file-unreadable', `could not be read as YAML: ${workflow.error}`, 'fix the YAML syntax, then run verify again');
  }
}
