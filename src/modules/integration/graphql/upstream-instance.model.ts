import { Field, ObjectType } from '@nestjs/graphql';
import type { UpstreamInstanceResult } from '../../plugins/plugin-results.js';

@ObjectType('UpstreamInstance', { description: 'An instance listed by an upstream provider (UpstreamInstanceItem).' })
export class UpstreamInstanceModel {
  @Field({ description: "The provider's instance id." })
  instanceId!: string;

  @Field()
  status!: string;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: 'As the provider reports it.' })
  createdAt!: string | null;

  static from(i: UpstreamInstanceResult): UpstreamInstanceModel {
    return Object.assign(new UpstreamInstanceModel(), { instanceId: i.instance_id, status: i.status, ipAddress: i.ip_address ?? null, createdAt: i.created_at ?? null });
  }
}
