/**
 * What a pasted error says, read from anywhere in the text: job logs wrap AWS errors in the
 * action's or the CLI's own words ("Error: ...", "An error occurred (Code) when calling the X
 * operation: ..."), so nothing is taken from the first word alone.
 */

/** IAM's documented denial: "User: ARN is not authorized to perform: ACTION on resource: RES because CONTEXT"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html). */
export interface Denial {
  readonly principal: string;
  readonly action: string;
  readonly resource?: string;
  /** "identity-based", "resource-based", "service control", "permissions boundary", "session", ... */
  readonly policyType?: string;
  readonly explicit: boolean;
}

export interface ErrorText {
  readonly text: string;
  /** An AWS error code named in the text, e.g. AccessDenied, InvalidIdentityToken. */
  readonly code?: string;
  /** The API call, from "when calling the X operation". */
  readonly operation?: string;
  readonly denial?: Denial;
}

const CODES = [
  'AccessDenied', 'AccessDeniedException', 'InvalidIdentityToken', 'IDPRejectedClaim', 'IDPCommunicationError', 'ExpiredToken',
  'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired', 'InvalidClientTokenId', 'SignatureDoesNotMatch',
  'UnrecognizedClientException', 'IncompleteSignature', 'InvalidAccessKeyId', 'ValidationError', 'CredentialsProviderError',
  'RegionDisabledException', 'MalformedPolicyDocument', 'PackedPolicyTooLarge', 'NoSuchBucket',
];

export function readErrorText(text: string): ErrorText {
  const code = /\(([A-Z][A-Za-z]+)\)/.exec(text)?.[1] ?? CODES.find((candidate) => new RegExp(`\\b${candidate}\\b`).test(text));
  const operation = /when calling the (\w+) operation/.exec(text)?.[1];
  return { text, code, operation, denial: readDenial(text) };
}

function readDenial(text: string): Denial | undefined {
  const match = /User:\s*(\S+)\s+is not authorized to perform:?\s*([\w-]+:[\w*-]+)(?:\s+on resource:?\s*"?([^"\s]+?)"?(?=[\s.,]|$))?/i.exec(text);
  if (!match) return undefined;
  const rest = text.slice(match.index + match[0].length);
  const explicit = /with an explicit deny in (?:a|an|the)\s+([\w -]+?)\s+polic(?:y|ies)/i.exec(rest);
  const implicit = /because no\s+([\w -]+?)\s+polic(?:y|ies) allows/i.exec(rest);
  return { principal: match[1]!, action: match[2]!, resource: match[3], policyType: (explicit ?? implicit)?.[1]?.toLowerCase(), explicit: explicit !== null };
}

/** The role name of an ARN: `arn:aws:sts::1:assumed-role/NAME/SESSION` or `arn:aws:iam::1:role/PATH/NAME` -> NAME. */
export function roleNameOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  return /:assumed-role\/([^/]+)\//.exec(arn)?.[1] ?? /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}
