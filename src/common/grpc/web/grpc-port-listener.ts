import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import http2, { type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isNativeGrpcContentType } from './grpc-web-codec.js';
import type { GrpcWebGateway, WebExchange } from './grpc-web-gateway.js';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface GrpcPortListenerOptions {
  host: string;
  port: number;
  /** Longest a client may take to send its first bytes, and an HTTP/1.1 request's headers. */
  readTimeoutMs: number;
}

/**
 * The one listener on GRPC_PORT. Each connection is sniffed by its first bytes: the HTTP/2 client
 * preface (native gRPC from grpc-js/grpcurl/nginx grpc_pass, or gRPC-Web from Caddy's h2c
 * upstream) goes to grpc-js through its connection injector; anything else is HTTP/1.1 (a browser,
 * a dev proxy) and goes to an HTTP/1.1 server that hands every request to the gRPC-Web gateway.
 *
 * The listener is that HTTP/1.1 server itself (so Node's own request/headers timeouts and
 * connection tracking apply to it), with its 'connection' listener moved behind the sniffer.
 */
export class GrpcPortListener {
  private readonly server: http.Server;

  constructor(
    private readonly options: GrpcPortListenerOptions,
    gateway: GrpcWebGateway,
    private readonly injectHttp2: (connection: Duplex) => void,
  ) {
    this.server = http.createServer(
      {
        requestTimeout: options.readTimeoutMs + 5_000, // the gateway's own body timer answers first
        headersTimeout: options.readTimeoutMs,
        keepAliveTimeout: 5_000,
        noDelay: true,
      },
      (req, res) => gateway.handle(http1Exchange(req, res)),
    );
    const http1Listeners = this.server.listeners('connection') as ((socket: Socket) => void)[];
    this.server.removeAllListeners('connection');
    this.server.on('connection', (socket: Socket) => this.sniff(socket, http1Listeners));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and lets HTTP/1.1 ones finish their request (HTTP/2 ones are grpc-js's). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Cuts the HTTP/1.1 connections still open (after the shutdown grace period). */
  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  private sniff(socket: Socket, http1Listeners: ((socket: Socket) => void)[]): void {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.options.readTimeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onError = () => cleanup();
    const onClose = () => cleanup();
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, HTTP2_PREFACE.length);
      const prefaceSoFar = seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      if (prefaceSoFar && seen.length < HTTP2_PREFACE.length) return; // not decided yet
      cleanup();
      socket.pause();
      socket.unshift(seen);
      if (prefaceSoFar) {
        // The HTTP/2 session takes the socket over and reads what was unshifted itself.
        this.injectHttp2(socket);
      } else {
        for (const listener of http1Listeners) listener.call(this.server, socket);
        process.nextTick(() => socket.resume());
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  }
}

/**
 * Routes each HTTP/2 stream of the gRPC port: native gRPC to grpc-js's own stream handler, the
 * rest (gRPC-Web over h2c, preflights, GET /health) to the gateway. `http2Server` is the server
 * grpc-js's connection injector created; its 'stream' listeners are grpc-js's.
 */
export function routeHttp2Streams(http2Server: Http2Server, gateway: GrpcWebGateway): void {
  const grpcListeners = http2Server.listeners('stream') as ((...args: unknown[]) => void)[];
  if (grpcListeners.length === 0) throw new Error('grpc-js set no stream handler on its HTTP/2 server: the gRPC-Web routing needs updating for this grpc-js version');
  http2Server.removeAllListeners('stream');
  http2Server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
    if (isNativeGrpcContentType(headers['content-type'])) {
      for (const listener of grpcListeners) listener.call(http2Server, stream, headers, ...rest);
    } else {
      gateway.handle(http2Exchange(stream, headers));
    }
  });
}

function chunksOf(body: Buffer | readonly Buffer[] | null): readonly Buffer[] {
  return body === null ? [] : Buffer.isBuffer(body) ? [body] : body;
}

function lengthOf(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const chunk of chunks) n += chunk.length;
  return n;
}

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function http1Exchange(req: IncomingMessage, res: ServerResponse): WebExchange {
  return {
    method: req.method ?? 'GET',
    path: pathOf(req.url),
    headers: req.headers,
    body: req,
    respond(status, headers, body, closeConnection) {
      if (res.headersSent || res.destroyed) return;
      const chunks = chunksOf(body);
      const out: OutgoingHttpHeaders = { ...headers, 'content-length': lengthOf(chunks) };
      if (closeConnection) out.connection = 'close';
      res.writeHead(status, out);
      // Corked: the head and every chunk leave in one writev.
      res.cork();
      for (const chunk of chunks) res.write(chunk);
      res.end();
      res.uncork();
    },
    stream(status, headers) {
      res.writeHead(status, headers); // no content-length: chunked
      res.flushHeaders();
      return res;
    },
    onAbort(callback) {
      res.on('close', () => {
        if (!res.writableFinished) callback();
      });
    },
  };
}

function http2Exchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): WebExchange {
  stream.on('error', () => undefined); // a reset stream ends in 'close'
  return {
    method: String(headers[':method'] ?? 'GET'),
    path: pathOf(headers[':path']),
    headers,
    body: stream,
    respond(status, out, body, closeStream) {
      if (stream.headersSent || stream.destroyed || stream.closed) return;
      const chunks = chunksOf(body);
      const h2: http2.OutgoingHttpHeaders = { ...out, ':status': status, 'content-length': lengthOf(chunks) };
      delete h2.connection;
      stream.respond(h2, { endStream: chunks.length === 0 });
      if (chunks.length > 0) {
        stream.cork();
        for (const chunk of chunks) stream.write(chunk);
        stream.end();
        stream.uncork();
      }
      // Early answer to a body still coming: reset the stream once the answer is out (RFC 9113 §8.1).
      if (closeStream) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    },
    stream(status, out) {
      const h2: http2.OutgoingHttpHeaders = { ...out, ':status': status };
      delete h2.connection;
      stream.respond(h2, { endStream: false });
      return stream;
    },
    onAbort(callback) {
      stream.on('close', () => {
        if (!stream.writableFinished) callback();
      });
    },
  };
}
