import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../../src/common/grpc/switchboard-grpc-server.js';

export type GrpcServiceName = 'IntegrationService' | 'NotificationService' | 'EventService';

const PACKAGES: Record<GrpcServiceName, string> = {
  IntegrationService: 'rustbill.integration',
  NotificationService: 'rustbill.notification',
  EventService: 'switchboard.events.v1',
};

export interface GrpcResult<T = Record<string, unknown>> {
  response?: T;
  error?: grpc.ServiceError;
}

/**
 * A real gRPC client built from proto/ (as a RustBill client would be), calling the app over
 * the network. `call` resolves with either the response or the ServiceError, never throws.
 */
export class GrpcTestClient {
  private readonly clients: Record<GrpcServiceName, grpc.Client>;

  constructor(address: string) {
    const definition = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS));
    const lookup = (pkg: string, service: string) =>
      pkg.split('.').reduce<Record<string, unknown>>((node, part) => node[part] as Record<string, unknown>, definition as never)[
        service
      ] as grpc.ServiceClientConstructor;
    const connect = (service: GrpcServiceName) => new (lookup(PACKAGES[service], service))(address, grpc.credentials.createInsecure());
    this.clients = {
      IntegrationService: connect('IntegrationService'),
      NotificationService: connect('NotificationService'),
      EventService: connect('EventService'),
    };
  }

  call<T = Record<string, unknown>>(
    service: GrpcServiceName,
    method: string,
    request: unknown,
    token?: string | null,
    extraMetadata: Record<string, string> = {},
  ): Promise<GrpcResult<T>> {
    const metadata = new grpc.Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    for (const [key, value] of Object.entries(extraMetadata)) metadata.set(key, value);
    const client = this.clients[service] as unknown as Record<string, Function>;
    if (typeof client[method] !== 'function') throw new Error(`${service} has no method ${method} in proto/`);
    return new Promise((resolve) => {
      client[method].call(client, request, metadata, { deadline: Date.now() + 20_000 }, (error: grpc.ServiceError | null, response: T) => {
        resolve(error ? { error } : { response });
      });
    });
  }

  close(): void {
    for (const client of Object.values(this.clients)) client.close();
  }
}

/** The namespaced code the server put in the `error-code` trailer. */
export function errorCodeOf(error: grpc.ServiceError | undefined): string | undefined {
  return error?.metadata?.get('error-code')[0]?.toString();
}

/** The error's details, from the `error-details-bin` trailer (UTF-8 JSON); undefined when it has none. */
export function errorDetailsOf(error: grpc.ServiceError | undefined): any {
  const raw = error?.metadata?.get('error-details-bin')[0];
  return raw === undefined ? undefined : JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
}
