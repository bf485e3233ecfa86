import { Server, ServerCredentials, type ChannelOptions, type ServerInterceptor } from '@grpc/grpc-js';
import { ServerGrpc, type GrpcOptions } from '@nestjs/microservices';

/**
 * Nest's gRPC strategy, keeping the port grpc-js reports once it has bound, so GRPC_PORT=0 (the OS
 * picks a free port: tests, several instances on one machine) can be read back. Nest's own
 * `createClient` builds and binds the same server but drops that number; this one builds it from
 * the same options (channel options, message size caps, keepalive, credentials), plus grpc-js
 * server interceptors (the access log).
 */
export class BoundPortServerGrpc extends ServerGrpc {
  private port: number | null = null;

  constructor(
    private readonly grpcOptions: GrpcOptions['options'],
    private readonly interceptors: ServerInterceptor[] = [],
  ) {
    super(grpcOptions);
  }

  /** The port the server listens on; null until it is bound. */
  get boundPort(): number | null {
    return this.port;
  }

  override async createClient(): Promise<Server> {
    const options = this.grpcOptions;
    const channelOptions: ChannelOptions = { ...options.channelOptions };
    if (options.maxSendMessageLength) channelOptions['grpc.max_send_message_length'] = options.maxSendMessageLength;
    if (options.maxReceiveMessageLength) channelOptions['grpc.max_receive_message_length'] = options.maxReceiveMessageLength;
    if (options.maxMetadataSize) channelOptions['grpc.max_metadata_size'] = options.maxMetadataSize;
    const server = new Server({ ...channelOptions, ...this.getKeepaliveOptions(), interceptors: this.interceptors });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, (options.credentials as ServerCredentials | undefined) ?? ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return server;
  }
}
