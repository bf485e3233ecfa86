import { Field, InputType } from '@nestjs/graphql';
import type { SpecInput } from '../provider.service.js';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import { UInt32Scalar } from './uint32.scalar.js';

/**
 * rustbill.order.ServerSpec. As over gRPC, a typed field left out (or 0 / "") may be given in
 * extraSpecs instead, which is how RustBill's customer client sends every value.
 */
@InputType('ServerSpecInput', { description: 'rustbill.order.ServerSpec: a typed field left out or 0 may be given in extraSpecs instead.' })
export class ServerSpecInput {
  @Field(() => UInt32Scalar, { nullable: true })
  cpuCores?: number | null;

  @Field(() => UInt32Scalar, { nullable: true })
  memoryGb?: number | null;

  @Field(() => UInt32Scalar, { nullable: true })
  diskGb?: number | null;

  @Field(() => UInt32Scalar, { nullable: true })
  bandwidthMbps?: number | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => String, { nullable: true })
  os?: string | null;

  @Field(() => JsonScalar, {
    nullable: true,
    description: 'map<string, string> keyed by SpecField.key, e.g. { cpu_cores: "2", region: "fra1" }; the proto3 JSON form of extra_specs.',
  })
  extraSpecs?: unknown;

  /**
   * The spec in the service's (and the proto's) field names; values are validated there. Static:
   * GraphQL arguments arrive as plain objects, not instances.
   */
  static toSpec(input: ServerSpecInput): SpecInput {
    return {
      cpu_cores: input.cpuCores,
      memory_gb: input.memoryGb,
      disk_gb: input.diskGb,
      bandwidth_mbps: input.bandwidthMbps,
      region: input.region,
      os: input.os,
      extra_specs: input.extraSpecs,
    };
  }
}
