import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../src/common/grpc/switchboard-grpc-server.js';

/**
 * The bare side of bench/grpc.ts, in a process of its own as Switchboard is: a @grpc/grpc-js
 * server built from the same proto, one method, whose handler answers exactly the bytes Switchboard
 * sent (captured once by the bench; the response serializer passes them through untouched). The
 * request is still decoded by the proto's deserializer. No Nest, no auth, no logging, no database,
 * no encoding: what grpc-js itself costs for this call. Prints its port on stdout.
 *   node dist/bench/grpc-bare-server.js <service> <method> <response-bytes-file>
 */
const [service, method, responseFile] = process.argv.slice(2);
const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
const methodDefinition = (definition[service] as grpc.ServiceDefinition)[method];
const response = readFileSync(responseFile);

const server = new grpc.Server();
server.addService({ [method]: { ...methodDefinition, responseSerialize: (bytes: Buffer) => bytes } }, {
  [method]: (_call: grpc.ServerUnaryCall<unknown, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, response),
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
