import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { GrpcReflection } from 'grpc-js-reflection-client';
import { describeAccess, describeGrpcAuthMatrix } from './support/auth-matrix.js';
import { RUSTBILL_RPCS } from './support/rustbill-rpcs.js';
import { SWITCHBOARD_RPCS } from './support/switchboard-rpcs.js';
import { errorCodeOf, GrpcTestClient } from './support/grpc-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { PROTO_DIR } from '../src/config/paths.js';
import { GRPC_SERVICES } from '../src/common/grpc/switchboard-grpc-server.js';

/**
 * The contract, copied from the seeds' RPC tables (not derived from proto/ or from the fixtures
 * under test): seed 001 lists IntegrationService's 22 RPCs, seed 000 NotificationService's 2, each
 * with its access ("已认证" = any authenticated caller); Switchboard gives its own
 * EventService (admin or the permission events.publish).
 */
const CONTRACT_RPCS = {
  IntegrationService: {
    package: 'rustbill.integration',
    proto: 'rustbill/integration.proto',
    rpcs: {
      ListProviders: 'admin',
      ListGateways: 'admin',
      ListNotifiers: 'admin',
      ListPlugins: 'admin',
      GetPlugin: 'admin',
      ListPluginInterfaces: 'admin',
      GetPluginInterface: 'admin',
      CreatePluginInterface: 'admin',
      UpdatePluginInterface: 'admin',
      TogglePluginInterface: 'admin',
      DeletePluginInterface: 'admin',
      CheckPluginHealth: 'admin',
      GetPluginAdminPage: 'admin',
      CallPluginAction: 'admin',
      RestartServer: 'admin',
      SyncProducts: 'authenticated',
      QueryPrice: 'authenticated',
      CreateUpstreamInstance: 'authenticated',
      GetInstanceStatus: 'admin',
      SyncUpstreamInstances: 'admin',
      ImportUpstreamInstance: 'admin',
      GetUpstreamBalance: 'admin',
    },
  },
  NotificationService: {
    package: 'rustbill.notification',
    proto: 'rustbill/notification.proto',
    rpcs: { ListNotifiers: 'admin', SendNotification: 'admin' },
  },
  EventService: {
    package: 'switchboard.events.v1',
    proto: 'switchboard/events/v1/events.proto',
    rpcs: { PublishEvent: 'permission events.publish', PublishEvents: 'permission events.publish' },
  },
} as const;
const CONTRACT_SERVICES = Object.keys(CONTRACT_RPCS) as (keyof typeof CONTRACT_RPCS)[];
const ALL_RPCS = [...RUSTBILL_RPCS, ...SWITCHBOARD_RPCS];
const contractNames = (service: keyof typeof CONTRACT_RPCS) => Object.keys(CONTRACT_RPCS[service].rpcs).sort();

/** RPCs that are implemented; every other one must still say UNIMPLEMENTED. */
const IMPLEMENTED = new Set([
  'IntegrationService/ListPlugins',
  'IntegrationService/GetPlugin',
  'IntegrationService/RestartServer',
  ...['ListProviders', 'ListGateways', 'ListNotifiers', 'ListPluginInterfaces', 'GetPluginInterface', 'CreatePluginInterface'].map((m) => `IntegrationService/${m}`),
  ...['UpdatePluginInterface', 'TogglePluginInterface', 'DeletePluginInterface', 'CheckPluginHealth', 'GetPluginAdminPage', 'CallPluginAction'].map((m) => `IntegrationService/${m}`),
  ...['QueryPrice', 'SyncProducts', 'GetInstanceStatus', 'GetUpstreamBalance', 'CreateUpstreamInstance', 'SyncUpstreamInstances', 'ImportUpstreamInstance'].map((m) => `IntegrationService/${m}`),
  'EventService/PublishEvent',
  'EventService/PublishEvents',
  'NotificationService/ListNotifiers',
  'NotificationService/SendNotification',
]);

describe('gRPC transport', () => {
  let app: TestApp;
  let client: GrpcTestClient;

  beforeAll(async () => {
    app = await startTestApp();
    client = new GrpcTestClient(app.grpcAddress);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  it.each(CONTRACT_SERVICES)('proto/ declares exactly the contract RPCs of %s', (service) => {
    const { package: pkg, proto } = CONTRACT_RPCS[service];
    const definition = protoLoader.loadSync(join(PROTO_DIR, proto), { includeDirs: [PROTO_DIR] })[`${pkg}.${service}`] as protoLoader.ServiceDefinition;
    expect(Object.keys(definition).sort()).toEqual(contractNames(service));
  });

  it.each(CONTRACT_SERVICES)('the running server serves exactly the contract RPCs of %s (read back by reflection)', async (service) => {
    const symbol = `${CONTRACT_RPCS[service].package}.${service}`;
    const reflection = new GrpcReflection(app.grpcAddress, grpc.credentials.createInsecure());
    const descriptor = await reflection.getDescriptorBySymbol(symbol);
    const served = symbol.split('.').reduce<any>((node, part) => node[part], descriptor.getPackageObject({ keepCase: true })) as grpc.ServiceClientConstructor;
    expect(Object.keys(served.service).sort()).toEqual(contractNames(service));
  });

  it('the services the server implements are exactly the contract\'s', () => {
    expect([...GRPC_SERVICES].sort()).toEqual(CONTRACT_SERVICES.map((s) => `${CONTRACT_RPCS[s].package}.${s}`).sort());
  });

  it('the auth matrix below covers every contract RPC once, with the access the contract gives it', () => {
    const fixture = ALL_RPCS.map((r) => `${r.service}/${r.method}: ${describeAccess(r.access)}`).sort();
    const contract = CONTRACT_SERVICES.flatMap((service) => Object.entries(CONTRACT_RPCS[service].rpcs).map(([method, access]) => `${service}/${method}: ${access}`)).sort();
    expect(fixture).toEqual(contract);
  });

  describe('auth matrix: every RPC × caller (RPCs not built yet answer UNIMPLEMENTED once authorised)', () => {
    describeGrpcAuthMatrix(ALL_RPCS, () => ({ app, client }), (op, result) => {
      if (IMPLEMENTED.has(`${op.service}/${op.method}`)) {
        expect(result.error?.code).not.toBe(grpc.status.UNIMPLEMENTED);
        // The matrix sends EventService a valid event: an allowed caller gets it accepted.
        if (op.service === 'EventService') expect(result.error).toBeUndefined();
        // And NotificationService a valid request (no notifier is enabled here: no results).
        if (op.service === 'NotificationService') expect(result.error).toBeUndefined();
        return;
      }
      expect(result.error?.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(errorCodeOf(result.error)).toBe('common.not_implemented');
      expect(result.error?.details).toContain(`${op.service}/${op.method} is not implemented yet`);
    });
  });

  it('answers an expired token with auth.token_expired', async () => {
    const expired = await app.tokens.sign({ sub: 'old', role: 'admin' }, Math.floor(Date.now() / 1000) - 60);
    const { error } = await client.call('IntegrationService', 'ListProviders', {}, expired);
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(errorCodeOf(error)).toBe('auth.token_expired');
  });

  it('rejects a token whose role claim is unknown', async () => {
    const odd = await app.tokens.sign({ sub: 'x', role: 'root' as 'admin' });
    const { error } = await client.call('IntegrationService', 'ListProviders', {}, odd);
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(errorCodeOf(error)).toBe('auth.invalid_token');
  });

  it('returns a trace id in the trailers, keeping a caller-supplied one', async () => {
    const { error } = await client.call('IntegrationService', 'ListProviders', {}, null, { 'x-trace-id': 'caller-trace-0001' });
    expect(error?.metadata.get('trace-id')).toEqual(['caller-trace-0001']);
    const other = await client.call('IntegrationService', 'ListProviders', {}, null);
    expect(other.error?.metadata.get('trace-id')[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers a request body that is not the RPC message with InvalidArgument, not Internal', async () => {
    const raw = new grpc.Client(app.grpcAddress, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${app.tokens.admin}`);
    // a field tag with wire type 7, which does not exist in protobuf
    const body = Buffer.from([0x2f, 0x01]);
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest('/rustbill.integration.IntegrationService/GetPlugin', (b: Buffer) => b, (b: Buffer) => b, body, metadata, (err) =>
        resolve(err),
      ),
    );
    raw.close();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCodeOf(error ?? undefined)).toBe('common.validation_failed');
    expect(error?.details).toMatch(/request: not a valid GetPlugin request message/);
    // Authentication comes first: without a token the same body is Unauthenticated.
    const anonymous = new grpc.Client(app.grpcAddress, grpc.credentials.createInsecure());
    const unauthenticated = await new Promise<grpc.ServiceError | null>((resolve) =>
      anonymous.makeUnaryRequest('/rustbill.integration.IntegrationService/GetPlugin', (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), (err) =>
        resolve(err),
      ),
    );
    anonymous.close();
    expect(unauthenticated?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('refuses a message above the configured size with RESOURCE_EXHAUSTED before decoding it', async () => {
    const huge = 'x'.repeat(app.config.grpc.maxMessageBytes + 1);
    const { error } = await client.call(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: 'a', display_name: 'b', config_json: huge },
      app.tokens.admin,
    );
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/larger than max/i);
  });

  it('serves grpc.health.v1.Health', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const health = new Health(app.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
      check(req: { service: string }, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
      close(): void;
    };
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) => health.check({ service }, (err, res) => (err ? reject(err) : resolve(res))));
    await expect(check('')).resolves.toEqual({ status: 'SERVING' });
    await expect(check('rustbill.integration.IntegrationService')).resolves.toEqual({ status: 'SERVING' });
    await expect(check('switchboard.events.v1.EventService')).resolves.toEqual({ status: 'SERVING' });
    await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    health.close();
  });

  it('serves reflection: a client with no .proto files lists the services and calls one', async () => {
    const reflection = new GrpcReflection(app.grpcAddress, grpc.credentials.createInsecure());
    const services = await reflection.listServices();
    expect(services).toEqual(
      expect.arrayContaining([
        'rustbill.integration.IntegrationService',
        'rustbill.notification.NotificationService',
        'switchboard.events.v1.EventService',
        'grpc.health.v1.Health',
      ]),
    );
    const descriptor = await reflection.getDescriptorBySymbol('rustbill.notification.NotificationService');
    // (An empty title: the INVALID_ARGUMENT answer proves the reflected client reaches the server.)
    const pkg = descriptor.getPackageObject({ keepCase: true, defaults: true }) as any;
    const Notification = pkg.rustbill.notification.NotificationService as grpc.ServiceClientConstructor;
    const reflected = new Notification(app.grpcAddress, grpc.credentials.createInsecure()) as any;
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${app.tokens.admin}`);
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      reflected.SendNotification({ event_type: 'test', title: '' }, metadata, (err: grpc.ServiceError | null) => resolve(err)),
    );
    reflected.close();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCodeOf(error ?? undefined)).toBe('common.validation_failed');
  });
});
