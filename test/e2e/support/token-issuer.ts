/**
 * A local stand-in for GitHub's OIDC token endpoint: what a job with `id-token: write` calls at
 * ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN. It answers `{ value }`, a
 * JWT with the claims GitHub sends for the run, signed RS256 with a key made at start. Nobody
 * checks that signature here (moto does not verify tokens): it is shaped like GitHub's, no more.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenClaims {
  /** e.g. `repo:acme/site:environment:production` */
  sub: string;
  repository: string;
  ref: string;
  actor: string;
  runId: string;
  sha: string;
  environment?: string;
}

export interface TokenIssuer {
  /**
   * The two variables a runner gives a job with `id-token: write`, and its runtime token, which
   * the cache service takes (BuildKit's type=gha reads the cache scopes from its `ac` claim).
   */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string; ACTIONS_RUNTIME_TOKEN: string };
  /** The audiences asked for so far, one per token issued. */
  audiences: string[];
  /** Sets the claims of the tokens issued from now on. */
  setClaims(claims: TokenClaims): void;
  stop(): Promise<void>;
}

const ISSUER = 'https://token.actions.githubusercontent.com';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const requestToken = randomBytes(24).toString('hex');
  const audiences: string[] = [];
  let claims: TokenClaims | undefined;
  const jwt = (payload: Record<string, unknown>) => {
    const signed = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'keyless-build-e2e' })}.${base64url(payload)}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${requestToken}`) return reply(401, { message: 'Bad request token' });
    if (!claims) return reply(500, { message: 'the test set no claims' });
    const audience = url.searchParams.get('audience') ?? `https://github.com/${claims.repository.split('/')[0]}`;
    audiences.push(audience);
    const now = Math.floor(Date.now() / 1000);
    reply(200, { value: jwt({
      iss: ISSUER,
      aud: audience,
      sub: claims.sub,
      repository: claims.repository,
      repository_owner: claims.repository.split('/')[0],
      ref: claims.ref,
      ref_type: 'branch',
      sha: claims.sha,
      actor: claims.actor,
      run_id: claims.runId,
      run_attempt: '1',
      event_name: claims.environment ? 'workflow_dispatch' : 'push',
      ...(claims.environment ? { environment: claims.environment } : {}),
      job_workflow_ref: `${claims.repository}/.github/workflows/keyless-build.yml@${claims.ref}`,
      iat: now,
      nbf: now - 5,
      exp: now + 300,
    }) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const started = Math.floor(Date.now() / 1000);
  const runtimeToken = jwt({ ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]), iat: started, nbf: started - 5, exp: started + 6 * 3600 });
  const { port } = server.address() as AddressInfo;
  return {
    // GitHub's URL carries a query already; @actions/core appends `&audience=...`.
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken, ACTIONS_RUNTIME_TOKEN: runtimeToken },
    audiences,
    setClaims: (next) => {
      claims = next;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
