import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const UINT32_MAX = 4_294_967_295;

/**
 * proto3 uint32 (the ServerSpec numbers): GraphQL's Int is signed 32-bit and would refuse
 * 2147483648 and above, which the gRPC transport accepts. Anything but a whole number from 0 to
 * 4294967295 is refused by graphql-js before a resolver runs: in a variable as BAD_USER_INPUT naming
 * the field path, in a literal as a validation error at its location (as graphql-js does for Int).
 */
export const UInt32Scalar = new GraphQLScalarType({
  name: 'UInt32',
  description: `A whole number from 0 to ${UINT32_MAX} (proto3 uint32).`,
  serialize: (value) => uint32(value),
  parseValue: (value) => uint32(value),
  parseLiteral: (ast: ValueNode) => uint32(ast.kind === Kind.INT ? Number(ast.value) : undefined),
});

/** A plain error, so graphql-js adds the field path (variables) or the location (literals) to it. */
function uint32(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new TypeError(`UInt32 must be a whole number from 0 to ${UINT32_MAX}`);
  }
  return value;
}
