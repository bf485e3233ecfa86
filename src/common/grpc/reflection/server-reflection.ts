import { readFileSync } from 'node:fs';
import { status, type Server, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { create, createFileRegistry, fromBinary, toBinary, type DescMessage, type FileRegistry, type Message } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { FileDescriptorSetSchema, type DescriptorProto, type EnumDescriptorProto, type FieldDescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/** The two versions of the reflection protocol; their messages are the same field for field. */
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'] as const;

/** A ServerReflectionRequest as @bufbuild/protobuf decodes it (either version). */
interface ReflectionRequest extends Message {
  host: string;
  messageRequest:
    | { case: 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType' | 'listServices'; value: string }
    | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** The message_response oneof of a ServerReflectionResponse, as `create` takes it. */
type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

/**
 * What the server tells reflection clients (grpcurl, buf curl, Postman): the FileDescriptorProtos
 * that buf compiled from proto/ (proto/descriptors.binpb, docs/grpc-reflection.md), handed out as the
 * compiler's own bytes, each with its transitive imports, as grpc-go does. Symbols resolve as a
 * protoc DescriptorPool resolves them: packages' messages, enums, services and extensions, and
 * within them nested types (map entries too), fields, oneofs, methods, and enum values (named in the
 * scope that holds their enum). Anything unknown is a NOT_FOUND error_response on the open stream.
 *
 * Both grpc.reflection.v1 and v1alpha are served from the same index; their request and response
 * messages are encoded with the schemas of the same compiled set, so grpc-js serves reflection
 * from exactly what it describes. What it does not do: look at the proto-loader definitions that
 * Nest routes calls with; the set must describe them (the e2e spec checks both come from proto/).
 */
export class ServerReflection {
  /** Each file's bytes exactly as the compiler wrote them, by file name. */
  private readonly bytes = new Map<string, Uint8Array>();
  private readonly files = new Map<string, FileDescriptorProto>();
  /** Fully qualified symbol (no leading dot) → the file declaring it. */
  private readonly symbols = new Map<string, string>();
  /** Message type → extension number → the file declaring that extension. */
  private readonly extensions = new Map<string, Map<number, string>>();
  private readonly messageTypes = new Set<string>();
  private readonly registry: FileRegistry;

  /** `services`: what list_services answers; each must be declared in the set. */
  constructor(
    descriptorSet: Uint8Array,
    private readonly services: readonly string[],
  ) {
    const set = fromBinary(FileDescriptorSetSchema, descriptorSet);
    this.registry = createFileRegistry(set);
    const raw = fileBytesOf(descriptorSet);
    set.file.forEach((file, i) => {
      this.files.set(file.name, file);
      this.bytes.set(file.name, raw[i]);
      this.index(file);
    });
    const missing = services.filter((s) => this.registry.getService(s) === undefined);
    if (missing.length > 0) throw new Error(`the descriptor set declares no service ${missing.join(', ')}: run npm run proto:descriptors`);
  }

  static fromFile(path: string, services: readonly string[]): ServerReflection {
    return new ServerReflection(readFileSync(path), services);
  }

  /** Adds grpc.reflection.v1 and v1alpha ServerReflection to `server`. */
  addToServer(server: Server): void {
    for (const service of REFLECTION_SERVICES) {
      const requestSchema = this.schema(`${service.slice(0, service.lastIndexOf('.'))}.ServerReflectionRequest`);
      const responseSchema = this.schema(`${service.slice(0, service.lastIndexOf('.'))}.ServerReflectionResponse`);
      const definition: ServiceDefinition = {
        ServerReflectionInfo: {
          path: `/${service}/ServerReflectionInfo`,
          requestStream: true,
          responseStream: true,
          requestSerialize: (message: Message) => Buffer.from(toBinary(requestSchema, message)),
          requestDeserialize: (bytes: Buffer) => fromBinary(requestSchema, bytes),
          responseSerialize: (message: Message) => Buffer.from(toBinary(responseSchema, message)),
          responseDeserialize: (bytes: Buffer) => fromBinary(responseSchema, bytes),
        },
      };
      server.addService(definition, {
        ServerReflectionInfo: (call: ServerDuplexStream<ReflectionRequest, Message>) => {
          call.on('data', (request: ReflectionRequest) => {
            call.write(create(responseSchema, { validHost: request.host, originalRequest: request, messageResponse: this.answer(request) }));
          });
          call.on('end', () => call.end());
          call.on('error', () => undefined); // a cancelled stream: nothing left to answer
        },
      });
    }
  }

  /** The answer to one request of the stream (pure: the e2e and unit specs drive it). */
  answer(request: Pick<ReflectionRequest, 'messageRequest'>): ReflectionAnswer {
    const ask = request.messageRequest;
    switch (ask.case) {
      case 'listServices':
        return { case: 'listServicesResponse', value: { service: this.services.map((name) => ({ name })) } };
      case 'fileByFilename':
        return this.filesAnswer(this.files.has(ask.value) ? ask.value : undefined, `file not found: ${ask.value}`);
      case 'fileContainingSymbol':
        return this.filesAnswer(this.symbols.get(stripDot(ask.value)), `symbol not found: ${ask.value}`);
      case 'fileContainingExtension': {
        const { containingType, extensionNumber } = ask.value;
        const file = this.extensions.get(stripDot(containingType))?.get(extensionNumber);
        return this.filesAnswer(file, `extension not found: ${containingType} ${extensionNumber}`);
      }
      case 'allExtensionNumbersOfType': {
        const type = stripDot(ask.value);
        if (!this.messageTypes.has(type)) return notFound(`message type not found: ${ask.value}`);
        const numbers = [...(this.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
        return { case: 'allExtensionNumbersResponse', value: { baseTypeName: type, extensionNumber: numbers } };
      }
      case undefined:
        return { case: 'errorResponse', value: { errorCode: status.INVALID_ARGUMENT, errorMessage: 'the request sets none of message_request' } };
    }
  }

  /** `file` first, then every file it imports, directly or not, each once. */
  private filesAnswer(file: string | undefined, missing: string): ReflectionAnswer {
    if (file === undefined) return notFound(missing);
    const order: string[] = [];
    const visit = (name: string) => {
      if (order.includes(name)) return;
      order.push(name);
      for (const dependency of this.files.get(name)?.dependency ?? []) visit(dependency);
    };
    visit(file);
    return { case: 'fileDescriptorResponse', value: { fileDescriptorProto: order.map((name) => this.bytes.get(name)!) } };
  }

  private schema(typeName: string): DescMessage {
    const schema = this.registry.getMessage(typeName);
    if (schema === undefined) throw new Error(`the descriptor set lacks ${typeName}: run npm run proto:descriptors`);
    return schema;
  }

  private index(file: FileDescriptorProto): void {
    const add = (symbol: string) => this.symbols.set(symbol, file.name);
    const scoped = (scope: string, name: string) => (scope === '' ? name : `${scope}.${name}`);
    const extension = (scope: string, field: FieldDescriptorProto) => {
      add(scoped(scope, field.name));
      const extendee = stripDot(field.extendee);
      if (!this.extensions.has(extendee)) this.extensions.set(extendee, new Map());
      this.extensions.get(extendee)!.set(field.number, file.name);
    };
    const enumType = (scope: string, type: EnumDescriptorProto) => {
      add(scoped(scope, type.name));
      // As in protoc and protoregistry, an enum value is a sibling of its enum, not inside it.
      for (const value of type.value) add(scoped(scope, value.name));
    };
    const message = (scope: string, type: DescriptorProto) => {
      const name = scoped(scope, type.name);
      add(name);
      this.messageTypes.add(name);
      for (const field of type.field) add(`${name}.${field.name}`);
      for (const oneof of type.oneofDecl) add(`${name}.${oneof.name}`);
      for (const nested of type.nestedType) message(name, nested);
      for (const nested of type.enumType) enumType(name, nested);
      for (const field of type.extension) extension(name, field);
    };
    for (const type of file.messageType) message(file.package, type);
    for (const type of file.enumType) enumType(file.package, type);
    for (const field of file.extension) extension(file.package, field);
    for (const service of file.service) {
      const name = scoped(file.package, service.name);
      add(name);
      for (const method of service.method) add(`${name}.${method.name}`);
    }
  }
}

function notFound(message: string): ReflectionAnswer {
  return { case: 'errorResponse', value: { errorCode: status.NOT_FOUND, errorMessage: message } };
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

/** The `file` entries (field 1) of a serialized FileDescriptorSet, as the bytes they are on the wire. */
export function fileBytesOf(descriptorSet: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(descriptorSet);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) files.push(reader.bytes());
    else reader.skip(wireType, field);
  }
  return files;
}
