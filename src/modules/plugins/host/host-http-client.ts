import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { AddressGuard, ResolvedAddress, VettedTarget } from './address-guard.js';
import { agentFor } from './host-http-agents.js';
import { HostApiError, type HostApiSettings, type HostHttpResponse } from './host-api.types.js';
import { describeType, invalidArgument, isAbsent, readRecord, readStringMap } from './host-validation.js';

/**
 * `http.request` for plugin scripts: strict input checks, the address guard on every hop,
 * connections pinned to the vetted addresses (and kept alive per vetted target), one deadline for the whole call (DNS, connect,
 * redirects, body), and a cap on the response size. node:http is used rather than fetch because
 * only it lets us hand the connection a pre-resolved address while keeping Host/SNI.
 *
 * Request header values and bodies never appear in errors: they carry API keys. URLs are
 * reported as their origin only, since paths and queries carry tokens too (e.g. /bot<token>/).
 */

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const REQUEST_KEYS = ['method', 'url', 'headers', 'body', 'timeout_ms', 'follow_redirects'];
const MAX_REDIRECTS = 5;
const MAX_HEADERS = 100;
const MAX_URL_LENGTH = 16_384;
/**
 * Managed by the host: a script setting them could desynchronise or hijack the connection (framing,
 * hop-by-hop), or aim a request at another virtual host than the one the address guard vetted
 * (Host). Any `Proxy-*` header is refused too: the host never talks to a proxy for a script.
 */
const HOST_MANAGED_HEADERS = new Set(['connection', 'content-length', 'expect', 'host', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/**
 * The only script headers that follow a redirect to another origin. Everything else a script sets
 * may be a credential under any name (authorization, cookie, x-api-key, signatures, tokens), so it
 * is dropped rather than guessed at. These describe what the client accepts or sends, nothing more.
 */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'cache-control', 'content-language', 'content-type', 'user-agent']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface ValidRequest {
  method: string;
  url: URL;
  headers: [string, string][];
  body: Buffer | null;
  timeoutMs: number;
  followRedirects: boolean;
}

export class HostHttpClient {
  constructor(
    private readonly settings: HostApiSettings['http'],
    private readonly guard: AddressGuard,
    /** For a request to the call's personal target (PERSONAL_TARGET_ALLOW); the plain guard when not given. */
    private readonly personalGuard: AddressGuard = guard,
  ) {}

  /**
   * `callSignal`: aborted when the plugin call ends; the request is then aborted (or never
   * started). `personalTarget`: the call's user-supplied URL; a request to its origin is vetted by
   * the personal guard, every hop of it (a redirect does not lead back to the operator's allowlist).
   */
  async request(raw: unknown, callSignal?: AbortSignal, personalTarget?: string | null): Promise<HostHttpResponse> {
    if (callSignal?.aborted) throw callEnded();
    const request = this.validate(raw);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    const onCallEnd = () => controller.abort();
    callSignal?.addEventListener('abort', onCallEnd, { once: true });
    try {
      return await this.run(request, controller.signal, isSameOrigin(request.url, personalTarget) ? this.personalGuard : this.guard);
    } catch (error) {
      if (callSignal?.aborted) throw callEnded();
      if (controller.signal.aborted) {
        throw new HostApiError('timeout', `request to ${request.url.origin} timed out after ${request.timeoutMs} ms`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      callSignal?.removeEventListener('abort', onCallEnd);
    }
  }

  private async run(request: ValidRequest, signal: AbortSignal, guard: AddressGuard): Promise<HostHttpResponse> {
    let { url, method, headers, body } = request;
    for (let redirects = 0; ; redirects++) {
      const target = await abortable(guard.vet(url), signal);
      const response = await send(url, target, method, headers, body, signal);
      const location = response.headers.location;
      if (!request.followRedirects || !REDIRECT_STATUSES.has(response.statusCode ?? 0) || !location) {
        return await this.readResponse(response, method, url, signal);
      }
      response.destroy();
      if (redirects === MAX_REDIRECTS) {
        throw new HostApiError('too_many_redirects', `more than ${MAX_REDIRECTS} redirects starting at ${request.url.origin}`);
      }
      const next = parseUrl(location, url, 'redirect location');
      const status = response.statusCode;
      // As browsers do: 303 turns anything but HEAD into GET; 301/302 turn POST into GET.
      if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
        headers = headers.filter(([name]) => name.toLowerCase() !== 'content-type');
      }
      if (next.origin !== url.origin) headers = headers.filter(([name]) => CROSS_ORIGIN_HEADERS.has(name.toLowerCase()));
      url = next;
    }
  }

  private validate(raw: unknown): ValidRequest {
    const fields = readRecord(raw, 'request', REQUEST_KEYS);

    if (typeof fields.url !== 'string') throw invalidArgument('url', `required, must be a string, got ${describeType(fields.url)}`);
    const url = parseUrl(fields.url);

    let method = 'GET';
    if (!isAbsent(fields.method)) {
      const upper = typeof fields.method === 'string' ? fields.method.toUpperCase() : null;
      if (upper === null || !(METHODS as readonly string[]).includes(upper)) {
        throw invalidArgument('method', `must be one of ${METHODS.join(', ')}`);
      }
      method = upper;
    }

    const headers = isAbsent(fields.headers) ? [] : readStringMap(fields.headers, 'headers', MAX_HEADERS);
    for (const [name] of headers) {
      const lower = name.toLowerCase();
      if (HOST_MANAGED_HEADERS.has(lower) || lower.startsWith('proxy-')) throw invalidArgument(`headers.${name}`, 'is set by the host, remove it');
    }

    let body: Buffer | null = null;
    if (!isAbsent(fields.body)) {
      if (typeof fields.body === 'string') {
        body = Buffer.from(fields.body, 'utf8');
      } else if (typeof fields.body === 'object') {
        body = Buffer.from(toJson(fields.body), 'utf8');
        if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
      } else {
        throw invalidArgument('body', `must be a string or an object, got ${describeType(fields.body)}`);
      }
      if (body.length > this.settings.maxRequestBytes) {
        throw invalidArgument('body', `larger than ${this.settings.maxRequestBytes} bytes`);
      }
    }
    if (!headers.some(([name]) => name.toLowerCase() === 'user-agent')) headers.push(['user-agent', 'switchboard-plugin']);

    let timeoutMs = this.settings.defaultTimeoutMs;
    if (!isAbsent(fields.timeout_ms)) {
      const t = fields.timeout_ms;
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > this.settings.maxTimeoutMs) {
        throw invalidArgument('timeout_ms', `must be a number of milliseconds in (0, ${this.settings.maxTimeoutMs}]`);
      }
      timeoutMs = t;
    }

    let followRedirects = false;
    if (!isAbsent(fields.follow_redirects)) {
      if (typeof fields.follow_redirects !== 'boolean') {
        throw invalidArgument('follow_redirects', `must be a boolean, got ${describeType(fields.follow_redirects)}`);
      }
      followRedirects = fields.follow_redirects;
    }

    return { method, url, headers, body, timeoutMs, followRedirects };
  }

  private async readResponse(response: IncomingMessage, method: string, url: URL, signal: AbortSignal): Promise<HostHttpResponse> {
    const status = response.statusCode ?? 0;
    const headers = joinHeaders(response.rawHeaders);
    const cap = this.settings.maxResponseBytes;
    let body = '';
    if (method === 'HEAD' || status === 204 || status === 304) {
      // Nothing to read: drained rather than destroyed, so its socket goes back to the pool (free
      // by the time 'end' is heard, so the next request to the target can take it).
      await drained(response, url, signal);
    } else {
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > cap) {
        response.destroy();
        throw tooLarge(url, cap);
      }
      body = (await readCapped(response, headers['content-encoding'], cap, url, signal)).toString('utf8');
    }
    const result: HostHttpResponse = { status, headers, body };
    if (isJsonType(headers['content-type']) && body !== '') {
      try {
        result.json = JSON.parse(body);
      } catch {
        // Malformed JSON stays available as text: the script decides what a bad body means.
      }
    }
    return result;
  }
}

function parseUrl(text: string, base?: URL, field = 'url'): URL {
  if (text.length > MAX_URL_LENGTH) throw new HostApiError('invalid_url', `${field}: longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new HostApiError('invalid_url', `${field}: not a valid absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HostApiError('invalid_url', `${field}: only http and https are allowed, got ${url.protocol.slice(0, 16)}`);
  }
  return url;
}

function toJson(value: object): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    throw invalidArgument('body', 'could not be serialised as JSON');
  }
  if (json === undefined) throw invalidArgument('body', 'could not be serialised as JSON');
  return json;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Always answers with the vetted addresses, whatever DNS would say now. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const usable = wanted.length > 0 ? wanted : addresses;
    if (options.all) {
      (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, usable);
    } else {
      callback(null, usable[0].address, usable[0].family);
    }
  };
}

function send(url: URL, target: VettedTarget, method: string, headers: [string, string][], body: Buffer | null, signal: AbortSignal, fresh = false): Promise<IncomingMessage> {
  const outgoing: OutgoingHttpHeaders = Object.fromEntries(headers);
  if (body !== null) outgoing['content-length'] = body.length;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request({
      protocol: url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method,
      headers: outgoing,
      auth: url.username || url.password ? `${safeDecode(url.username)}:${safeDecode(url.password)}` : undefined,
      agent: fresh ? false : agentFor(url, target),
      // New connections, pooled or not, go to the vetted addresses only, whatever DNS says now.
      lookup: pinnedLookup(target.addresses),
      signal,
    });
    request.on('error', (error) => {
      // A kept-alive socket the server closed just as it was reused, before any answer: sent again
      // once, on a fresh connection (as Node's docs advise). A receiver may see it twice, with the
      // same ids (webhook-id), which at-least-once delivery allows.
      if (!fresh && request.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET' && !signal.aborted) {
        send(url, target, method, headers, body, signal, true).then(resolve, reject);
        return;
      }
      reject(networkError(error, url));
    });
    request.on('response', resolve);
    request.end(body ?? undefined);
  });
}

async function readCapped(response: IncomingMessage, encoding: string | undefined, cap: number, url: URL, signal: AbortSignal): Promise<Buffer> {
  const decoder = decoderFor(encoding);
  const source: Readable = decoder ? pipeline(response, decoder, () => undefined) : response;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > cap) throw tooLarge(url, cap);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof HostApiError || signal.aborted) throw error;
    const code = (error as { code?: unknown }).code;
    if (decoder && typeof code === 'string' && code.startsWith('Z_')) {
      throw new HostApiError('network_error', `could not decode the ${encoding} response body from ${url.origin}`, { cause: code });
    }
    throw networkError(error, url);
  } finally {
    response.destroy();
    decoder?.destroy();
  }
  return Buffer.concat(chunks);
}

function drained(response: IncomingMessage, url: URL, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (response.complete && response.readableEnded) return resolve();
    response.once('end', () => resolve());
    response.once('error', (error) => reject(signal.aborted ? error : networkError(error, url)));
    // Closed without an end (the deadline aborted it, the socket died): settled, never left hanging.
    response.once('close', () => (response.readableEnded ? resolve() : reject(signal.aborted ? new Error('aborted') : networkError(Object.assign(new Error('closed'), { code: 'ECONNRESET' }), url))));
    response.resume();
  });
}

function decoderFor(encoding: string | undefined) {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/** Lower-case names, repeated headers joined with ", " (set-cookie included, see HostHttpResponse). */
function joinHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1];
  }
  return { ...headers };
}

function isJsonType(contentType: string | undefined): boolean {
  const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || /^application\/[^/]+\+json$/.test(media);
}

function callEnded(): HostApiError {
  return new HostApiError('aborted', 'http.request aborted: the plugin call has ended');
}

function tooLarge(url: URL, cap: number): HostApiError {
  return new HostApiError('response_too_large', `response from ${url.origin} is larger than ${cap} bytes`);
}

function networkError(error: unknown, url: URL): HostApiError {
  if (error instanceof HostApiError) return error;
  const code = (error as { code?: unknown }).code;
  const cause = typeof code === 'string' ? code : null;
  const what =
    cause === 'ECONNREFUSED'
      ? 'connection refused'
      : cause === 'ECONNRESET'
        ? 'connection reset'
        : cause === 'EHOSTUNREACH' || cause === 'ENETUNREACH'
          ? 'host unreachable'
          : cause !== null && /CERT|TLS|SSL|EPROTO|SIGNATURE/.test(cause)
            ? 'TLS error'
            : 'network error';
  return new HostApiError('network_error', `${what} talking to ${url.origin}${cause ? ` (${cause})` : ''}`, { cause });
}

/** Races a promise that cannot itself be cancelled (a DNS lookup) against the deadline. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function isSameOrigin(url: URL, other: string | null | undefined): boolean {
  if (!other) return false;
  try {
    return new URL(other).origin === url.origin;
  } catch {
    return false;
  }
}
