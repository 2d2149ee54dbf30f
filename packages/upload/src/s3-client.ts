import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

/**
 * An S3 client on the AWS SDK's own rules, none of ours: the default
 * credential chain (which reads AWS_SHARED_CREDENTIALS_FILE, where the
 * Dockerfile mounts the BuildKit secret, and refreshes credentials that
 * expire), the S3 endpoint rules (which read AWS_ENDPOINT_URL_S3 and
 * AWS_ENDPOINT_URL), SigV4 signing, and the standard retry mode: backoff with
 * jitter, the retry quota, clock-skew correction from S3's answers.
 */
export function createS3Client(settings: { region: string; endpoint: string | undefined; concurrency: number; maxAttempts: number }): S3Client {
  const { region, endpoint, concurrency, maxAttempts } = settings;
  return new S3Client({
    region,
    credentials: defaultProvider(),
    maxAttempts,
    ...(endpoint !== undefined && { endpoint }),
    // `<bucket>.127.0.0.1` does not resolve: S3-compatible servers (MinIO, moto, LocalStack) are addressed path-style.
    forcePathStyle: (endpoint ?? configuredEndpoint()) !== undefined,
    requestHandler: {
      // One socket per request in flight.
      httpAgent: { maxSockets: concurrency },
      httpsAgent: { maxSockets: concurrency },
      // Idle time on the socket, not the request's duration: a stalled connection fails and is retried instead of hanging the build.
      socketTimeout: 60_000,
    },
  });
}

/** The endpoint the SDK will take from the environment, if any (service-specific first, as the SDK reads them). */
export function configuredEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') {
    return undefined;
  }
  return env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'] || undefined;
}

/** Where the SDK found the credentials, as it records it ($source: the chain's feature names, e.g. CREDENTIALS_PROFILE). */
export async function credentialsSource(client: S3Client): Promise<string> {
  const identity = (await client.config.credentials()) as { $source?: Record<string, string> };
  const features = Object.keys(identity.$source ?? {});
  return `the AWS SDK's default chain${features.length > 0 ? ` (${features.join(', ')})` : ''}`;
}
