import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local HTTP server standing in for a webhook or provider API in tests. It records every
 * request and answers with scripted responses (404 when nothing matches).
 *
 *   const target = await HttpTarget.start();
 *   target.on('POST', '/hook', { status: 202, body: { ok: true } });
 *   ... settings.http.allow = [target.hostPort] ...
 *   expect(target.requests[0]?.json).toEqual({ ... });
 *   await target.close();
 *
 * It listens on 127.0.0.1 (a loopback address the plugin host refuses by default), so a test must
 * allow `target.hostPort` explicitly, which is also how a test proves the guard works.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query string as sent. */
  path: string;
  /** Lower-case names (node's IncomingHttpHeaders). */
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body when it is valid JSON, else undefined. */
  json: unknown;
}

export interface ScriptedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string | string[]>;
  /** An object or array is sent as JSON with content-type application/json. */
  body?: string | Buffer | object;
  /** Wait this long before answering (to exercise timeouts); the socket stays open meanwhile. */
  delayMs?: number;
  /** Stream the body without a content-length (chunked), so the client cannot size it up front. */
  chunked?: boolean;
}

export type Reply = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>);

export class HttpTarget {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted so far; lets a test prove a blocked request never connected. */
  connectionCount = 0;
  private routes: { method: string; path: string; reply: Reply }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  /** Starts on 127.0.0.1 with an ephemeral port. */
  static async start(): Promise<HttpTarget> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const target = new HttpTarget(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket: Socket) => {
      target.connectionCount++;
      target.sockets.add(socket);
      socket.on('close', () => target.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void target.handle(req, res));
    return target;
  }

  /** "127.0.0.1:<port>", the form to put in HostApiSettings.http.allow. */
  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Absolute URL of a path on this server, e.g. url('/hook?x=1'). */
  url(path = '/'): string {
    return `http://${this.hostPort}${path}`;
  }

  /**
   * Answers requests to `path` (exact match, query ignored; '*' matches any) with `reply`; `method` '*' matches
   * any method. Later routes win over earlier ones for the same request.
   */
  on(method: string, path: string, reply: Reply): this {
    this.routes.unshift({ method: method.toUpperCase(), path, reply });
    return this;
  }

  /** Forgets recorded requests, routes and the connection count. */
  reset(): void {
    this.requests.length = 0;
    this.routes = [];
    this.connectionCount = 0;
  }

  /** Stops listening and drops open connections (including ones held by a delayed reply). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: parseJson(body) };
      this.requests.push(recorded);
      const pathname = new URL(recorded.path, 'http://x').pathname;
      const route = this.routes.find((r) => (r.method === '*' || r.method === recorded.method) && (r.path === '*' || r.path === pathname));
      const scripted: ScriptedResponse = route
        ? typeof route.reply === 'function'
          ? await route.reply(recorded)
          : route.reply
        : { status: 404, body: { error: 'no route', method: recorded.method, path: pathname } };
      if (scripted.delayMs) await this.delay(scripted.delayMs);
      if (res.destroyed) return;
      this.respond(res, scripted);
    } catch {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end('fake server error');
    }
  }

  /** A pending delay must not keep the test process alive after close(). */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private respond(res: ServerResponse, scripted: ScriptedResponse): void {
    const headers: Record<string, string | string[]> = { ...scripted.headers };
    let payload: Buffer;
    if (scripted.body === undefined) {
      payload = Buffer.alloc(0);
    } else if (typeof scripted.body === 'string' || Buffer.isBuffer(scripted.body)) {
      payload = Buffer.from(scripted.body);
    } else {
      payload = Buffer.from(JSON.stringify(scripted.body));
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    res.writeHead(scripted.status ?? 200, headers);
    if (scripted.chunked) {
      // Several writes without content-length make node use chunked transfer encoding.
      const step = 16 * 1024;
      for (let at = 0; at < payload.length; at += step) res.write(payload.subarray(at, at + step));
      res.end();
    } else {
      res.end(payload);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
