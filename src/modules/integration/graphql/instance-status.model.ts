import { Field, ObjectType } from '@nestjs/graphql';
import type { InstanceStatusResult } from '../../plugins/plugin-results.js';

@ObjectType('InstanceStatus', { description: "An instance's status at the provider (InstanceStatusResponse); not_found when it has none." })
export class InstanceStatusModel {
  @Field()
  status!: string;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  static from(s: InstanceStatusResult): InstanceStatusModel {
    return Object.assign(new InstanceStatusModel(), { status: s.status, ipAddress: s.ip_address ?? null });
  }
}
