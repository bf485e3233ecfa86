import { Field, ObjectType } from '@nestjs/graphql';
import type { CreateInstanceResult } from '../../plugins/plugin-results.js';

@ObjectType('UpstreamOrder', { description: 'The instance a provider created for an order (UpstreamOrderResponse).' })
export class UpstreamOrderModel {
  @Field({ description: "The provider's instance id." })
  providerInstanceId!: string;

  @Field()
  status!: string;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  static from(r: CreateInstanceResult): UpstreamOrderModel {
    return Object.assign(new UpstreamOrderModel(), { providerInstanceId: r.provider_instance_id, status: r.status, ipAddress: r.ip_address ?? null });
  }
}
