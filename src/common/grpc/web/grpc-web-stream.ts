import http2, { type ClientHttp2Stream, type IncomingHttpHeaders as Http2IncomingHeaders } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { AppError } from '../../errors/app-error.js';
import { Base64StreamDecoder, Base64StreamEncoder, StreamRequestReader, trailerFrame, type FrameProblem, type GrpcWebContentType } from './grpc-web-codec.js';

/** What the relay needs of the gateway's WebExchange (the request body, and both ways of answering). */
export interface StreamExchange {
  readonly body: Readable;
  respond(status: number, headers: OutgoingHttpHeaders, body: null, closeConnection: boolean): void;
  stream(status: number, headers: OutgoingHttpHeaders): Writable;
  onAbort(callback: () => void): void;
}

export interface StreamRelayOptions {
  maxMessageBytes: number;
  /** The answer's headers for the native response headers (and trailers, when trailers-only). */
  responseHeaders(head: Http2IncomingHeaders, trailers: Http2IncomingHeaders | null): OutgoingHttpHeaders;
  /** The trailer frame's lines for the native trailers. */
  trailerLines(trailers: Http2IncomingHeaders | null): [string, string][];
  /** The trailer frame's lines for an error found here. */
  errorLines(error: AppError): [string, string][];
  /** A trailers-only error answer made here (nothing sent yet). */
  fail(error: AppError): void;
  frameError(problem: FrameProblem): AppError;
  unavailable(why: string): AppError;
}

/**
 * A streaming method (server reflection, Health/Watch, any client-, server- or bidi-streaming RPC)
 * over gRPC-Web, relayed frame by frame in both directions as they come: each request envelope is
 * checked like a unary one's (flag, length against the limit) and written to the native call; each
 * native data frame is written to the answer, then the trailer frame. Full duplex over HTTP/2 (buf
 * curl, connect-go); over HTTP/1.1 a client that sends its whole body first gets the same frames.
 * Back-pressure is passed along both ways. No body timer: a stream's body is open as long as the
 * call. Errors before the first data frame are trailers-only, as for unary calls.
 */
export function relayStream(exchange: StreamExchange, call: ClientHttp2Stream, type: GrpcWebContentType, options: StreamRelayOptions): void {
  const reader = new StreamRequestReader(options.maxMessageBytes);
  const text = type.text ? new Base64StreamDecoder() : null;
  const encoder = type.text ? new Base64StreamEncoder() : null;
  const encode = (bytes: Buffer) => (encoder === null ? bytes : encoder.push(bytes));
  let head: Http2IncomingHeaders | null = null;
  let trailers: Http2IncomingHeaders | null = null;
  let answer: Writable | null = null;
  let refused: AppError | null = null;

  const refuse = (error: AppError) => {
    if (refused !== null) return;
    refused = error;
    exchange.body.off('data', onData);
    call.close(http2.constants.NGHTTP2_CANCEL);
  };
  const onData = (chunk: Buffer) => {
    let bytes: Buffer | null = chunk;
    if (text !== null && (bytes = text.push(chunk.toString('latin1'))) === null) {
      return refuse(options.frameError({ kind: 'malformed', reason: 'the application/grpc-web-text body is not base64' }));
    }
    const { messages, problem } = reader.push(bytes);
    for (const message of messages) {
      if (!call.write(message)) {
        exchange.body.pause();
        call.once('drain', () => exchange.body.resume());
      }
    }
    if (problem !== null) refuse(options.frameError(problem));
  };
  exchange.body.on('data', onData);
  exchange.body.on('end', () => {
    if (refused !== null) return;
    const problem = text !== null && !text.complete() ? ({ kind: 'malformed', reason: 'the application/grpc-web-text body ends inside a base64 group' } as const) : reader.end();
    if (problem !== null) refuse(options.frameError(problem));
    else call.end();
  });
  exchange.onAbort(() => call.close(http2.constants.NGHTTP2_CANCEL));

  call.on('response', (headers: Http2IncomingHeaders) => (head = headers));
  call.on('trailers', (headers: Http2IncomingHeaders) => (trailers = headers));
  call.on('data', (chunk: Buffer) => {
    if (answer === null) answer = exchange.stream(200, options.responseHeaders(head ?? {}, null));
    if (!answer.write(encode(chunk))) {
      call.pause();
      answer.once('drain', () => call.resume());
    }
  });
  call.on('error', () => undefined); // 'close' follows and answers
  call.on('close', () => {
    const status = trailers?.['grpc-status'] ?? head?.['grpc-status'];
    if (answer === null) {
      if (refused !== null) options.fail(refused);
      else if (head === null || status === undefined) options.fail(options.unavailable('The gRPC server ended the call without a status'));
      else exchange.respond(200, options.responseHeaders(head, trailers), null, !exchange.body.readableEnded);
      return;
    }
    const lines =
      refused !== null
        ? options.errorLines(refused)
        : status === undefined
          ? options.errorLines(options.unavailable('The gRPC server ended the call without a status'))
          : options.trailerLines(trailers);
    const last = encode(trailerFrame(lines));
    answer.end(encoder === null ? last : Buffer.concat([last, encoder.end()]));
  });
}
