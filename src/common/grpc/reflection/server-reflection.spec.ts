import { readFileSync } from 'node:fs';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  Edition,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt';
import { status } from '@grpc/grpc-js';
import { PROTO_DESCRIPTOR_SET } from '../../../config/paths.js';
import { fileBytesOf, REFLECTION_SERVICES, ServerReflection } from './server-reflection.js';

const LABEL_OPTIONAL = FieldDescriptorProto_Label.OPTIONAL;
const TYPE_INT32 = FieldDescriptorProto_Type.INT32;
const TYPE_MESSAGE = FieldDescriptorProto_Type.MESSAGE;

/** Two proto2 files: base.proto declares p.Base (extensible) and an enum; ext.proto extends it and serves q.S. */
const SET = toBinary(
  FileDescriptorSetSchema,
  create(FileDescriptorSetSchema, {
    file: [
      {
        name: 'p/base.proto',
        package: 'p',
        syntax: 'proto2',
        messageType: [{ name: 'Base', extensionRange: [{ start: 100, end: 201 }] }],
        enumType: [{ name: 'Colour', value: [{ name: 'RED', number: 0 }] }],
      },
      {
        name: 'q/ext.proto',
        package: 'q',
        syntax: 'proto2',
        dependency: ['p/base.proto'],
        messageType: [{ name: 'Outer', nestedType: [{ name: 'Inner' }], field: [{ name: 'inner', number: 1, label: LABEL_OPTIONAL, type: TYPE_MESSAGE, typeName: '.q.Outer.Inner', jsonName: 'inner' }] }],
        extension: [
          { name: 'size', number: 150, label: LABEL_OPTIONAL, type: TYPE_INT32, extendee: '.p.Base', jsonName: 'size' },
          { name: 'weight', number: 101, label: LABEL_OPTIONAL, type: TYPE_INT32, extendee: '.p.Base', jsonName: 'weight' },
        ],
        service: [{ name: 'S', method: [{ name: 'Do', inputType: '.q.Outer', outputType: '.q.Outer' }] }],
      },
    ],
  }),
);

/** The file names of a file_descriptor_response (anything else: the answer itself, as a failure message). */
const names = (answer: ReturnType<ServerReflection['answer']>): string[] => {
  if (answer.case !== 'fileDescriptorResponse') throw new Error(JSON.stringify(answer));
  return answer.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
};

describe('ServerReflection', () => {
  const reflection = new ServerReflection(SET, ['q.S']);
  const ask = (messageRequest: Parameters<ServerReflection['answer']>[0]['messageRequest']) => reflection.answer({ messageRequest });

  it('answers a symbol with its file, then its imports, as the bytes in the set', () => {
    expect(names(ask({ case: 'fileContainingSymbol', value: 'q.S.Do' }))).toEqual(['q/ext.proto', 'p/base.proto']);
    const answer = ask({ case: 'fileByFilename', value: 'q/ext.proto' });
    expect(answer.case === 'fileDescriptorResponse' && answer.value.fileDescriptorProto).toEqual(fileBytesOf(SET).reverse());
  });

  it.each([
    ['a nested message', 'q.Outer.Inner', 'q/ext.proto'],
    ['a field', 'q.Outer.inner', 'q/ext.proto'],
    ['an extension', 'q.size', 'q/ext.proto'],
    ['an enum value, beside its enum', 'p.RED', 'p/base.proto'],
  ])('resolves %s', (_what, symbol, file) => {
    expect(names(ask({ case: 'fileContainingSymbol', value: symbol }))[0]).toBe(file);
  });

  it('does not resolve an enum value inside its enum (protoc does not either)', () => {
    expect(ask({ case: 'fileContainingSymbol', value: 'p.Colour.RED' })).toMatchObject({ case: 'errorResponse', value: { errorCode: status.NOT_FOUND } });
  });

  it('answers extensions: the declaring file, and the numbers of a type in order', () => {
    expect(names(ask({ case: 'fileContainingExtension', value: { containingType: 'p.Base', extensionNumber: 150 } }))).toEqual(['q/ext.proto', 'p/base.proto']);
    expect(ask({ case: 'allExtensionNumbersOfType', value: '.p.Base' })).toEqual({ case: 'allExtensionNumbersResponse', value: { baseTypeName: 'p.Base', extensionNumber: [101, 150] } });
    expect(ask({ case: 'allExtensionNumbersOfType', value: 'q.Outer' })).toEqual({ case: 'allExtensionNumbersResponse', value: { baseTypeName: 'q.Outer', extensionNumber: [] } });
    expect(ask({ case: 'fileContainingExtension', value: { containingType: 'p.Base', extensionNumber: 102 } })).toMatchObject({ value: { errorCode: status.NOT_FOUND } });
    expect(ask({ case: 'allExtensionNumbersOfType', value: 'p.Colour' })).toMatchObject({ value: { errorCode: status.NOT_FOUND } });
  });

  it('lists the services it was given, and refuses a set that lacks one', () => {
    expect(ask({ case: 'listServices', value: '*' })).toEqual({ case: 'listServicesResponse', value: { service: [{ name: 'q.S' }] } });
    expect(() => new ServerReflection(SET, ['q.S', 'q.Missing'])).toThrow(/declares no service q\.Missing: run npm run proto:descriptors/);
    expect(reflection.answer({ messageRequest: { case: undefined } })).toMatchObject({ value: { errorCode: status.INVALID_ARGUMENT } });
  });

  it('loads the checked-in set: both reflection services, every file proto3', () => {
    const served = ServerReflection.fromFile(PROTO_DESCRIPTOR_SET, REFLECTION_SERVICES);
    expect(served.answer({ messageRequest: { case: 'listServices', value: '' } })).toMatchObject({ value: { service: REFLECTION_SERVICES.map((name) => ({ name })) } });
    const files = fromBinary(FileDescriptorSetSchema, readFileSync(PROTO_DESCRIPTOR_SET)).file;
    expect(files.every((f) => f.syntax === 'proto3' && f.edition === Edition.EDITION_UNKNOWN)).toBe(true);
  });
});
