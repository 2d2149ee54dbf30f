import { statSync } from 'node:fs';

/** Errors that mean "these credentials cannot write here", whatever the file. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidToken',
  'SignatureDoesNotMatch',
  'AccessDenied',
]);

/** Errors about the bucket or region rather than the file. */
const BUCKET_ERRORS = new Set(['NoSuchBucket', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

/** Node's codes for "the endpoint cannot be reached at all": the SDK has already retried, and every other file would only repeat that. */
const NETWORK_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

/** Node's codes for a server certificate it does not trust: no retry or other file would do better. */
const TLS_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** What a message about the run needs to know of it. */
export interface Target {
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string | undefined;
}

/** Name and message only: SDK errors also carry the raw response, which is noise in a CI log. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}

/** Why the whole run must stop, or undefined when only this file failed. */
export function explainFatal(error: unknown, target: Target): string | undefined {
  const name = error instanceof Error ? error.name : '';
  if (CREDENTIAL_ERRORS.has(name)) {
    return [
      `The upload credentials were rejected or not found (${describeError(error)}). Check:`,
      `  - the secret mount: ${credentialsFileStatus()}`,
      '  - the assume-role step in the workflow ran in this job, and its session (one hour at most) has not expired',
      `  - the upload role's policy allows s3:PutObject (and the multipart actions) on arn:aws:s3:::${target.bucket}/${target.prefix}*`,
      '    and the bucket policy does not deny that role',
    ].join('\n');
  }
  if (BUCKET_ERRORS.has(name)) {
    return [
      `Cannot upload to s3://${target.bucket}/${target.prefix} (${describeError(error)}). Check:`,
      `  - the bucket "${target.bucket}" exists (S3_BUCKET is the bare bucket name)`,
      `  - AWS_REGION=${target.region} is the bucket's region`,
    ].join('\n');
  }
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const where = target.endpoint ?? `the S3 endpoint of ${target.region}`;
  if (NETWORK_ERRORS.has(code)) {
    return `Cannot reach ${where} (${describeError(error)}): check the build's network access${target.endpoint ? ' and AWS_ENDPOINT_URL(_S3)' : ''}.`;
  }
  if (TLS_ERRORS.has(code) || code.startsWith('ERR_TLS_')) {
    return (
      `The TLS certificate of ${where} was not accepted (${code}: ${error instanceof Error ? error.message : String(error)}): check ` +
      `${target.endpoint ? 'AWS_ENDPOINT_URL(_S3) and ' : ''}the build's proxy; a private certificate authority goes in NODE_EXTRA_CA_CERTS.`
    );
  }
  return undefined;
}

/** Where the SDK looked for credentials, without revealing any of them. */
function credentialsFileStatus(): string {
  const file = process.env['AWS_SHARED_CREDENTIALS_FILE'];
  const notes = [
    file
      ? `AWS_SHARED_CREDENTIALS_FILE=${file} ${describeCredentialsFile(file)}`
      : 'AWS_SHARED_CREDENTIALS_FILE is not set, so the SDK looked in ~/.aws/credentials',
  ];
  if (process.env['AWS_ACCESS_KEY_ID']) {
    notes.push('AWS_ACCESS_KEY_ID is set in the environment and takes precedence over the file');
  }
  return notes.join('; ');
}

function describeCredentialsFile(file: string): string {
  try {
    const { size } = statSync(file);
    return size === 0
      ? 'is empty (did the workflow write it before `docker build`?)'
      : `is present (${size} bytes; it needs a [default] profile with aws_access_key_id, aws_secret_access_key and aws_session_token)`;
  } catch {
    return 'does not exist (is the RUN step mounting the secret with --mount=type=secret, and is the secret passed to docker build?)';
  }
}
