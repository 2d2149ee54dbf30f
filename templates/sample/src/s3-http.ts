/**
 * Signed S3 requests without the AWS SDK's client: SigV4 signing and a pool
 * of keep-alive HTTP/1.1 connections. `upload.ts` sends every request
 * through this file; the credentials and the bucket's endpoint come from
 * `sdk-shortcut.ts` in the plain cases, and from the SDK otherwise.
 *
 * Why not the SDK client, or node:http: for a small file, the SDK's
 * middleware stack (endpoint rules, serializers, retry bookkeeping) and
 * node:http's request objects (agent queue, header validation, streams)
 * each cost more CPU than sending the file itself. A PUT needs little of
 * that: one signed head, one body, one status line back.
 *
 * This file is yours: edit it freely, the generator does not overwrite it.
 */
import { createHash, createHmac } from 'node:crypto';
import { isIP, connect as netConnect, type Socket } from 'node:net';

// ---------------------------------------------------------------------------
// SigV4
// ---------------------------------------------------------------------------

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The hex SHA-256 to sign when the body's integrity rests on a signed checksum header and TLS instead. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * AWS Signature Version 4 for S3 requests in headers, as in
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html.
 * The derived signing key is kept for the day and the secret it came from.
 */
export class SigV4 {
  private signingKey: { scope: string; secret: string; key: Buffer } | undefined;
  /** Server time minus local time, learnt from an answer that said our clock is off. */
  clockOffsetMs = 0;

  constructor(
    private readonly region: string,
    private readonly service = 's3',
  ) {}

  /**
   * Adds x-amz-date, x-amz-content-sha256, x-amz-security-token and
   * authorization to `headers` (lower-case names, `host` included), signing
   * every header given. `path` is sent as is: S3 signs it encoded once.
   */
  sign(
    credentials: Credentials,
    method: string,
    path: string,
    query: string,
    headers: Record<string, string>,
    payloadHash: string,
  ): void {
    const amzDate = new Date(Date.now() + this.clockOffsetMs).toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    headers['x-amz-date'] = amzDate;
    headers['x-amz-content-sha256'] = payloadHash;
    if (credentials.sessionToken) {
      headers['x-amz-security-token'] = credentials.sessionToken;
    }
    const names = Object.keys(headers).sort();
    let canonicalHeaders = '';
    for (const name of names) {
      canonicalHeaders += `${name}:${canonicalValue(headers[name] as string)}\n`;
    }
    const signedHeaders = names.join(';');
    const canonicalRequest = `${method}\n${path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.key(scope, day, credentials.secretAccessKey)).update(stringToSign).digest('hex');
    headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  private key(scope: string, day: string, secret: string): Buffer {
    if (this.signingKey?.scope !== scope || this.signingKey.secret !== secret) {
      const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
      const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), this.service), 'aws4_request');
      this.signingKey = { scope, secret, key };
    }
    return this.signingKey.key;
  }
}

/** Header value as SigV4 canonicalizes it: trimmed, inner runs of spaces folded to one. */
function canonicalValue(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('  ') ? trimmed.replace(/ +/g, ' ') : trimmed;
}

/** RFC 3986 percent-encoding, as SigV4 wants it: everything but A-Z, a-z, 0-9, '-', '.', '_' and '~'. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as a URI path: every segment percent-encoded, '/' kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

// ---------------------------------------------------------------------------
// HTTP/1.1 over keep-alive connections
// ---------------------------------------------------------------------------

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

/** An error with Node's code for a broken connection, so that callers retry it like any other reset. */
function connectionError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** Largest response head accepted; S3's are well under 2 KiB. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Reads one HTTP/1.1 response from the bytes of a connection, chunk by chunk. */
class ResponseReader {
  private buffered: Buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string>; keepAlive: boolean } | undefined;
  private framing: { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' } | undefined;
  private readonly body: Buffer[] = [];
  private chunkRemaining = -1;
  private trailers = false;

  /** Feeds bytes; returns the response once it is complete, with any bytes after it. */
  push(chunk: Buffer): { response: HttpResponse; keepAlive: boolean; rest: Buffer } | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (!this.head) {
        const end = this.buffered.indexOf(CRLF_CRLF);
        // Measured whether or not the head has ended yet: a whole long head can arrive in one read.
        if ((end < 0 ? this.buffered.length : end) > MAX_HEAD_BYTES) {
          throw connectionError('response head too large', 'EPROTO');
        }
        if (end < 0) {
          return undefined;
        }
        const head = parseHead(this.buffered.toString('latin1', 0, end));
        this.buffered = this.buffered.subarray(end + 4);
        if (head.status >= 100 && head.status < 200) {
          continue; // 100 Continue and other interim answers come before the real one
        }
        this.head = head;
        this.framing = framingOf(head.headers, head.status);
      }
      const done = this.readBody();
      if (!done) {
        return undefined;
      }
      const { status, headers, keepAlive } = this.head;
      return { response: { status, headers, body: Buffer.concat(this.body) }, keepAlive, rest: this.buffered };
    }
  }

  /** The connection ended: a body that runs to the end of the connection is complete now. */
  end(): HttpResponse | undefined {
    if (this.head && this.framing?.kind === 'close') {
      this.body.push(this.buffered);
      return { status: this.head.status, headers: this.head.headers, body: Buffer.concat(this.body) };
    }
    return undefined;
  }

  private readBody(): boolean {
    const framing = this.framing;
    if (!framing || framing.kind === 'close') {
      return framing === undefined;
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.remaining, this.buffered.length);
      this.body.push(this.buffered.subarray(0, take));
      this.buffered = this.buffered.subarray(take);
      framing.remaining -= take;
      return framing.remaining === 0;
    }
    return this.readChunks();
  }

  private readChunks(): boolean {
    for (;;) {
      if (this.trailers) {
        // Trailer lines, then an empty line.
        const end = this.buffered.indexOf('\r\n');
        if (end < 0) {
          return false;
        }
        this.buffered = this.buffered.subarray(end + 2);
        if (end === 0) {
          return true;
        }
        continue;
      }
      if (this.chunkRemaining < 0) {
        const end = this.buffered.indexOf('\r\n');
        if (end < 0) {
          return false;
        }
        // Hex digits, then optional chunk extensions: parseInt alone would also take "5x" for 5.
        const digits = /^([0-9a-fA-F]+)[ \t]*(?:;|$)/.exec(this.buffered.toString('latin1', 0, end))?.[1];
        const size = digits === undefined ? Number.NaN : Number.parseInt(digits, 16);
        if (!Number.isSafeInteger(size)) {
          throw connectionError('bad chunk size in response', 'EPROTO');
        }
        this.buffered = this.buffered.subarray(end + 2);
        if (size === 0) {
          this.trailers = true;
          continue;
        }
        this.chunkRemaining = size;
      }
      // The chunk's data, then its CRLF.
      if (this.buffered.length < this.chunkRemaining + 2) {
        return false;
      }
      // A chunk that does not end where its size says means the framing is lost: reading on would take body bytes for sizes.
      if (this.buffered[this.chunkRemaining] !== 0x0d || this.buffered[this.chunkRemaining + 1] !== 0x0a) {
        throw connectionError('chunk longer than its size in response', 'EPROTO');
      }
      this.body.push(this.buffered.subarray(0, this.chunkRemaining));
      this.buffered = this.buffered.subarray(this.chunkRemaining + 2);
      this.chunkRemaining = -1;
    }
  }
}

function parseHead(text: string): { status: number; headers: Record<string, string>; keepAlive: boolean } {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!statusLine) {
    throw connectionError(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`, 'EPROTO');
  }
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const connection = (headers['connection'] ?? '').toLowerCase();
  const keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { status: Number(statusLine[2]), headers, keepAlive };
}

function framingOf(
  headers: Record<string, string>,
  status: number,
): { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' } | undefined {
  if (status === 204 || status === 304) {
    return undefined;
  }
  if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
    return { kind: 'chunked' };
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const remaining = Number(length);
    if (!Number.isSafeInteger(remaining) || remaining < 0) {
      throw connectionError(`bad content-length in response: ${length}`, 'EPROTO');
    }
    return remaining === 0 ? undefined : { kind: 'length', remaining };
  }
  return { kind: 'close' };
}

/** One connection, one request at a time. */
class Connection {
  alive = true;
  private pending: { reader: ResponseReader; resolve: (response: HttpResponse) => void; reject: (error: Error) => void } | undefined;
  private reusable = false;

  constructor(
    private readonly socket: Socket,
    timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    // Idle time on the socket, armed for the socket's whole life: a stalled
    // request fails (and is retried), and a connection idle that long closes.
    socket.setTimeout(timeoutMs, () => {
      this.fail(connectionError(`no answer within ${timeoutMs / 1000} s`, 'ETIMEDOUT'));
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      const pending = this.pending;
      const response = pending?.reader.end();
      if (pending && response) {
        this.pending = undefined;
        this.alive = false;
        pending.resolve(response);
      }
      this.fail(connectionError('the server closed the connection before answering', 'ECONNRESET'));
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(connectionError('the connection closed before the answer was complete', 'ECONNRESET')));
  }

  /** Sends the request head and body (`onSent` once the socket has written both, or dropped them); resolves with the complete response. */
  exchange(head: string, body: Buffer, onSent: () => void = () => undefined): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      if (!this.alive) {
        // A destroyed socket would neither answer nor fail: settle now, as a retryable reset.
        reject(connectionError('the connection was already closed', 'ECONNRESET'));
        return;
      }
      this.pending = { reader: new ResponseReader(), resolve, reject };
      // One write for head and body.
      this.socket.cork();
      if (body.length > 0) {
        this.socket.write(head, 'latin1');
        this.socket.write(body, () => onSent());
      } else {
        this.socket.write(head, 'latin1', () => onSent());
      }
      this.socket.uncork();
    });
  }

  /** Whether the last response left the connection fit for another request. */
  reusableAfterResponse(): boolean {
    return this.alive && this.reusable;
  }

  destroy(): void {
    this.alive = false;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) {
      this.destroy(); // bytes nobody asked for: the connection is out of step
      return;
    }
    let complete: ReturnType<ResponseReader['push']>;
    try {
      complete = pending.reader.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (complete) {
      this.pending = undefined;
      // Not reused when S3 answered before taking the whole body (an early
      // error): the rest of the body is still on its way.
      this.reusable = complete.keepAlive && complete.rest.length === 0 && this.socket.writableLength === 0;
      pending.resolve(complete.response);
    }
  }

  private fail(error: Error): void {
    this.alive = false;
    const pending = this.pending;
    this.pending = undefined;
    this.socket.destroy();
    pending?.reject(error);
  }
}

/**
 * Keep-alive connections to one endpoint, opened on demand or ahead with
 * prepare(): the caller bounds how many requests are in flight, and so how
 * many connections exist.
 */
export class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly port: number;
  private readonly tls: boolean;
  /** The last TLS session the server offered: new connections resume it instead of a full handshake. */
  private tlsSession: Buffer | undefined;
  /** prepare()'s count, kept over TLS until the first session arrives. */
  private prepareOnSession = 0;
  /** Settles once the first request's bytes have been handed to the network (after its TLS handshake), or its write failed. */
  readonly firstSent: Promise<void>;
  private markSent: () => void = () => undefined;

  constructor(
    private readonly endpoint: URL,
    private readonly timeoutMs: number,
  ) {
    this.tls = endpoint.protocol === 'https:';
    this.port = endpoint.port ? Number(endpoint.port) : this.tls ? 443 : 80;
    this.firstSent = new Promise((resolve) => {
      this.markSent = resolve;
    });
  }

  /**
   * Sends one request (`head` ends with the blank line) and returns the whole
   * response; `written`, once the socket has taken (or dropped) the body.
   */
  async request(head: string, body: Buffer, written?: () => void): Promise<HttpResponse> {
    const connection = this.take();
    const sent = written
      ? () => {
          this.markSent();
          written();
        }
      : this.markSent;
    try {
      const response = await connection.exchange(head, body, sent);
      if (connection.reusableAfterResponse()) {
        this.idle.push(connection);
      } else {
        this.close(connection);
      }
      return response;
    } catch (error) {
      this.close(connection);
      throw error;
    }
  }

  /**
   * Opens idle connections until `count` are open, for requests about to
   * come: each then finds its connection established, instead of waiting for
   * TCP (and TLS) only once its body is ready. Over TLS this waits for the
   * first session, so that these connections resume it rather than each
   * doing a full handshake; if none ever comes (a failed handshake), none
   * are opened.
   */
  prepare(count: number): void {
    if (this.tls && !this.tlsSession) {
      this.prepareOnSession = count;
      return;
    }
    while (this.open.size < count) {
      this.idle.push(this.connect());
    }
  }

  /** Closes every connection, so that the process can exit. */
  destroy(): void {
    this.prepareOnSession = 0;
    for (const connection of this.open) {
      connection.destroy();
    }
    this.open.clear();
    this.idle.length = 0;
  }

  private take(): Connection {
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.alive) {
        return connection;
      }
      this.open.delete(connection); // closed by the server while idle
    }
    return this.connect();
  }

  private connect(): Connection {
    const host = this.endpoint.hostname.replace(/^\[|\]$/g, '');
    // node:tls only for https: loading it is a few ms of every start (7 ms on Node 26) that plain HTTP does not need.
    const socket = this.tls
      ? process.getBuiltinModule('node:tls').connect({ host, port: this.port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], session: this.tlsSession })
      : netConnect({ host, port: this.port });
    if (this.tls) {
      socket.on('session', (session: Buffer) => {
        this.tlsSession = session;
        const waiting = this.prepareOnSession;
        this.prepareOnSession = 0;
        this.prepare(waiting);
      });
    }
    const connection = new Connection(socket, this.timeoutMs);
    this.open.add(connection);
    return connection;
  }

  private close(connection: Connection): void {
    connection.destroy();
    this.open.delete(connection);
  }
}

/** The request head: request line, headers, blank line. Header values must be printable ASCII. */
export function requestHead(method: string, target: string, headers: Record<string, string>): string {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const name in headers) {
    const value = headers[name] as string;
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new Error(`header ${name} has a character that cannot be sent: ${JSON.stringify(value)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}
