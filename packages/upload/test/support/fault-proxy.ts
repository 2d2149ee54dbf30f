/**
 * A fault-injecting HTTP proxy to put in front of a local S3 server.
 *
 * Requests are forwarded unchanged (the Host header included, so SigV4
 * signatures still verify upstream) unless the current rule says otherwise:
 * answer with an S3 error, reset the connection, or wait first. Every request
 * is recorded, so tests can count what reached "S3".
 */
import { Agent, IncomingMessage, ServerResponse, createServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path and query, e.g. `/bucket/key?partNumber=2&uploadId=...`. */
  url: string;
  /** The request's signing time (x-amz-date), e.g. 20261127T101500Z. */
  amzDate: string | undefined;
}

export type Fault =
  | { kind: 'forward' }
  /** Forwards after `ms` milliseconds. */
  | { kind: 'delay'; ms: number }
  /** Answers with an S3-style XML error without forwarding. */
  | { kind: 'error'; status: number; code: string; message: string; headers?: Record<string, string> }
  /** Reads part of the request, then resets the TCP connection (RST). */
  | { kind: 'reset' };

export type FaultRule = (request: ProxiedRequest) => Fault;

export const FORWARD: Fault = { kind: 'forward' };
export const SLOW_DOWN: Fault = { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
export const INTERNAL_ERROR: Fault = {
  kind: 'error',
  status: 500,
  code: 'InternalError',
  message: 'We encountered an internal error. Please try again.',
};
export const RESET: Fault = { kind: 'reset' };

export interface FaultProxy {
  endpoint: string;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** How many requests got each fault kind (error faults by their S3 code). */
  readonly injected: Readonly<Record<string, number>>;
  /** TLS handshakes so far (with the `tls` option): full ones, and resumed sessions. */
  readonly handshakes: { full: number; resumed: number };
  /** Replaces the rule and clears the records. */
  reset(rule?: FaultRule): void;
  stop(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port that forwards to `upstream` (e.g. http://127.0.0.1:5000);
 * with `tls`, it answers HTTPS with that key and certificate.
 */
export async function startFaultProxy(upstream: string, options: { tls?: { key: string; cert: string } } = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let rule: FaultRule = () => FORWARD;
  let requests: ProxiedRequest[] = [];
  let injected: Record<string, number> = {};

  const count = (name: string): void => {
    injected[name] = (injected[name] ?? 0) + 1;
  };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const upstreamRequest = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
      }
      res.end(`proxy: upstream failed: ${error.message}`);
    });
    req.pipe(upstreamRequest);
  };

  let handshakes = { full: 0, resumed: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const amzDate = req.headers['x-amz-date'];
    const record: ProxiedRequest = { index: requests.length, method: req.method ?? 'GET', url: req.url ?? '/', amzDate: typeof amzDate === 'string' ? amzDate : undefined };
    requests.push(record);
    const fault = rule(record);
    switch (fault.kind) {
      case 'forward':
        forward(req, res);
        return;
      case 'delay':
        count('delay');
        setTimeout(() => forward(req, res), fault.ms);
        return;
      case 'reset':
        count('reset');
        // After the first chunk of the body, as a dropped connection mid-upload would.
        req.once('data', () => req.socket.resetAndDestroy());
        req.once('end', () => req.socket.resetAndDestroy());
        return;
      case 'error': {
        count(fault.code);
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<Error><Code>${fault.code}</Code><Message>${fault.message}</Message><RequestId>FAULTPROXY${record.index}</RequestId></Error>`;
        // Drain the body first: answering mid-upload makes clients see EPIPE instead of the error.
        req.resume();
        req.once('end', () => {
          res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...fault.headers });
          res.end(body);
        });
        return;
      }
    }
  };
  const server = options.tls ? createHttpsServer({ ...options.tls }, handle) : createServer(handle);
  server.on('secureConnection', (socket: TLSSocket) => {
    handshakes[socket.isSessionReused() ? 'resumed' : 'full'] += 1;
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get injected() {
      return injected;
    },
    get handshakes() {
      return handshakes;
    },
    reset(next = () => FORWARD) {
      rule = next;
      requests = [];
      injected = {};
      handshakes = { full: 0, resumed: 0 };
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
