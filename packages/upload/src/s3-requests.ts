import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsSdkSigV4Signer } from '@aws-sdk/core/httpAuthSchemes';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { extendedEncodeURIComponent, HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';

import { xmlField } from './s3-xml.js';

/** An S3 error answer, shaped as the SDK shapes its errors, so that the SDK's classifiers read it as theirs. */
export interface S3Error extends Error {
  $metadata: { httpStatusCode: number; clockSkewCorrected?: boolean };
  $response: HttpResponse;
}

export interface S3Answer {
  headers: Record<string, string>;
  body: string;
}

/** One request: the bucket's key, its query parameters, headers and body. */
export interface S3Request {
  method: 'PUT' | 'POST' | 'DELETE';
  key: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
}

/**
 * Signed S3 requests, each sent without the S3 client's per-command middleware
 * (the contribution table in bench/README.md has what that saves) but
 * otherwise with the SDK's own pieces, none of ours:
 * - the endpoint from the SDK's S3 endpoint rules, for the bucket
 *   (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the config file's endpoint_url,
 *   FIPS, dual-stack; path-style for a custom endpoint);
 * - credentials from the default chain (`defaultProvider`: AWS_SHARED_CREDENTIALS_FILE,
 *   where the Dockerfile mounts the BuildKit secret; refreshed before they expire);
 * - SigV4 by `@smithy/signature-v4`, through the SDK's SigV4 auth scheme
 *   (`AwsSdkSigV4Signer`), which also learns the server's clock from its
 *   answers (the SDK's clock-skew correction);
 * - retries by the SDK's standard retry strategy (backoff with jitter, the
 *   retry quota) on the SDK's error classification;
 * - HTTP by the SDK's `NodeHttpHandler`.
 */
export class S3Requests {
  private readonly retries: StandardRetryStrategy;
  private readonly clock = { systemClockOffset: 0, signer: async (): Promise<SignatureV4> => this.signer };
  private readonly sdkSigner = new AwsSdkSigV4Signer();

  private constructor(
    private readonly endpoint: URL,
    private readonly signing: { region: string; name: string },
    private readonly credentials: ReturnType<typeof defaultProvider>,
    private readonly signer: SignatureV4,
    private readonly http: NodeHttpHandler,
    maxAttempts: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.retries = new StandardRetryStrategy(maxAttempts);
  }

  static async create(settings: {
    bucket: string;
    region: string;
    endpoint: string | undefined;
    concurrency: number;
    maxAttempts: number;
    signal: AbortSignal | undefined;
  }): Promise<S3Requests> {
    const { bucket, region, endpoint, concurrency, maxAttempts, signal } = settings;
    // The client sends nothing: its configuration feeds the SDK's endpoint rules.
    const client = new S3Client({
      region,
      ...(endpoint !== undefined && { endpoint }),
      // `<bucket>.127.0.0.1` does not resolve: S3-compatible servers (MinIO, moto, LocalStack) are addressed path-style.
      forcePathStyle: (endpoint ?? configuredEndpoint()) !== undefined,
    });
    const resolved = await getEndpointFromInstructions({ Bucket: bucket }, PutObjectCommand, client.config);
    const scheme = (resolved.properties?.['authSchemes'] as { signingName?: string; signingRegion?: string }[] | undefined)?.[0];
    client.destroy();
    const credentials = defaultProvider();
    const signer = new SignatureV4({ credentials, region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const http = new NodeHttpHandler({
      // One socket per request in flight.
      httpAgent: { keepAlive: true, maxSockets: concurrency },
      httpsAgent: { keepAlive: true, maxSockets: concurrency },
      // Idle time on the socket, not the request's duration: a stalled connection fails and is retried instead of hanging the build.
      socketTimeout: 60_000,
    });
    return new S3Requests(new URL(resolved.url.href), { region: scheme?.signingRegion ?? region, name: scheme?.signingName ?? 's3' }, credentials, signer, http, maxAttempts, signal);
  }

  /** Where the SDK found the credentials, as it records it ($source: the chain's feature names, e.g. CREDENTIALS_PROFILE). */
  async credentialsSource(): Promise<string> {
    const identity: Record<string, unknown> = { ...(await this.credentials()) };
    const features = Object.keys(identity['$source'] ?? {});
    return `the AWS SDK's default chain${features.length > 0 ? ` (${features.join(', ')})` : ''}`;
  }

  /** Sends `request` with the SDK's retries; resolves with a 2xx answer, rejects with an S3Error or a network error. */
  async send(request: S3Request, options: { cancellable?: boolean } = {}): Promise<S3Answer> {
    const signal = options.cancellable === false ? undefined : this.signal;
    let token = await this.retries.acquireInitialRetryToken('');
    for (;;) {
      const signingProperties = { config: this.clock, signingRegion: this.signing.region, signingName: this.signing.name, context: {} };
      try {
        const signed = await this.sdkSigner.sign(this.httpRequest(request), await this.credentials(), signingProperties);
        const { response } = await this.http.handle(signed as HttpRequest, { abortSignal: signal });
        const body = Buffer.from(await streamCollector(response.body)).toString('utf8');
        // CompleteMultipartUpload can fail after its 200 status line has gone out: the error is then in the body.
        if (response.statusCode >= 300 || body.includes('<Error>')) {
          throw s3Error(response.statusCode < 300 ? 500 : response.statusCode, response.headers, body);
        }
        this.sdkSigner.successHandler(response, signingProperties);
        this.retries.recordSuccess(token);
        return { headers: response.headers, body };
      } catch (error) {
        try {
          this.sdkSigner.errorHandler(signingProperties)(error as Error);
        } catch {
          // errorHandler rethrows the error it was given, having learnt the server's clock from it.
        }
        if (signal?.aborted) {
          throw error;
        }
        try {
          token = await this.retries.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error) });
        } catch {
          throw error; // no retry left, or not a retryable error
        }
        const delay = token.getRetryDelay();
        if (delay > 0) {
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }
  }

  /** Closes the keep-alive sockets, so that the process can exit. */
  destroy(): void {
    this.http.destroy();
  }

  private httpRequest({ method, key, query = {}, headers = {}, body }: S3Request): HttpRequest {
    const base = this.endpoint.pathname.replace(/\/$/, '');
    return new HttpRequest({
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      method,
      path: `${base}/${key.split('/').map(extendedEncodeURIComponent).join('/')}`,
      query,
      headers: { host: this.endpoint.host, 'content-length': String(body?.length ?? 0), ...headers },
      body,
    });
  }
}

/** The endpoint the SDK will take from the environment, if any (service-specific first, as the SDK reads them). */
export function configuredEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') {
    return undefined;
  }
  return env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'] || undefined;
}

/** The S3 error in an XML error body, e.g. <Error><Code>SlowDown</Code><Message>...</Message></Error>. */
function s3Error(status: number, headers: Record<string, string>, body: string): S3Error {
  const error = new Error(xmlField(body, 'Message') ?? `HTTP ${status}`) as S3Error;
  error.name = xmlField(body, 'Code') ?? `Http${status}`;
  error.$metadata = { httpStatusCode: status };
  error.$response = new HttpResponse({ statusCode: status, headers, body });
  return error;
}

/** As the SDK's retry middleware classifies an error for its retry strategy. */
function retryErrorType(error: unknown): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' {
  const sdkError = error as Parameters<typeof isTransientError>[0];
  if (isThrottlingError(sdkError)) {
    return 'THROTTLING';
  }
  if (isTransientError(sdkError)) {
    return 'TRANSIENT';
  }
  return isServerError(sdkError) ? 'SERVER_ERROR' : 'CLIENT_ERROR';
}
