/**
 * The byte-level pieces of the gRPC-Web protocol (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md)
 * that the gateway needs: content types, the 5-byte message envelope (the same as native gRPC's
 * length-prefixed message, so data frames pass between the two unchanged), the trailer frame,
 * the base64 text variant, and grpc-message percent-encoding. No I/O here.
 */

/** A message envelope whose flag has this bit set carries trailers, not a message. */
export const TRAILER_FLAG = 0x80;
/** The compressed-message bit; any other bit set is a malformed frame. */
export const COMPRESSED_FLAG = 0x01;
export const ENVELOPE_BYTES = 5;

export interface GrpcWebContentType {
  /** application/grpc-web-text: the body is base64, both ways. */
  text: boolean;
  /** The content type the response is sent with. */
  response: string;
}

// +json is not offered: the services speak protobuf only, as on native gRPC.
const CONTENT_TYPE = /^application\/grpc-web(-text)?(\+proto)?\s*(;.*)?$/i;

/** The gRPC-Web variant a Content-Type names, or null when it is not one this server speaks. */
export function parseGrpcWebContentType(value: string | undefined): GrpcWebContentType | null {
  const match = value === undefined ? null : CONTENT_TYPE.exec(value.trim());
  if (match === null) return null;
  const text = match[1] !== undefined;
  return { text, response: text ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto' };
}

/** Native gRPC (`application/grpc`, `application/grpc+proto`, `application/grpc;…`), which grpc-js serves itself. */
export function isNativeGrpcContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/grpc(?:[+;]|$)/i.test(value);
}

export function envelope(flag: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ENVELOPE_BYTES + payload.length);
  out[0] = flag;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, ENVELOPE_BYTES);
  return out;
}

/** The trailer frame: `name: value` lines, CRLF-terminated, names lowercase (PROTOCOL-WEB.md). */
export function trailerFrame(trailers: Iterable<readonly [string, string]>): Buffer {
  let block = '';
  for (const [name, value] of trailers) block += `${name.toLowerCase()}: ${value}\r\n`;
  return envelope(TRAILER_FLAG, Buffer.from(block, 'latin1'));
}

/**
 * grpc-message as the gRPC spec encodes it: UTF-8, then every byte outside 0x20–0x7E, and `%`,
 * as `%XX`.
 */
export function percentEncodeGrpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export type FrameProblem =
  | { kind: 'too_large'; length: number }
  | { kind: 'malformed'; reason: string };

/**
 * Reads the request body of a unary call incrementally: exactly one message envelope. The length
 * is checked against the limit as soon as the 5-byte prefix is in, so a larger body is refused
 * before it is read. `push` and `end` return a problem, or null while all is well; `message` is the
 * whole envelope (prefix included) once it is complete.
 */
export class UnaryRequestReader {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private expected: number | null = null;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): FrameProblem | null {
    if (chunk.length === 0) return null;
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.expected === null && this.received >= ENVELOPE_BYTES) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const flag = head[0];
      if ((flag & ~COMPRESSED_FLAG) !== 0) {
        return { kind: 'malformed', reason: flag & TRAILER_FLAG ? 'a request carries no trailer frame' : `unknown frame flag 0x${flag.toString(16).padStart(2, '0')}` };
      }
      const length = head.readUInt32BE(1);
      if (length > this.maxMessageBytes) return { kind: 'too_large', length };
      this.expected = ENVELOPE_BYTES + length;
    }
    if (this.expected !== null && this.received > this.expected) {
      return { kind: 'malformed', reason: 'the body holds more than the one message of a unary call, or a frame length that is too short' };
    }
    return null;
  }

  end(): FrameProblem | null {
    if (this.received === 0) return { kind: 'malformed', reason: 'the body holds no message' };
    if (this.expected === null) return { kind: 'malformed', reason: `the body ends inside the ${ENVELOPE_BYTES}-byte frame prefix` };
    if (this.received < this.expected) {
      return { kind: 'malformed', reason: `the frame announces ${this.expected - ENVELOPE_BYTES} bytes but the body holds ${this.received - ENVELOPE_BYTES}` };
    }
    return null;
  }

  /** The message envelope, valid once `end()` returned null. */
  message(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
  }
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/**
 * Streaming base64 decoder for application/grpc-web-text bodies. A client may send several
 * base64 runs back to back, each padded (one per message), so input is decoded one 4-character
 * group at a time boundary-wise: whole groups are decoded together, and padding ends a run.
 */
export class Base64StreamDecoder {
  private pending = '';

  /** Decoded bytes, or null when the text is not base64. */
  push(text: string): Buffer | null {
    const cleaned = this.pending + text.replace(/[\r\n\t ]/g, '');
    const usable = cleaned.length - (cleaned.length % 4);
    this.pending = cleaned.slice(usable);
    if (usable === 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < usable; i += 4) {
      const group = cleaned.slice(i, i + 4);
      const padded = group.endsWith('=');
      if (!(BASE64_CHAR.test(group[0]) && BASE64_CHAR.test(group[1]) && (BASE64_CHAR.test(group[2]) || group.slice(2) === '==') && (BASE64_CHAR.test(group[3]) || group[3] === '='))) {
        return null;
      }
      if (padded) {
        parts.push(Buffer.from(cleaned.slice(start, i + 4), 'base64'));
        start = i + 4;
      }
    }
    if (start < usable) parts.push(Buffer.from(cleaned.slice(start, usable), 'base64'));
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Whether the text ended on a group boundary (else it was cut or is not base64). */
  complete(): boolean {
    return this.pending.length === 0;
  }
}

/**
 * Reads the request body of a streaming call: any number of message envelopes, each checked (flag,
 * announced length against the limit) as soon as its prefix is in. `push` hands back the complete
 * envelopes (prefix included) as they finish; `end` reports a body cut inside a message.
 */
export class StreamRequestReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): { messages: Buffer[]; problem: FrameProblem | null } {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= ENVELOPE_BYTES) {
      const flag = this.pending[0];
      if ((flag & ~COMPRESSED_FLAG) !== 0) {
        return { messages, problem: { kind: 'malformed', reason: flag & TRAILER_FLAG ? 'a request carries no trailer frame' : `unknown frame flag 0x${flag.toString(16).padStart(2, '0')}` } };
      }
      const length = this.pending.readUInt32BE(1);
      if (length > this.maxMessageBytes) return { messages, problem: { kind: 'too_large', length } };
      if (this.pending.length < ENVELOPE_BYTES + length) break;
      messages.push(this.pending.subarray(0, ENVELOPE_BYTES + length));
      this.pending = this.pending.subarray(ENVELOPE_BYTES + length);
    }
    return { messages, problem: null };
  }

  end(): FrameProblem | null {
    return this.pending.length === 0 ? null : { kind: 'malformed', reason: 'the body ends inside a message frame' };
  }
}

/**
 * Streaming base64 encoder for application/grpc-web-text answers written as they come: only whole
 * 3-byte groups are encoded until the end, so the text is one unpadded run until its last group
 * (as Envoy's grpc_web filter writes it), which every base64 decoder reads.
 */
export class Base64StreamEncoder {
  private pending: Buffer = Buffer.alloc(0);

  push(bytes: Buffer): Buffer {
    const all = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const usable = all.length - (all.length % 3);
    this.pending = all.subarray(usable);
    return Buffer.from(all.subarray(0, usable).toString('base64'), 'latin1');
  }

  end(): Buffer {
    const rest = Buffer.from(this.pending.toString('base64'), 'latin1');
    this.pending = Buffer.alloc(0);
    return rest;
  }
}
