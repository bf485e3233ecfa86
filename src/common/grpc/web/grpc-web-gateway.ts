import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders as Http2IncomingHeaders } from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error.js';
import { renderGrpcError } from '../../errors/error-renderers.js';
import { acceptOrCreateTraceId } from '../../logging/request-context.js';
import type { CorsPolicy } from './cors-policy.js';
import {
  Base64StreamDecoder,
  parseGrpcWebContentType,
  percentEncodeGrpcMessage,
  trailerFrame,
  UnaryRequestReader,
  type FrameProblem,
  type GrpcWebContentType,
} from './grpc-web-codec.js';
import { relayStream } from './grpc-web-stream.js';

/** One HTTP request on the gRPC port that is not native gRPC, over HTTP/1.1 or HTTP/2. */
export interface WebExchange {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /**
   * Sends the whole answer. `closeConnection`: the request body was not read to its end, so the
   * connection (HTTP/1.1) or stream (HTTP/2) is closed after the answer rather than drained.
   */
  respond(status: number, headers: OutgoingHttpHeaders, body: Buffer | readonly Buffer[] | null, closeConnection: boolean): void;
  /** Starts an answer whose body is written as it comes (a streaming call); end() finishes it. */
  stream(status: number, headers: OutgoingHttpHeaders): Writable;
  /** Called when the client goes away before the answer is sent. */
  onAbort(callback: () => void): void;
}

/** How grpc-js registered a path ('unary', 'serverStream', 'clientStream', 'bidi'), or undefined. */
export type MethodTypeLookup = (path: string) => string | undefined;

export interface GrpcWebGatewayOptions {
  maxMessageBytes: number;
  /** Longest a client may take to send a request body. */
  readTimeoutMs: number;
  cors: CorsPolicy;
  /** The body of GET /health: the HTTP port's liveness answer, reused. */
  health: () => unknown;
  methodType: MethodTypeLookup;
  /** Opens a cleartext connection to this process's own gRPC port (loopback), for HTTP/2 to grpc-js. */
  connectUpstream: () => Duplex;
  logger: Logger;
}

/**
 * The largest DATA frame the in-process hop lets grpc-js send (HTTP/2's maximum): a 150 KB answer
 * crosses in one frame instead of ten 16 KiB ones, each an event and a chunk on both sides.
 */
const MAX_FRAME_SIZE = 2 ** 24 - 1;

/** Request headers that describe the HTTP exchange or the browser, not gRPC metadata. */
const NOT_METADATA = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'content-length',
  'content-type',
  'accept',
  'accept-encoding',
  'accept-language',
  'origin',
  'referer',
  'cookie',
  'x-grpc-web',
  'pragma',
  'cache-control',
  'priority',
  'dnt',
  'http2-settings',
]);
const METADATA_KEY = /^[0-9a-z_.-]+$/;

/** Response headers and trailers of the native call that the gRPC-Web answer does not repeat. */
const NOT_FORWARDED_BACK = new Set([':status', 'content-type', 'content-length', 'date']);

interface BodyOutcome {
  message?: Buffer;
  problem?: AppError;
  aborted?: boolean;
}

/**
 * gRPC-Web in front of the process's own grpc-js server, the way Envoy's grpc_web filter fronts a
 * gRPC server: each gRPC-Web call becomes a native gRPC call to grpc-js over one HTTP/2 connection
 * to the process's own port on loopback, so it meets exactly the handlers, auth guard, error table, interceptors (access log),
 * metrics and message-size limits of native gRPC. Data frames have the same envelope in both
 * protocols and pass through as bytes; only trailers change shape (HTTP/2 trailers ⇄ trailer frame,
 * or response headers for a trailers-only answer, which is how errors reach RustBill's client).
 *
 * Checked here, before grpc-js sees anything: the content type, the frame (one message, its
 * announced length against GRPC_MAX_MESSAGE_BYTES before the body is read), and how long the body
 * takes. Also served here: CORS preflights and GET /health. Streaming methods (reflection,
 * Health/Watch) are relayed frame by frame (grpc-web-stream.ts).
 */
export class GrpcWebGateway {
  private session: ClientHttp2Session | null = null;
  private closed = false;

  constructor(private readonly options: GrpcWebGatewayOptions) {}

  handle(exchange: WebExchange): void {
    const origin = single(exchange.headers.origin);
    const cors = this.options.cors.responseHeaders(origin);
    const ended = () => exchange.body.readableEnded;
    if (exchange.method === 'OPTIONS') {
      exchange.respond(204, { ...this.options.cors.preflightHeaders(origin), 'content-length': 0 }, null, false);
      return;
    }
    if (exchange.path === '/health') {
      if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
        exchange.respond(405, { ...cors, allow: 'GET, HEAD, OPTIONS', 'content-length': 0 }, null, !ended());
        return;
      }
      const body = Buffer.from(JSON.stringify(this.options.health()));
      exchange.respond(200, { ...cors, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, exchange.method === 'HEAD' ? null : body, !ended());
      return;
    }
    const traceId = acceptOrCreateTraceId(single(exchange.headers['x-trace-id']) ?? single(exchange.headers['x-request-id']));
    if (exchange.method !== 'POST') {
      this.fail(exchange, null, cors, traceId, new AppError('common.malformed_request', `gRPC-Web calls are POST requests, not ${exchange.method}`), 405);
      return;
    }
    const type = parseGrpcWebContentType(single(exchange.headers['content-type']));
    if (type === null) {
      const message = `content-type must be application/grpc-web, application/grpc-web+proto or application/grpc-web-text (or application/grpc over HTTP/2), got "${single(exchange.headers['content-type']) ?? ''}"`;
      this.fail(exchange, null, cors, traceId, new AppError('common.malformed_request', message), 415);
      return;
    }
    const methodType = this.options.methodType(exchange.path);
    if (methodType !== undefined && methodType !== 'unary') {
      this.forwardStream(exchange, type, cors, traceId);
      return;
    }
    void this.readBody(exchange, type).then((outcome) => {
      if (outcome.aborted) return;
      if (outcome.problem) {
        this.fail(exchange, type, cors, traceId, outcome.problem, 200);
        return;
      }
      this.forward(exchange, type, cors, traceId, outcome.message!);
    });
  }

  /** Stops taking calls and closes the in-process connection (calls in flight finish first). */
  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = null;
  }

  private readBody(exchange: WebExchange, type: GrpcWebContentType): Promise<BodyOutcome> {
    const { maxMessageBytes, readTimeoutMs } = this.options;
    return new Promise((resolve) => {
      const reader = new UnaryRequestReader(maxMessageBytes);
      const text = type.text ? new Base64StreamDecoder() : null;
      const body = exchange.body;
      let done = false;
      const finish = (outcome: BodyOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        resolve(outcome);
      };
      const onProblem = (problem: FrameProblem | null): boolean => {
        if (problem === null) return false;
        finish({ problem: frameError(problem, maxMessageBytes) });
        return true;
      };
      const onData = (chunk: Buffer) => {
        let bytes: Buffer | null = chunk;
        if (text !== null) {
          bytes = text.push(chunk.toString('latin1'));
          if (bytes === null) return void finish({ problem: AppError.invalidField('request', 'the application/grpc-web-text body is not base64') });
        }
        onProblem(reader.push(bytes));
      };
      const onEnd = () => {
        if (text !== null && !text.complete()) return void finish({ problem: AppError.invalidField('request', 'the application/grpc-web-text body ends inside a base64 group') });
        if (!onProblem(reader.end())) finish({ message: reader.message() });
      };
      const onError = () => finish({ aborted: true });
      const timer = setTimeout(
        () => finish({ problem: new AppError('common.malformed_request', `the request body did not arrive within ${readTimeoutMs} ms`) }),
        readTimeoutMs,
      );
      exchange.onAbort(() => finish({ aborted: true }));
      body.on('data', onData);
      body.on('end', onEnd);
      body.on('error', onError);
    });
  }

  private forward(exchange: WebExchange, type: GrpcWebContentType, cors: OutgoingHttpHeaders, traceId: string, message: Buffer): void {
    let call: ClientHttp2Stream;
    try {
      call = this.upstream().request(nativeRequestHeaders(exchange, traceId), { endStream: false });
    } catch (err) {
      this.fail(exchange, type, cors, traceId, new AppError('common.unavailable', 'The gRPC server is not taking calls', null, { cause: err }), 200);
      return;
    }
    let head: Http2IncomingHeaders | null = null;
    let trailers: Http2IncomingHeaders | null = null;
    const data: Buffer[] = [];
    call.on('response', (headers: Http2IncomingHeaders) => (head = headers));
    call.on('data', (chunk: Buffer) => data.push(chunk));
    call.on('trailers', (headers: Http2IncomingHeaders) => (trailers = headers));
    call.on('error', () => undefined); // 'close' follows and answers
    call.on('close', () => {
      const status = trailers?.['grpc-status'] ?? head?.['grpc-status'];
      if (head === null || status === undefined) {
        this.fail(exchange, type, cors, traceId, new AppError('common.unavailable', 'The gRPC server ended the call without a status'), 200);
        return;
      }
      const headers: OutgoingHttpHeaders = { ...cors, 'content-type': type.response };
      copyMetadata(head, headers);
      if (data.length === 0) {
        // Trailers-only: the status travels in the response headers (RustBill's client reads it there).
        if (trailers !== null) copyMetadata(trailers, headers);
        exchange.respond(200, headers, null, false);
        return;
      }
      // Binary: the data frames as they came, then the trailer frame (no copy into one buffer).
      const frames = [...data, trailerFrame(trailerLines(trailers))];
      exchange.respond(200, headers, type.text ? Buffer.from(Buffer.concat(frames).toString('base64'), 'latin1') : frames, false);
    });
    exchange.onAbort(() => call.close(http2.constants.NGHTTP2_CANCEL));
    call.end(message);
  }

  private forwardStream(exchange: WebExchange, type: GrpcWebContentType, cors: OutgoingHttpHeaders, traceId: string): void {
    const fail = (error: AppError) => this.fail(exchange, type, cors, traceId, error, 200);
    let call: ClientHttp2Stream;
    try {
      call = this.upstream().request(nativeRequestHeaders(exchange, traceId), { endStream: false });
    } catch (err) {
      fail(new AppError('common.unavailable', 'The gRPC server is not taking calls', null, { cause: err }));
      return;
    }
    relayStream(exchange, call, type, {
      maxMessageBytes: this.options.maxMessageBytes,
      responseHeaders: (head, trailers) => {
        const headers: OutgoingHttpHeaders = { ...cors, 'content-type': type.response };
        copyMetadata(head, headers);
        if (trailers !== null) copyMetadata(trailers, headers);
        return headers;
      },
      trailerLines,
      errorLines: (error) => {
        const rendered = renderGrpcError(error, traceId);
        return trailerLines({ 'grpc-status': String(rendered.code), 'grpc-message': encodeURI(rendered.details), ...rendered.metadata.toHttp2Headers() } as Http2IncomingHeaders);
      },
      fail,
      frameError: (problem) => frameError(problem, this.options.maxMessageBytes),
      unavailable: (why) => new AppError('common.unavailable', why),
    });
  }

  /** A trailers-only gRPC-Web answer (`grpc-status` in the headers) made here, with our error trailers. */
  private fail(exchange: WebExchange, type: GrpcWebContentType | null, cors: OutgoingHttpHeaders, traceId: string, error: AppError, httpStatus: number): void {
    const rendered = renderGrpcError(error, traceId);
    this.options.logger.info({ trace_id: traceId, transport: 'grpc-web', operation: exchange.path, code: error.code, err: error.message }, 'call failed');
    const headers: OutgoingHttpHeaders = {
      ...cors,
      'content-type': type?.response ?? 'application/grpc-web+proto',
      'grpc-status': String(rendered.code),
      'grpc-message': percentEncodeGrpcMessage(rendered.details),
      ...rendered.metadata.toHttp2Headers(),
    };
    exchange.respond(httpStatus, headers, null, !exchange.body.readableEnded);
  }

  private upstream(): ClientHttp2Session {
    if (this.closed) throw new Error('the gRPC-Web gateway is closed');
    const current = this.session;
    if (current !== null && !current.closed && !current.destroyed) return current;
    const socket = this.options.connectUpstream();
    // Windows as large as a message may be: a response is never held back waiting for
    // WINDOW_UPDATEs across the in-process hop (64 KiB by default: several round trips for 150 KB).
    const window = Math.min(2 ** 31 - 1, Math.max(65_535, this.options.maxMessageBytes * 4));
    const session = http2.connect('http://grpc-web.in-process', { createConnection: () => socket, settings: { initialWindowSize: window, maxFrameSize: MAX_FRAME_SIZE } });
    session.once('connect', () => session.setLocalWindowSize(window));
    const forget = () => {
      if (this.session === session) this.session = null;
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    return session;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function frameError(problem: FrameProblem, maxMessageBytes: number): AppError {
  if (problem.kind === 'too_large') {
    return new AppError('common.payload_too_large', `Received message larger than max (${problem.length} vs. ${maxMessageBytes})`, {
      limit_bytes: maxMessageBytes,
      message_bytes: problem.length,
    });
  }
  return AppError.invalidField('request', `malformed gRPC-Web frame: ${problem.reason}`);
}

/** The native call's headers: the gRPC-Web request's metadata (token, timeout, trace id, …). */
function nativeRequestHeaders(exchange: WebExchange, traceId: string): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': exchange.path,
    'content-type': 'application/grpc',
    te: 'trailers',
  };
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (value === undefined || name.startsWith(':') || NOT_METADATA.has(name) || name.startsWith('sec-') || !METADATA_KEY.test(name)) continue;
    headers[name] = value;
  }
  headers['x-trace-id'] = traceId;
  return headers;
}

/** The trailer frame's lines for the native call's trailers. */
function trailerLines(trailers: Http2IncomingHeaders | null): [string, string][] {
  const lines: [string, string][] = [];
  for (const [name, value] of Object.entries(trailers ?? {})) {
    if (NOT_FORWARDED_BACK.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push([name, name === 'grpc-message' ? reencodeGrpcMessage(String(v)) : String(v)]);
  }
  return lines;
}

function copyMetadata(from: Http2IncomingHeaders, to: OutgoingHttpHeaders): void {
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || name.startsWith(':') || NOT_FORWARDED_BACK.has(name)) continue;
    to[name] = name === 'grpc-message' ? reencodeGrpcMessage(String(value)) : value;
  }
}

/**
 * grpc-js writes grpc-message with encodeURI (spaces as %20 and more), which decoders accept; the
 * gateway sends it as the spec writes it (only bytes outside 0x20–0x7E, and %, encoded), so a
 * browser client that shows the raw header reads plain text.
 */
function reencodeGrpcMessage(value: string): string {
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    return value;
  }
  return percentEncodeGrpcMessage(text);
}
