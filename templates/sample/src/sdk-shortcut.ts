/**
 * The credentials and the S3 endpoint that the AWS SDK v3 would resolve, for
 * the plain cases only, without loading the SDK: loading @aws-sdk/client-s3
 * and resolving credentials with it takes about 80-100 ms of CPU on every run.
 *
 * Each function returns undefined whenever the case is not plain, and the
 * uploader then asks the SDK itself. A plain case is one whose outcome under
 * the SDK's rules is simple and certain:
 * - no AWS_PROFILE and no shared config file (~/.aws/config or
 *   AWS_CONFIG_FILE), so no profile setting can change the outcome;
 * - credentials: static keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *   without an expiry, or else a [default] profile in the shared credentials
 *   file (where the Dockerfile mounts the BuildKit secret) holding
 *   aws_access_key_id, aws_secret_access_key and optionally
 *   aws_session_token, and nothing else;
 * - endpoint: no FIPS or dual-stack setting, and either a custom endpoint
 *   (path-style, as for MinIO or moto), or a bucket name without dots in a
 *   region of the standard `aws` partition.
 * The tests check every answer given here against the SDK's own chain and
 * endpoint rules.
 */
import path from 'node:path';

import { type Credentials, uriEncode } from './s3-http.js';

/** The process environment, or a stand-in for it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A file's text, or undefined when it cannot be read (the SDK treats both alike: as empty). */
export type ReadText = (file: string) => string | undefined;

/** Credentials and, for the log, where they were found. */
export interface FoundCredentials {
  credentials: Credentials;
  source: string;
}

/** Static credentials as the SDK's default chain would return them, or undefined when the SDK must decide. */
export function plainCredentials(env: Environment, readText: ReadText): FoundCredentials | undefined {
  if (!noProfileSettings(env, readText)) {
    return undefined;
  }
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (accessKeyId || secretAccessKey) {
    // The chain's first link: both keys, or the SDK decides (one alone falls through to the files).
    if (!accessKeyId || !secretAccessKey || env['AWS_CREDENTIAL_EXPIRATION']) {
      return undefined; // credentials that expire are refreshed by the SDK
    }
    const sessionToken = env['AWS_SESSION_TOKEN'];
    return {
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) },
      source: 'static keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    };
  }
  const file = sharedFile(env, 'AWS_SHARED_CREDENTIALS_FILE', 'credentials');
  const text = file === undefined ? undefined : readText(file);
  const profile = text === undefined ? undefined : defaultProfile(text);
  if (!profile) {
    return undefined;
  }
  const { aws_access_key_id: id, aws_secret_access_key: secret, aws_session_token: token, ...others } = profile;
  if (!id || !secret || Object.keys(others).length > 0) {
    return undefined; // roles, processes, SSO and the rest are the SDK's business
  }
  return {
    credentials: { accessKeyId: id, secretAccessKey: secret, ...(token !== undefined && { sessionToken: token }) },
    source: `static keys in the [default] profile of ${file}`,
  };
}

/** What the uploader hands to the SDK's S3 endpoint rules. */
export interface EndpointQuestion {
  bucket: string;
  region: string;
  /** AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, addressed path-style. */
  endpoint: string | undefined;
}

/** The bucket's endpoint URL as the SDK's S3 endpoint rules would give it, or undefined when the SDK must decide. */
export function plainEndpoint(question: EndpointQuestion, env: Environment, readText: ReadText): URL | undefined {
  // FIPS and dual-stack come from these variables or the config file, which the SDK then reads.
  if ('AWS_USE_FIPS_ENDPOINT' in env || 'AWS_USE_DUALSTACK_ENDPOINT' in env || !noProfileSettings(env, readText)) {
    return undefined;
  }
  const { bucket, region } = question;
  // Suffixes such as --x-s3 (S3 Express) and --ol-s3 (access point aliases) have rules of their own.
  if (!/^[a-z0-9.-]+$/.test(bucket) || bucket.includes('--')) {
    return undefined;
  }
  if (question.endpoint !== undefined) {
    const url = plainUrl(question.endpoint);
    // A region such as fips-us-east-1 asks for FIPS, which a custom endpoint cannot give.
    if (!url || !/^[a-z]{2,}(-[a-z0-9]+)+$/.test(region) || region.split('-').includes('fips')) {
      return undefined;
    }
    const base = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    return new URL(`${url.protocol}//${url.host}${base}${uriEncode(bucket)}`);
  }
  // The `aws` partition's own region pattern, with letters only in the middle:
  // every other partition's regions (cn-, us-gov-, us-iso-, eusc-...) fall outside it.
  // Other names (dots, a hyphen at either end) go path-style or fail: the SDK decides.
  if (!/^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+$/.test(region) || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
    return undefined;
  }
  return new URL(`https://${bucket}.s3.${region}.amazonaws.com/`);
}

/** No AWS_PROFILE and no readable shared config file: only then are the SDK's answers the plain ones. */
function noProfileSettings(env: Environment, readText: ReadText): boolean {
  if ('AWS_PROFILE' in env) {
    return false;
  }
  const config = sharedFile(env, 'AWS_CONFIG_FILE', 'config');
  return config !== undefined && readText(config) === undefined;
}

/** Where the SDK reads a shared file: the variable, else ~/.aws/<name>; undefined where its home lookup could differ from HOME. */
function sharedFile(env: Environment, variable: string, name: string): string | undefined {
  const home = env['HOME'];
  const file = env[variable] || (home ? path.join(home, '.aws', name) : undefined);
  return file?.startsWith('~') ? undefined : file;
}

/**
 * The [default] section of a credentials file, read strictly: undefined for
 * anything the SDK's parser might read differently (indented or continued
 * lines, inline comments, whitespace other than spaces around '=', characters
 * other than printable ASCII).
 */
function defaultProfile(text: string): Record<string, string> | undefined {
  let section: string | undefined;
  let profile: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) {
      continue;
    }
    const header = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      if (section === 'default') {
        profile ??= {}; // a section given twice is one section, as in the SDK
      }
      continue;
    }
    const entry = /^([A-Za-z0-9_]+) *= *([\x21-\x7e]+)$/.exec(line);
    if (!entry || section === undefined || /[#;]/.test(entry[2] as string)) {
      return undefined;
    }
    if (section === 'default' && profile) {
      profile[entry[1] as string] = entry[2] as string; // the last one wins, as in the SDK
    }
  }
  return profile;
}

/** An endpoint URL with nothing the SDK's rules treat specially: http(s), no user, query or fragment, a plain path. */
function plainUrl(endpoint: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const plain =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' && url.password === '' && url.search === '' && url.hash === '' &&
    /^[A-Za-z0-9._~/-]*$/.test(url.pathname) &&
    endpoint === endpoint.trim();
  return plain ? url : undefined;
}
