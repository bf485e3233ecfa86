import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../src/common/grpc/switchboard-grpc-server.js';

/**
 * The bare side of bench/grpc.ts, in a process of its own as Switchboard is: a @grpc/grpc-js
 * server built from the same proto, one method, whose handler answers the message decoded from
 * the bytes Switchboard sent (so grpc-js encodes the same answer per call, as a hand-written
 * service would). No Nest, no auth, no logging, no database. Prints its port on stdout.
 *   node dist/bench/grpc-bare-server.js <service> <method> <response-bytes-file>
 */
const [service, method, responseFile] = process.argv.slice(2);
const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
const methodDefinition = (definition[service] as grpc.ServiceDefinition)[method];
const response = methodDefinition.responseDeserialize(readFileSync(responseFile));

const server = new grpc.Server();
server.addService({ [method]: methodDefinition }, {
  [method]: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, response),
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
