import { Field, ObjectType } from '@nestjs/graphql';
import type { UpstreamBalanceResult } from '../../plugins/plugin-results.js';

@ObjectType('UpstreamBalance', { description: 'The account balance at an upstream provider (GetUpstreamBalanceResponse).' })
export class UpstreamBalanceModel {
  @Field({ description: 'Decimal amount as a string, e.g. "103.25".' })
  balance!: string;

  @Field()
  currency!: string;

  static from(b: UpstreamBalanceResult): UpstreamBalanceModel {
    return Object.assign(new UpstreamBalanceModel(), { balance: b.balance, currency: b.currency });
  }
}
