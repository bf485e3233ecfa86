import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { PROTO_DESCRIPTOR_SET } from '../../src/config/paths.js';

export type ReflectionVersion = 'v1' | 'v1alpha';

/** A ServerReflectionRequest's message_request, as @bufbuild/protobuf spells the oneof. */
export type ReflectionAsk =
  | { case: 'listServices' | 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType'; value: string }
  | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } };

/** A decoded ServerReflectionResponse (either version). */
export interface ReflectionReply {
  validHost: string;
  messageResponse:
    | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
    | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
    | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
    | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } }
    | { case: undefined };
}

// The protocol's own messages, from the compiled grpc/reflection protos (fixed by the gRPC project).
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(PROTO_DESCRIPTOR_SET)));
const schema = (name: string): DescMessage => registry.getMessage(name)!;

/**
 * A gRPC server-reflection client over the real wire (grpc-js, HTTP/2): one ServerReflectionInfo
 * stream per `ask`, every request written, the stream half-closed, the replies collected in order.
 */
export class ReflectionTestClient {
  private readonly client: grpc.Client;
  private readonly path: string;
  private readonly request: DescMessage;
  private readonly response: DescMessage;

  constructor(address: string, version: ReflectionVersion) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
    this.path = `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`;
    this.request = schema(`grpc.reflection.${version}.ServerReflectionRequest`);
    this.response = schema(`grpc.reflection.${version}.ServerReflectionResponse`);
  }

  ask(...asks: ReflectionAsk[]): Promise<ReflectionReply[]> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeBidiStreamRequest(
        this.path,
        (message: object) => Buffer.from(toBinary(this.request, message as never)),
        (bytes: Buffer) => fromBinary(this.response, bytes) as unknown as ReflectionReply,
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
      );
      const replies: ReflectionReply[] = [];
      call.on('data', (reply: ReflectionReply) => replies.push(reply));
      call.on('error', reject);
      call.on('status', (status: grpc.StatusObject) => (status.code === grpc.status.OK ? resolve(replies) : reject(new Error(status.details))));
      for (const messageRequest of asks) call.write(create(this.request, { host: 'switchboard.test', messageRequest }));
      call.end();
    });
  }

  /** The files of one file_descriptor_response, or throws with the error_response. */
  async files(ask: ReflectionAsk): Promise<Uint8Array[]> {
    const [reply] = await this.ask(ask);
    if (reply.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`${ask.case} ${JSON.stringify(ask.value)}: ${JSON.stringify(reply.messageResponse)}`);
    return reply.messageResponse.value.fileDescriptorProto;
  }

  close(): void {
    this.client.close();
  }
}
