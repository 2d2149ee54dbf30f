/**
 * The uploader's own S3 requests (templates/sample/src/s3-http.ts):
 * - SigV4 signatures equal the AWS SDK's signer (@smithy/signature-v4) over
 *   generated keys, headers, credentials, regions and times, and AWS's
 *   documented example;
 * - the HTTP/1.1 client against a TCP server that answers with exact bytes
 *   (test/support/raw-server.ts) and against node:http;
 * - TLS: certificates are verified, by chain and by name.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer as createTlsServer, Server as TlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { SignatureV4, getCanonicalQuery } from '@smithy/signature-v4';
import fc from 'fast-check';
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { ConnectionPool, Credentials, HttpResponse, SigV4, UNSIGNED_PAYLOAD, encodeKey, requestHead } from '../../templates/sample/src/s3-http';
import { RawServer, Responder, answerEach, requestsOn, startRawServer, writeInPieces } from '../support/raw-server';
import { requireTool, run } from '../support/tools';

const ROOT = join(__dirname, '..', '..');
const MiB = 1024 * 1024;
const SEED = 20_240_611;

// ---------------------------------------------------------------------------
// SigV4
// ---------------------------------------------------------------------------

/** SHA-256 and HMAC-SHA256 in the shape @smithy/signature-v4 takes (a Checksum constructor). */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret === undefined) {
      this.hash = createHash('sha256');
    } else if (typeof secret === 'string') {
      this.hash = createHmac('sha256', secret);
    } else if (ArrayBuffer.isView(secret)) {
      this.hash = createHmac('sha256', Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength));
    } else {
      this.hash = createHmac('sha256', Buffer.from(secret));
    }
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    throw new Error('not used by the signer');
  }
}

interface SigningCase {
  credentials: Credentials;
  region: string;
  method: string;
  /** Already encoded, as S3 signs it. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names, `host` included. */
  headers: Record<string, string>;
  payloadHash: string;
  time: Date;
}

/** `c` as the AWS SDK's signer takes a request. */
function sdkRequest(c: SigningCase): Parameters<typeof getCanonicalQuery>[0] {
  return {
    method: c.method,
    protocol: 'https:',
    hostname: c.headers['host'] as string,
    path: c.path,
    query: c.query,
    headers: { ...c.headers, 'x-amz-content-sha256': c.payloadHash },
  };
}

/**
 * The headers the AWS SDK's signer sends for `c`, set up for S3 as the SDK's
 * S3 client sets it up: the path signed as sent (S3 does not want it escaped
 * a second time), the payload hash taken from x-amz-content-sha256.
 */
async function sdkSignedHeaders(c: SigningCase): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 's3',
    region: c.region,
    credentials: c.credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(sdkRequest(c), { signingDate: c.time });
  return signed.headers;
}

/**
 * The headers `signer` (a new one by default) sends for `c`, at `c.time` on
 * the local clock. The canonical query string is the caller's to build; the
 * SDK's builder makes it here, so that only the signing itself is compared.
 */
function ourSignedHeaders(c: SigningCase, signer = new SigV4(c.region)): Record<string, string> {
  const headers = { ...c.headers };
  const now = vi.spyOn(Date, 'now').mockReturnValue(c.time.getTime());
  try {
    signer.sign(c.credentials, c.method, c.path, getCanonicalQuery(sdkRequest(c)), headers, c.payloadHash);
  } finally {
    now.mockRestore();
  }
  return headers;
}

const FAKE_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

const baseCase: SigningCase = {
  credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, secretAccessKey: 'fake/secret+key0123456789EXAMPLEKEY' },
  region: 'ap-northeast-1',
  method: 'PUT',
  path: `/my-bucket/${encodeKey('site/index.html')}`,
  query: {},
  headers: {
    host: '127.0.0.1:9000',
    'content-length': '1234',
    'content-type': 'text/html; charset=utf-8',
    'x-amz-checksum-crc32': 'AAAAAA==',
  },
  payloadHash: UNSIGNED_PAYLOAD,
  time: new Date('2025-03-04T05:06:07.890Z'),
};

const printableAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 });

/** Pieces of keys that URI encoding treats specially: reserved and sub-delimiter characters, '%', spaces, slashes, dot segments, UTF-8. */
const specialKeyPieces = [
  ' ', '  ', '/', '//', '.', '..', '%', '%2F', '+', '!', "'", '(', ')', '*', '~', '-', '_',
  '&', '$', '@', '=', ';', ':', ',', '?', '#', '[', ']', '\\', 'é', 'ü', '漢字', '😀', 'a', 'Z', '0',
];

/** Object keys: any Unicode, and strings built from the special pieces. */
const objectKey = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom(...specialKeyPieces),
    minLength: 1,
    maxLength: 20,
  }),
);

const signingCase: fc.Arbitrary<SigningCase> = fc
  .record({
    accessKeyId: fc.stringMatching(/^AKIA[A-Z0-9]{16}$/),
    secretAccessKey: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'), minLength: 40, maxLength: 40 }),
    sessionToken: fc.option(fc.base64String({ minLength: 4, maxLength: 200 }), { nil: undefined }),
    region: fc.constantFrom('us-east-1', 'ap-northeast-1', 'eu-central-1', 'us-gov-west-1', 'cn-north-1', 'il-central-1'),
    method: fc.constantFrom('PUT', 'GET', 'HEAD', 'POST', 'DELETE'),
    pathStyleBucket: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/), { nil: undefined }),
    key: objectKey,
    query: fc.oneof(
      fc.constant({}),
      fc.dictionary(fc.constantFrom('partNumber', 'uploadId', 'x-id', 'versionId', 'list-type', 'prefix'), printableAscii, { maxKeys: 3 }),
    ),
    host: fc.oneof(
      fc.constantFrom('my-bucket.s3.ap-northeast-1.amazonaws.com', 's3.us-east-1.amazonaws.com', 'localhost:4566', '[::1]:9000'),
      fc.integer({ min: 1, max: 65_535 }).map((port) => `127.0.0.1:${port}`),
    ),
    contentType: fc.option(fc.oneof(printableAscii, fc.constantFrom('  text/plain;   charset=utf-8  ', 'application/octet-stream')), { nil: undefined }),
    contentLength: fc.option(fc.nat().map(String), { nil: undefined }),
    crc32: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => Buffer.from(bytes).toString('base64')), { nil: undefined }),
    metadata: fc.dictionary(fc.stringMatching(/^x-amz-meta-[a-z0-9-]{1,12}$/), printableAscii, { maxKeys: 3 }),
    payloadHash: fc.oneof(fc.constant(UNSIGNED_PAYLOAD), fc.uint8Array({ maxLength: 64 }).map((bytes) => createHash('sha256').update(bytes).digest('hex'))),
    time: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59.999Z'), noInvalidDate: true }),
  })
  .map((g) => {
    const headers: Record<string, string> = { host: g.host, ...g.metadata };
    if (g.contentType !== undefined) headers['content-type'] = g.contentType;
    if (g.contentLength !== undefined) headers['content-length'] = g.contentLength;
    if (g.crc32 !== undefined) headers['x-amz-checksum-crc32'] = g.crc32;
    return {
      credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey, sessionToken: g.sessionToken },
      region: g.region,
      method: g.method,
      path: `${g.pathStyleBucket ? `/${g.pathStyleBucket}` : ''}/${encodeKey(g.key)}`,
      query: g.query,
      headers,
      payloadHash: g.payloadHash,
      time: g.time,
    };
  });

describe('encodeKey', () => {
  it('encodes keys as the AWS SDK encodes an S3 key in the path', () => {
    fc.assert(
      fc.property(objectKey, (key) => {
        expect(encodeKey(key)).toBe(key.split('/').map(extendedEncodeURIComponent).join('/'));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('keeps RFC 3986 unreserved characters and slashes, and percent-encodes everything else in UTF-8', () => {
    expect(encodeKey("a b/c+d/é!'()*~._-/%2F")).toBe('a%20b/c%2Bd/%C3%A9%21%27%28%29%2A~._-/%252F');
  });
});

describe('SigV4', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("signs AWS's documented GET Object example (sig-v4-header-based-auth) to the documented signature", () => {
    const headers: Record<string, string> = { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' };
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2013-05-24T00:00:00Z'));
    new SigV4('us-east-1').sign(
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'GET',
      '/test.txt',
      '',
      headers,
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it("sends exactly the AWS SDK signer's headers (authorization, x-amz-date, token, content hash) for generated requests", async () => {
    await fc.assert(
      fc.asyncProperty(signingCase, async (c) => {
        expect(ourSignedHeaders(c)).toEqual(await sdkSignedHeaders(c));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('signs the session token when there is one, and sends none otherwise', () => {
    const withToken = ourSignedHeaders({ ...baseCase, credentials: { ...baseCase.credentials, sessionToken: 'FAKE/session+token==' } });
    expect(withToken['x-amz-security-token']).toBe('FAKE/session+token==');
    expect(withToken['authorization']).toContain('SignedHeaders=content-length;content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
    const withoutToken = ourSignedHeaders(baseCase);
    expect(withoutToken).not.toHaveProperty('x-amz-security-token');
    expect(withoutToken['authorization']).toContain('SignedHeaders=content-length;content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date,');
  });

  // Negative controls: the comparison above is only worth something if every part of the request changes the signature.
  it.each<[string, (c: SigningCase) => SigningCase]>([
    ['secret', (c) => ({ ...c, credentials: { ...c.credentials, secretAccessKey: `${c.credentials.secretAccessKey.slice(0, -1)}Z` } })],
    ['session token', (c) => ({ ...c, credentials: { ...c.credentials, sessionToken: 'FAKE-TOKEN' } })],
    ['header value', (c) => ({ ...c, headers: { ...c.headers, 'content-type': 'text/plain' } })],
    ['host port', (c) => ({ ...c, headers: { ...c.headers, host: '127.0.0.1:9001' } })],
    ['extra header', (c) => ({ ...c, headers: { ...c.headers, 'x-amz-meta-extra': '1' } })],
    ['method', (c) => ({ ...c, method: 'POST' })],
    ['path', (c) => ({ ...c, path: `${c.path}x` })],
    ['path encoding', (c) => ({ ...c, path: '/my-bucket/site%2Findex.html' })],
    ['query', (c) => ({ ...c, query: { partNumber: '1' } })],
    ['payload hash', (c) => ({ ...c, payloadHash: createHash('sha256').update('').digest('hex') })],
    ['region', (c) => ({ ...c, region: 'us-east-1' })],
    ['time (one second)', (c) => ({ ...c, time: new Date(c.time.getTime() + 1000) })],
  ])('a different %s gives a different signature, still the SDK signer\'s', async (_, mutate) => {
    const changed = mutate(baseCase);
    const signature = (headers: Record<string, string>): string => /Signature=([0-9a-f]{64})$/.exec(headers['authorization'] ?? '')?.[1] ?? '';
    const ours = ourSignedHeaders(changed);
    expect(signature(ours)).not.toBe(signature(ourSignedHeaders(baseCase)));
    expect(ours).toEqual(await sdkSignedHeaders(changed));
  });

  it('derives the signing key again when the secret or the day changes, rather than serving a stale one', async () => {
    const signer = new SigV4(baseCase.region);
    const secretA = 'fakeSecretA/0123456789abcdefghijklmnopqrstu';
    const secretB = 'fakeSecretB/0123456789abcdefghijklmnopqrstu';
    const steps: Array<[string, string]> = [
      [secretA, '2025-03-04T23:59:59Z'],
      [secretB, '2025-03-04T23:59:59Z'], // new credentials, same day
      [secretA, '2025-03-04T12:00:00Z'], // back to the first secret
      [secretA, '2025-03-05T00:00:00Z'], // midnight: a new day
      [secretA, '2025-03-05T18:00:00Z'], // same secret, same day: the cached key
      [secretB, '2025-03-05T18:00:01Z'],
      [secretB, '2025-03-04T23:59:58Z'], // a clock corrected backwards, over midnight
    ];
    const authorizations = new Set<string>();
    for (const [secretAccessKey, time] of steps) {
      const c = { ...baseCase, credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, secretAccessKey }, time: new Date(time) };
      const headers = ourSignedHeaders(c, signer);
      expect(headers).toEqual(await sdkSignedHeaders(c));
      authorizations.add(headers['authorization'] as string);
    }
    expect(authorizations.size).toBe(steps.length);
  });

  it('dates the request by the local clock plus clockOffsetMs, across midnight in both directions', async () => {
    const signer = new SigV4(baseCase.region);
    const localTime = new Date('2025-03-04T23:30:00.250Z');
    for (const [offsetMs, amzDate] of [
      [0, '20250304T233000Z'],
      [45 * 60_000, '20250305T001500Z'],
      [-24 * 60 * 60_000, '20250303T233000Z'],
    ] as const) {
      signer.clockOffsetMs = offsetMs;
      const headers = ourSignedHeaders({ ...baseCase, time: localTime }, signer);
      expect(headers['x-amz-date']).toBe(amzDate);
      expect(headers['authorization']).toContain(`/${amzDate.slice(0, 8)}/${baseCase.region}/s3/aws4_request,`);
      expect(headers).toEqual(await sdkSignedHeaders({ ...baseCase, time: new Date(localTime.getTime() + offsetMs) }));
    }
  });
});

describe('requestHead', () => {
  it('writes the request line, one line per header, and a blank line', () => {
    expect(requestHead('PUT', '/b/a%20b', { host: 'h:1', 'content-length': '3' })).toBe('PUT /b/a%20b HTTP/1.1\r\nhost: h:1\r\ncontent-length: 3\r\n\r\n');
  });

  it.each([
    ['CR LF (header injection)', 'text/plain\r\nx-amz-acl: public-read'],
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['a non-ASCII letter', 'café'],
    ['an emoji', '😀'],
  ])('rejects a header value with %s, naming the header', (_, value) => {
    expect(() => requestHead('PUT', '/k', { host: 'h', 'content-type': value })).toThrow(/header content-type has a character that cannot be sent/);
  });
});

// ---------------------------------------------------------------------------
// HTTP/1.1 client
// ---------------------------------------------------------------------------

let server: RawServer | undefined;
let pool: ConnectionPool | undefined;

afterEach(async () => {
  pool?.destroy();
  pool = undefined;
  await server?.close();
  server = undefined;
});

async function serve(handler: Parameters<typeof startRawServer>[0], timeoutMs = 5000): Promise<{ server: RawServer; pool: ConnectionPool }> {
  server = await startRawServer(handler);
  pool = new ConnectionPool(server.url, timeoutMs);
  return { server, pool };
}

/** Waits (up to 5 s) for `condition` to hold. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 5000) {
      throw new Error('timed out waiting for a condition');
    }
    await delay(5);
  }
}

function get(): string {
  return requestHead('GET', '/k', { host: 'test' });
}

function put(body: Buffer, path = '/k'): string {
  return requestHead('PUT', path, { host: 'test', 'content-length': String(body.length) });
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** Answers every request with `response`. */
function always(response: string | Buffer): Responder {
  return (socket) => {
    socket.write(response);
  };
}

function text(response: HttpResponse): { status: number; body: string } {
  return { status: response.status, body: response.body.toString('latin1') };
}

/** What a request came to, short enough for a failure message: its status and body, or its error's code and message. */
async function outcome(request: Promise<HttpResponse>): Promise<{ status: number; body: string } | { code: unknown; message: string }> {
  try {
    const { status, body } = text(await request);
    return { status, body: body.length > 80 ? `${body.slice(0, 80)}...` : body };
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
}

describe('ConnectionPool', () => {
  it('sends exactly head + body, and reads a Content-Length body and repeated headers', async () => {
    const received: Buffer[] = [];
    const { pool } = await serve(
      answerEach((socket, request) => {
        received.push(request.bytes);
        socket.write('HTTP/1.1 200 OK\r\nETag: "abc"\r\nX-Repeated: one\r\nx-repeated: two\r\nContent-Length: 7\r\n\r\nhello\r\n');
      }),
    );
    // Binary body with CR LF runs, larger than one socket read.
    const body = Buffer.concat([randomBytes(300 * 1024), Buffer.from('\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'), randomBytes(1000)]);
    const head = put(body, '/bucket/some%20key');
    const response = await pool.request(head, body);
    expect(response.status).toBe(200);
    expect(response.headers).toEqual({ etag: '"abc"', 'x-repeated': 'one, two', 'content-length': '7' });
    expect(response.body.toString('latin1')).toBe('hello\r\n');
    expect(received).toHaveLength(1);
    expect(received[0]?.equals(Buffer.concat([Buffer.from(head, 'latin1'), body]))).toBe(true);
  });

  const chunked =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;name=value\r\nhello\r\n' +
    'b; ext="quoted"\r\n, \r\nworld\r\n\r\n' +
    '1\r\n!\r\n' +
    '0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n';
  const chunkedBody = 'hello, \r\nworld\r\n!';

  it('reads a chunked body with chunk extensions and trailers, then reuses the connection', async () => {
    const { server, pool } = await serve(answerEach(always(chunked)));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: chunkedBody });
    // The trailers were consumed to their end: the next answer is read from its first byte.
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: chunkedBody });
    expect(server.connections).toBe(1);
  });

  it('reads responses that arrive byte by byte, including an interim 100 Continue', async () => {
    const { server, pool } = await serve(
      answerEach(async (socket, request) => {
        if (request.index === 0) {
          await writeInPieces(socket, `HTTP/1.1 100 Continue\r\n\r\n${chunked}`);
        } else {
          await writeInPieces(socket, 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found');
        }
      }),
    );
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: chunkedBody });
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 404, body: 'not found' });
    expect(server.connections).toBe(1);
  });

  it('skips a 100 Continue sent in the same write as the final response', async () => {
    const { pool } = await serve(answerEach(always(`HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n${OK}`)));
    const response = await pool.request(get(), Buffer.alloc(0));
    expect(text(response)).toEqual({ status: 200, body: 'ok' });
    expect(response.headers).not.toHaveProperty('x-interim');
  });

  it('reuses one connection for sequential requests', async () => {
    const connectionsSeen: number[] = [];
    const { server, pool } = await serve(
      answerEach((socket, request) => {
        connectionsSeen.push(request.connection);
        socket.write(OK);
      }),
    );
    for (let i = 0; i < 5; i++) {
      expect(await outcome(pool.request(put(Buffer.from(`body ${i}`)), Buffer.from(`body ${i}`)))).toEqual({ status: 200, body: 'ok' });
    }
    expect(server.connections).toBe(1);
    expect(connectionsSeen).toEqual([0, 0, 0, 0, 0]);
  });

  it('prepare() opens idle connections up to the count, which the next requests use instead of opening their own', async () => {
    const connectionsSeen: number[] = [];
    const { server, pool } = await serve(
      answerEach((socket, request) => {
        connectionsSeen.push(request.connection);
        socket.write(OK);
      }),
    );
    pool.prepare(3);
    pool.prepare(2); // three are open: nothing more
    await until(() => server.connections === 3);
    const answers = await Promise.all([0, 1, 2].map(() => outcome(pool.request(get(), Buffer.alloc(0)))));
    expect(answers).toEqual([0, 1, 2].map(() => ({ status: 200, body: 'ok' })));
    expect(server.connections).toBe(3);
    expect([...connectionsSeen].sort()).toEqual([0, 1, 2]);
  });

  it('firstSent settles once the first request has been written, before its answer comes', async () => {
    let answer: (() => void) | undefined;
    const { pool } = await serve(
      answerEach((socket) => {
        answer = () => socket.write(OK);
      }),
    );
    let sent = false;
    void pool.firstSent.then(() => {
      sent = true;
    });
    await delay(50);
    expect(sent).toBe(false);
    const body = Buffer.alloc(256 * 1024, 1);
    const response = pool.request(put(body), body);
    await until(() => answer !== undefined); // the server has read the whole request
    await until(() => sent);
    answer?.();
    expect(await outcome(response)).toEqual({ status: 200, body: 'ok' });
  });

  it('prepare() before a server that refuses: the requests still fail as refused, not with a stale connection', async () => {
    const { server, pool } = await serve(answerEach(always(OK)));
    await server.close();
    pool.prepare(2);
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("reads S3's PutObject answer (no body, Content-Length: 0) and keeps the connection", async () => {
    const putObjectAnswer =
      'HTTP/1.1 200 OK\r\nx-amz-id-2: FAKEID2\r\nx-amz-request-id: FAKEREQUESTID\r\nDate: Tue, 04 Mar 2025 05:06:07 GMT\r\n' +
      'x-amz-checksum-crc32: AAAAAA==\r\nx-amz-checksum-type: FULL_OBJECT\r\nETag: "d41d8cd98f00b204e9800998ecf8427e"\r\n' +
      'x-amz-server-side-encryption: AES256\r\nContent-Length: 0\r\nServer: AmazonS3\r\n\r\n';
    const { server, pool } = await serve(answerEach(always(putObjectAnswer)));
    for (let i = 0; i < 2; i++) {
      const response = await pool.request(put(Buffer.from('x')), Buffer.from('x'));
      expect(text(response)).toEqual({ status: 200, body: '' });
      expect(response.headers['etag']).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
      expect(response.headers['date']).toBe('Tue, 04 Mar 2025 05:06:07 GMT');
    }
    expect(server.connections).toBe(1);
  });

  it('answers 204 without a body and keeps the connection', async () => {
    const { server, pool } = await serve(answerEach(always('HTTP/1.1 204 No Content\r\nETag: "e"\r\n\r\n')));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 204, body: '' });
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 204, body: '' });
    expect(server.connections).toBe(1);
  });

  it.each([
    { name: 'HTTP/1.1 with Connection: close', response: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', connections: 2 },
    { name: 'HTTP/1.0 without keep-alive', response: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', connections: 2 },
    { name: 'HTTP/1.0 with Connection: keep-alive', response: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', connections: 1 },
  ])('$name: two requests take $connections connection(s)', async ({ response, connections }) => {
    // The server keeps the connection open either way: the client alone decides not to reuse it.
    const { server, pool } = await serve(answerEach(always(response)));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(server.connections).toBe(connections);
  });

  it('reads a body without length or chunking to the end of the connection, then opens a new one', async () => {
    const { server, pool } = await serve(
      answerEach(async (socket) => {
        await writeInPieces(socket, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the ', 7);
        await writeInPieces(socket, 'end', 1);
        socket.end();
      }),
    );
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'until the end' });
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'until the end' });
    expect(server.connections).toBe(2);
  });

  it('opens a new connection when the server closed an idle one', async () => {
    let closed: Promise<unknown> | undefined;
    const { server, pool } = await serve(
      answerEach((socket, request) => {
        socket.write(OK);
        if (request.connection === 0) {
          // Idle timeout on the server's side, after the answer.
          closed = new Promise((resolve) => socket.once('close', resolve));
          setTimeout(() => socket.end(), 20);
        }
      }),
    );
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    await closed;
    await delay(10);
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(server.connections).toBe(2);
  });

  it('does not reuse a connection that got bytes after the response', async () => {
    const { server, pool } = await serve(answerEach(always(`${OK}HTTP/1.1 200 OK\r\n`)));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(server.connections).toBe(2);
  });

  it('drops an idle connection that receives bytes nobody asked for', async () => {
    let closed: Promise<string> | undefined;
    const { server, pool } = await serve(
      answerEach((socket, request) => {
        socket.write(OK);
        if (request.connection === 0) {
          // The client closes the connection on these bytes; kept, they would pass for the next request's answer.
          closed = new Promise((resolve) => socket.once('close', () => resolve('closed by the client')));
          setTimeout(() => socket.write(OK), 20);
        }
      }),
      // Longer than the wait below, so that the idle timeout cannot be what closes it.
      30_000,
    );
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(await Promise.race([closed, delay(10_000, 'still open after 10 s')])).toBe('closed by the client');
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
    expect(server.connections).toBe(2);
  });

  it('resolves with an error the server sends before reading a large body, and does not reuse that connection', async () => {
    const forbidden = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    const { server, pool } = await serve((socket, connection) => {
      if (connection === 0) {
        // Answers on the first bytes of the request and reads no more of it.
        socket.once('data', () => {
          socket.pause();
          socket.write(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: ${forbidden.length}\r\n\r\n${forbidden}`);
        });
      } else {
        answerEach(always(OK))(socket, connection);
      }
    });
    const body = randomBytes(8 * MiB);
    const response = await pool.request(put(body), body);
    expect(text(response)).toEqual({ status: 403, body: forbidden });
    // Reused, the connection would carry the next request behind the unsent rest of the body, to a server not reading it.
    expect(await outcome(pool.request(put(Buffer.from('x')), Buffer.from('x')))).toEqual({ status: 200, body: 'ok' });
    expect(server.connections).toBe(2);
  });

  it('reads a response from node:http (chunked, keep-alive) to a request node:http parses', async () => {
    const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];
    let connections = 0;
    const http = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: createHash('sha256').update(body).digest('hex') });
        res.setHeader('ETag', '"from-node"');
        res.write('first part, ');
        res.end('second part');
      });
    });
    http.on('connection', () => connections++);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = new ConnectionPool(new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}`), 5000);
    try {
      const body = randomBytes(2 * MiB);
      for (let i = 0; i < 2; i++) {
        const response = await client.request(
          requestHead('PUT', '/bucket/a%20key', { host: 'test', 'content-length': String(body.length), 'x-amz-meta-n': String(i) }),
          body,
        );
        expect(text(response)).toEqual({ status: 200, body: 'first part, second part' });
        expect(response.headers['transfer-encoding']).toBe('chunked');
        expect(response.headers['etag']).toBe('"from-node"');
      }
      expect(connections).toBe(1);
      const digest = createHash('sha256').update(body).digest('hex');
      expect(seen.map(({ method, url, headers, body: bodyDigest }) => [method, url, headers['x-amz-meta-n'], headers['content-length'], bodyDigest])).toEqual([
        ['PUT', '/bucket/a%20key', '0', String(body.length), digest],
        ['PUT', '/bucket/a%20key', '1', String(body.length), digest],
      ]);
    } finally {
      client.destroy();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('ConnectionPool failures', () => {
  it.each<[string, Responder]>([
    [
      'resets the connection mid-body',
      async (socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        await delay(20);
        socket.resetAndDestroy();
      },
    ],
    [
      'resets the connection before answering',
      (socket) => {
        socket.resetAndDestroy();
      },
    ],
    [
      'closes the connection mid-body',
      async (socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        await delay(20);
        socket.end();
      },
    ],
    [
      'closes the connection mid-head',
      (socket) => {
        socket.end('HTTP/1.1 200 OK\r\nContent-Le');
      },
    ],
    [
      'closes the connection mid-chunk',
      (socket) => {
        socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly some');
      },
    ],
  ])('rejects with ECONNRESET (retried by the uploader) when the server %s', async (_, respond) => {
    const { pool } = await serve(answerEach(respond));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toMatchObject({ code: 'ECONNRESET' });
  });

  it.each([
    ['garbage instead of a status line', 'SSH-2.0-OpenSSH_9.6\r\n\r\n'],
    ['HTTP/2 status line', 'HTTP/2 200\r\n\r\n'],
    ['a four-digit status', 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    ['a chunk size with trailing junk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n'],
    ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n'],
    ['chunk data not followed by CR LF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n'],
    ['a chunk size beyond any safe integer', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhello\r\n0\r\n\r\n'],
  ])('rejects with EPROTO on %s', async (_, response) => {
    const { pool } = await serve(answerEach(always(response)));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toMatchObject({ code: 'EPROTO' });
  });

  it.each<[string, boolean, number | undefined]>([
    ['in one write, complete', true, undefined],
    ['in one write, never ending', false, undefined],
    ['in 4 KiB writes, complete', true, 4096],
  ])('rejects a response head over 64 KiB (%s)', async (_, complete, pieceSize) => {
    const head = `HTTP/1.1 200 OK\r\n${'X-Padding: 0123456789abcdef0123456789abcdef0123456789abcdef\r\n'.repeat(1500)}`;
    expect(head.length).toBeGreaterThan(64 * 1024);
    const response = complete ? `${head}Content-Length: 2\r\n\r\nok` : head;
    const { pool } = await serve(
      answerEach(async (socket) => {
        if (pieceSize === undefined) {
          socket.write(response);
        } else {
          await writeInPieces(socket, response, pieceSize);
        }
      }),
    );
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ code: 'EPROTO', message: 'response head too large' });
  });

  it('reads a response head just under 64 KiB (the limit is not smaller than it says)', async () => {
    const padding = 'X-Padding: 0123456789abcdef0123456789abcdef0123456789abcdef\r\n'.repeat(1070);
    const response = `HTTP/1.1 200 OK\r\n${padding}Content-Length: 2\r\n\r\nok`;
    expect(response.indexOf('\r\n\r\n')).toBeGreaterThan(60 * 1024);
    expect(response.indexOf('\r\n\r\n')).toBeLessThan(64 * 1024);
    const { pool } = await serve(answerEach(always(response)));
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toEqual({ status: 200, body: 'ok' });
  });

  it('rejects with ETIMEDOUT when the server does not answer in time', async () => {
    const { pool } = await serve(answerEach(() => undefined), 300);
    expect(await outcome(pool.request(get(), Buffer.alloc(0)))).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const { server: closed } = await serve(() => undefined);
    const url = closed.url;
    await closed.close();
    server = undefined;
    const refused = new ConnectionPool(url, 5000);
    expect(await outcome(refused.request(get(), Buffer.alloc(0)))).toMatchObject({ code: 'ECONNREFUSED' });
    refused.destroy();
  });
});

// ---------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------

describe('ConnectionPool over TLS', () => {
  let dir: string | undefined;
  /** Both servers' certificates, for NODE_EXTRA_CA_CERTS. */
  let caBundle: string;
  let trusted: HttpsTestServer;
  let wrongName: HttpsTestServer;

  interface HttpsTestServer {
    server: TlsServer;
    url: URL;
    /** Every request the server decrypted. */
    received: Buffer[];
    /** Completed handshakes, how many of them resumed a session, and TCP connections accepted. */
    handshakes: { full: number; resumed: number; tcp: number };
  }

  /** A self-signed certificate for `name`, written to `dir`. */
  function selfSigned(openssl: string, dir: string, name: string): { key: string; cert: string } {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.pem`);
    const result = run(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`,
    ]);
    if (result.code !== 0) {
      throw new Error(`openssl could not make a certificate: ${result.stderr}`);
    }
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  }

  /** An HTTPS server on localhost answering every request with 200 "secure". */
  async function startTlsServer(credentials: { key: string; cert: string }): Promise<HttpsTestServer> {
    const received: Buffer[] = [];
    const handshakes = { full: 0, resumed: 0, tcp: 0 };
    const tlsServer = createTlsServer(credentials, (socket) => {
      handshakes[socket.isSessionReused() ? 'resumed' : 'full'] += 1;
      socket.on('error', () => undefined);
      void (async () => {
        for await (const request of requestsOn(socket)) {
          received.push(request);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure');
        }
      })().catch(() => socket.destroy());
    });
    // Client handshake failures (the point of these tests) land here.
    tlsServer.on('tlsClientError', () => undefined);
    tlsServer.on('connection', () => {
      handshakes.tcp += 1;
    });
    // Every address, so that "localhost" reaches it over IPv4 or IPv6.
    await new Promise<void>((resolve) => tlsServer.listen(0, resolve));
    return { server: tlsServer, url: new URL(`https://localhost:${(tlsServer.address() as AddressInfo).port}/`), received, handshakes };
  }

  /**
   * Runs one request through s3-http.ts in a new Node process that trusts `caFile`; returns what it printed.
   * With `prepared`, the pool is asked to prepare that many connections first, and as many requests follow the first at once.
   */
  async function requestTrusting(caFile: string, url: URL, prepared = 0): Promise<{ status?: number; body?: string; code?: string; tlsLoaded?: boolean }> {
    const script = join(caFile, '..', 'request.mts');
    const head = `requestHead('GET', '/k', { host: ${JSON.stringify(url.host)} })`;
    writeFileSync(
      script,
      [
        `import { ConnectionPool, requestHead } from ${JSON.stringify(join(ROOT, 'templates', 'sample', 'src', 's3-http.ts'))};`,
        `const pool = new ConnectionPool(new URL(${JSON.stringify(url.href)}), 5000);`,
        `pool.prepare(${prepared});`,
        `try {`,
        `  const response = await pool.request(${head}, Buffer.alloc(0));`,
        `  await new Promise((resolve) => setTimeout(resolve, 200));`,
        `  await Promise.all(Array.from({ length: ${prepared} }, () => pool.request(${head}, Buffer.alloc(0))));`,
        `  const tlsLoaded = process.moduleLoadList.includes('NativeModule tls');`,
        `  console.log(JSON.stringify({ status: response.status, body: response.body.toString(), tlsLoaded }));`,
        `} catch (error) {`,
        `  console.log(JSON.stringify({ code: error.code }));`,
        `} finally {`,
        `  pool.destroy();`,
        `}`,
      ].join('\n'),
    );
    // NODE_EXTRA_CA_CERTS is read once at start-up: only a new process can trust the test's certificate.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      // --import tsx resolves from here.
      cwd: ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    });
    return JSON.parse(stdout.trim()) as { status?: number; body?: string; code?: string; tlsLoaded?: boolean };
  }

  beforeAll(async () => {
    const openssl = requireTool('openssl', 'sudo apt-get install openssl');
    dir = mkdtempSync(join(tmpdir(), 's3-http-tls-'));
    const localhost = selfSigned(openssl, dir, 'localhost');
    const other = selfSigned(openssl, dir, 'other.example');
    caBundle = join(dir, 'trusted.pem');
    writeFileSync(caBundle, localhost.cert + other.cert);
    trusted = await startTlsServer(localhost);
    wrongName = await startTlsServer(other);
  });

  afterAll(async () => {
    for (const started of [trusted, wrongName]) {
      await new Promise((done) => (started ? started.server.close(done) : done(undefined)));
    }
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a server whose self-signed certificate no CA vouches for, and sends it nothing', async () => {
    const untrusting = new ConnectionPool(trusted.url, 5000);
    try {
      expect(await outcome(untrusting.request(requestHead('GET', '/k', { host: trusted.url.host }), Buffer.alloc(0)))).toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
    } finally {
      untrusting.destroy();
    }
    expect(trusted.received).toEqual([]);
  });

  it('talks to the server once its certificate is trusted (the control for the test above)', async () => {
    const before = trusted.received.length;
    expect(await requestTrusting(caBundle, trusted.url)).toEqual({ status: 200, body: 'secure', tlsLoaded: true });
    expect(trusted.received.length - before).toBe(1);
  });

  it('prepare() waits for the first TLS session, and the prepared connections resume it', async () => {
    const before = { ...trusted.handshakes };
    expect(await requestTrusting(caBundle, trusted.url, 4)).toEqual({ status: 200, body: 'secure', tlsLoaded: true });
    // The first connection's full handshake, then 3 prepared connections and none opened on demand.
    const { full, resumed, tcp } = trusted.handshakes;
    expect({ full: full - before.full, resumed: resumed - before.resumed, tcp: tcp - before.tcp }).toEqual({ full: 1, resumed: 3, tcp: 4 });
  });

  it('does not load node:tls for an http endpoint (the https requests above do load it)', async () => {
    const plain = await startRawServer(answerEach(always(OK)));
    try {
      expect(await requestTrusting(caBundle, plain.url)).toEqual({ status: 200, body: 'ok', tlsLoaded: false });
    } finally {
      await plain.close();
    }
  });

  it('prepare() opens nothing while no TLS session has come (an untrusted server)', async () => {
    const before = { ...trusted.handshakes };
    const untrusting = new ConnectionPool(trusted.url, 5000);
    try {
      untrusting.prepare(4);
      await delay(200);
      expect(trusted.handshakes).toEqual(before);
    } finally {
      untrusting.destroy();
    }
  });

  it("refuses a trusted certificate issued for another host name", async () => {
    expect(await requestTrusting(caBundle, wrongName.url)).toEqual({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(wrongName.received).toEqual([]);
  });
});
