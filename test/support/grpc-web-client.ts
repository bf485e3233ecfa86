import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../../src/common/grpc/switchboard-grpc-server.js';
import type { GrpcResult, GrpcServiceName } from './grpc-client.js';

const PACKAGES: Record<GrpcServiceName, string> = {
  IntegrationService: 'rustbill.integration',
  NotificationService: 'rustbill.notification',
  EventService: 'switchboard.events.v1',
};

export type WebTransport = 'http1' | 'h2c';

/** What a gRPC-Web answer looked like on the wire, as a browser client sees it. */
export interface WebAnswer {
  httpStatus: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The messages of the body: data frames (flag 0x00) and the trailer frame (0x80), parsed by hand. */
export interface ParsedWebBody {
  messages: Buffer[];
  trailers: Record<string, string> | null;
}

/** The 5-byte envelope of PROTOCOL-WEB.md: flag, then the length as a 4-byte big-endian integer. */
export function frame(payload: Buffer, flag = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flag;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

export function parseWebBody(body: Buffer): ParsedWebBody {
  const messages: Buffer[] = [];
  let trailers: Record<string, string> | null = null;
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) throw new Error(`truncated frame prefix at byte ${at}`);
    const flag = body[at];
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    if (payload.length !== length) throw new Error(`frame at byte ${at} announces ${length} bytes, has ${payload.length}`);
    if (flag & 0x80) {
      trailers = {};
      for (const line of payload.toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    } else {
      messages.push(Buffer.from(payload));
    }
    at += 5 + length;
  }
  return { messages, trailers };
}

/**
 * A gRPC-Web client written from the protocol spec, as RustBill's browser client behaves: POST
 * `/<package>.<Service>/<Method>` with one framed message, status read from the response headers
 * (trailers-only) or else from the trailer frame after the first data frame. Over HTTP/1.1 it uses
 * fetch (undici), over h2c node:http2. Messages are encoded with the same proto files as the
 * native test client, so results compare one to one.
 */
export class GrpcWebTestClient {
  private readonly methods = new Map<string, protoLoader.MethodDefinition<object, object>>();
  private session: http2.ClientHttp2Session | null = null;

  constructor(
    readonly baseUrl: string,
    readonly transport: WebTransport = 'http1',
    private readonly options: { text?: boolean; origin?: string } = {},
  ) {
    const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
    for (const [service, pkg] of Object.entries(PACKAGES)) {
      const methods = definition[`${pkg}.${service}`] as Record<string, protoLoader.MethodDefinition<object, object>>;
      for (const [name, method] of Object.entries(methods)) this.methods.set(`${service}/${name}`, method);
    }
  }

  /** One raw exchange: any body, any headers. */
  async raw(path: string, body: Buffer | null, headers: Record<string, string>, method = 'POST'): Promise<WebAnswer> {
    if (this.transport === 'http1') {
      const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body ?? undefined });
      return { httpStatus: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
    }
    this.session ??= http2.connect(this.baseUrl);
    const stream = this.session.request({ ':method': method, ':path': path, ...headers }, { endStream: body === null });
    return new Promise((resolve, reject) => {
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (head = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('close', () => {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(head)) if (!k.startsWith(':') && v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({ httpStatus: Number(head[':status']), headers: flat, body: Buffer.concat(chunks) });
      });
      if (body !== null) stream.end(body);
    });
  }

  /** The request headers RustBill's client sends. */
  headers(token: string | null, extra: Record<string, string> = {}): Record<string, string> {
    return {
      'content-type': this.options.text ? 'application/grpc-web-text' : 'application/grpc-web+proto',
      'x-grpc-web': '1',
      'x-user-agent': 'grpc-web-javascript/0.1',
      ...(this.options.origin ? { origin: this.options.origin } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    };
  }

  async exchange(service: GrpcServiceName, method: string, request: unknown, token: string | null, extra: Record<string, string> = {}): Promise<WebAnswer & { status: number; message: string; metadata: Record<string, string>; response?: unknown }> {
    const definition = this.methods.get(`${service}/${method}`);
    if (!definition) throw new Error(`${service} has no method ${method} in proto/`);
    const framed = frame(definition.requestSerialize(request as object));
    const answer = await this.raw(`/${PACKAGES[service]}.${service}/${method}`, this.options.text ? Buffer.from(framed.toString('base64')) : framed, this.headers(token, extra));
    const body = this.options.text ? Buffer.from(answer.body.toString('latin1'), 'base64') : answer.body;
    // Trailers-only (an error): grpc-status in the headers, as RustBill's client reads it.
    if (answer.headers['grpc-status'] !== undefined) {
      return { ...answer, body, status: Number(answer.headers['grpc-status']), message: decodeURIComponent(answer.headers['grpc-message'] ?? ''), metadata: answer.headers };
    }
    const parsed = parseWebBody(body);
    if (parsed.trailers === null) throw new Error(`no trailer frame in a ${answer.httpStatus} answer`);
    const status = Number(parsed.trailers['grpc-status']);
    return {
      ...answer,
      body,
      status,
      message: decodeURIComponent(parsed.trailers['grpc-message'] ?? ''),
      metadata: { ...answer.headers, ...parsed.trailers },
      response: parsed.messages.length > 0 ? definition.responseDeserialize(parsed.messages[0]) : undefined,
    };
  }

  /** The same shape as GrpcTestClient.call, so the auth matrix and comparisons take either client. */
  async call<T = Record<string, unknown>>(service: GrpcServiceName, method: string, request: unknown, token?: string | null, extra: Record<string, string> = {}): Promise<GrpcResult<T>> {
    const answer = await this.exchange(service, method, request, token ?? null, extra);
    if (answer.status === Number(grpc.status.OK)) return { response: answer.response as T };
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(answer.metadata)) {
      if (k.endsWith('-bin')) metadata.set(k, Buffer.from(v, 'base64'));
      else if (/^[0-9a-z_.-]+$/.test(k) && !['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(k)) metadata.set(k, v);
    }
    const error: grpc.ServiceError = Object.assign(new Error(answer.message), { code: answer.status, details: answer.message, metadata });
    return { error };
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}
