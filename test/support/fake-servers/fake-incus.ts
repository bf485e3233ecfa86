import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stateful stand-in for the Incus REST API (https://linuxcontainers.org/incus/docs/main/rest-api/)
 * on 127.0.0.1, enough for plugins/first_party_provider/incus.js: it keeps instances in memory, so a
 * test can count what was really created upstream.
 *
 *   const incus = await FakeIncus.start({ token: 'secret' });
 *   ... config.api_url = incus.url(), PLUGIN_HTTP_ALLOW = incus.hostPort ...
 *   expect(incus.instances.size).toBe(1);
 *   await incus.close();
 *
 * What it answers, in Incus' envelopes (sync / async / error):
 *   GET  /1.0                                   auth "trusted" for the bearer token, else "untrusted"
 *   GET  /1.0/profiles?recursion=1              `profiles`
 *   POST /1.0/instances                         registers the instance at once (Running, with an
 *                                               IPv4) and answers an async operation; 409 when the
 *                                               name exists in the project, as Incus does
 *   GET  /1.0/operations/<id>/wait              the operation, Success
 *   GET  /1.0/instances/<name>                  the instance with its config; 404 when unknown
 *   GET  /1.0/instances/<name>/state            status and eth0 addresses; 404 when unknown
 *   PUT  /1.0/instances/<name>/state            start / stop
 *   GET  /1.0/instances?recursion=2             every instance with its state
 * Every other request, and any request without the token, is an Incus error (404 / 403).
 * Instances are kept per project (`?project=`, default "default").
 */

export interface FakeIncusInstance {
  project: string;
  name: string;
  type: string;
  status: 'Running' | 'Stopped';
  ipv4: string;
  /** The POST body that created it. */
  request: Record<string, unknown>;
  createdAt: string;
}

export interface FakeIncusRequest {
  method: string;
  /** Path and query string as sent. */
  path: string;
  authorization: string | undefined;
  json: unknown;
}

export class FakeIncus {
  /** Keyed by "<project>/<name>". */
  readonly instances = new Map<string, FakeIncusInstance>();
  readonly requests: FakeIncusRequest[] = [];
  /** Profiles listed by GET /1.0/profiles. */
  profiles: Record<string, unknown>[] = [];
  private operations = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly token: string,
  ) {}

  static async start(options: { token: string }): Promise<FakeIncus> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeIncus(server, (server.address() as AddressInfo).port, options.token);
    server.on('connection', (socket: Socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The API address to configure (no trailing /1.0). */
  url(): string {
    return `http://${this.hostPort}`;
  }

  /** The POST /1.0/instances requests received so far. */
  get createRequests(): FakeIncusRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && new URL(r.path, 'http://x').pathname === '/1.0/instances');
  }

  reset(): void {
    this.instances.clear();
    this.requests.length = 0;
    this.profiles = [];
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const request: FakeIncusRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, json };
    this.requests.push(request);
    const [status, body] = this.answer(request);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private answer(request: FakeIncusRequest): [number, unknown] {
    const url = new URL(request.path, 'http://x');
    const project = url.searchParams.get('project') ?? 'default';
    const trusted = request.authorization === `Bearer ${this.token}`;
    const route = `${request.method} ${url.pathname}`;

    if (route === 'GET /1.0') return sync({ api_version: '1.0', auth: trusted ? 'trusted' : 'untrusted', environment: { server_version: '6.0' } });
    if (!trusted) return error(403, 'not authorized');

    if (route === 'GET /1.0/profiles') return sync(this.profiles);
    if (route === 'GET /1.0/instances') {
      return sync([...this.instances.values()].filter((i) => i.project === project).map((i) => ({ name: i.name, type: i.type, status: i.status, created_at: i.createdAt, config: i.request.config, state: stateOf(i) })));
    }
    if (route === 'POST /1.0/instances') return this.create(project, request.json);

    const wait = /^\/1\.0\/operations\/([^/]+)\/wait$/.exec(url.pathname);
    if (wait && request.method === 'GET') return sync({ id: wait[1], status: 'Success', status_code: 200, err: '' });

    const one = /^\/1\.0\/instances\/([^/]+)$/.exec(url.pathname);
    if (one && request.method === 'GET') {
      const instance = this.instances.get(`${project}/${decodeURIComponent(one[1])}`);
      if (!instance) return error(404, 'Instance not found');
      return sync({ name: instance.name, type: instance.type, status: instance.status, created_at: instance.createdAt, config: instance.request.config ?? {} });
    }

    const state = /^\/1\.0\/instances\/([^/]+)\/state$/.exec(url.pathname);
    if (state) {
      const instance = this.instances.get(`${project}/${decodeURIComponent(state[1])}`);
      if (!instance) return error(404, 'Instance not found');
      if (request.method === 'GET') return sync(stateOf(instance));
      if (request.method === 'PUT') {
        const action = (request.json as { action?: string } | undefined)?.action;
        if (action === 'start') instance.status = 'Running';
        else if (action === 'stop') instance.status = 'Stopped';
        else return error(400, `Unknown action "${String(action)}"`);
        return this.operation();
      }
    }
    return error(404, 'not found');
  }

  private create(project: string, body: unknown): [number, unknown] {
    const spec = (body ?? {}) as Record<string, unknown>;
    if (typeof spec.name !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(spec.name)) return error(400, 'Invalid instance name');
    const key = `${project}/${spec.name}`;
    if (this.instances.has(key)) return error(409, `Instance "${spec.name}" already exists`);
    const n = this.instances.size + 1;
    this.instances.set(key, {
      project,
      name: spec.name,
      type: typeof spec.type === 'string' ? spec.type : 'container',
      status: spec.start === true ? 'Running' : 'Stopped',
      ipv4: `10.99.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      request: spec,
      createdAt: new Date().toISOString(),
    });
    return this.operation();
  }

  private operation(): [number, unknown] {
    const id = `op-${++this.operations}`;
    return [202, { type: 'async', status: 'Operation created', status_code: 100, operation: `/1.0/operations/${id}`, metadata: { id, status: 'Running' } }];
  }
}

function sync(metadata: unknown): [number, unknown] {
  return [200, { type: 'sync', status: 'Success', status_code: 200, metadata }];
}

function error(status: number, message: string): [number, unknown] {
  return [status, { type: 'error', error: message, error_code: status }];
}

function stateOf(instance: FakeIncusInstance): Record<string, unknown> {
  return {
    status: instance.status,
    status_code: instance.status === 'Running' ? 103 : 102,
    network: {
      lo: { addresses: [{ family: 'inet', address: '127.0.0.1', netmask: '8', scope: 'local' }] },
      eth0: {
        addresses:
          instance.status === 'Running'
            ? [
                { family: 'inet', address: instance.ipv4, netmask: '24', scope: 'global' },
                { family: 'inet6', address: 'fe80::1', netmask: '64', scope: 'link' },
              ]
            : [],
      },
    },
  };
}
