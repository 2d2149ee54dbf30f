/**
 * A TCP server that answers HTTP requests with whatever bytes a test writes:
 * exact, malformed, fragmented or badly timed responses, to check an HTTP
 * client against them. It counts the connections it accepts, so a test can
 * tell whether the client reused one.
 */
import { AddressInfo, Socket, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface RawServer {
  /** http://127.0.0.1:<port>/ */
  url: URL;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Called with each accepted socket and its 0-based arrival order. */
export type ConnectionHandler = (socket: Socket, connection: number) => void;

export interface RawRequest {
  /** 0-based order of the connection that carried the request. */
  connection: number;
  /** 0-based order of the request on its connection. */
  index: number;
  /** The request exactly as received: head and Content-Length body. */
  bytes: Buffer;
}

/** Writes the answer to `request` on `socket`. */
export type Responder = (socket: Socket, request: RawRequest) => void | Promise<void>;

/** Starts a server on a free loopback port; `handler` gets every connection. */
export async function startRawServer(handler: ConnectionHandler): Promise<RawServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    // A client that gives up resets the connection; that is not the server's failure.
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    handler(socket, connections++);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A handler that reads the requests on each connection one after another and lets `respond` answer each. */
export function answerEach(respond: Responder): ConnectionHandler {
  return (socket, connection) => {
    void (async () => {
      let index = 0;
      for await (const bytes of requestsOn(socket)) {
        await respond(socket, { connection, index: index++, bytes });
      }
    })().catch(() => socket.destroy());
  };
}

/** The requests arriving on `socket`, each as its exact bytes (head, then a Content-Length body). */
export async function* requestsOn(socket: Socket): AsyncGenerator<Buffer> {
  let buffered = Buffer.alloc(0);
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        break;
      }
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.toString('latin1', 0, end))?.[1] ?? 0);
      const total = end + 4 + length;
      if (buffered.length < total) {
        break;
      }
      yield buffered.subarray(0, total);
      buffered = buffered.subarray(total);
    }
  }
}

/** Writes `bytes` in pieces of `size` bytes, each in a TCP write of its own, so that the client reads them one by one. */
export async function writeInPieces(socket: Socket, bytes: Buffer | string, size = 1): Promise<void> {
  const data = Buffer.from(bytes);
  for (let offset = 0; offset < data.length; offset += size) {
    socket.write(data.subarray(offset, offset + size));
    await delay(1);
  }
}
