import { Field, ObjectType } from '@nestjs/graphql';
import type { QueryPriceResult } from '../../plugins/plugin-results.js';

@ObjectType('PriceQuote', { description: "A provider's price for a spec (QueryPriceResponse)." })
export class PriceQuoteModel {
  @Field({ description: 'Decimal amount as a string, e.g. "12.50".' })
  amount!: string;

  @Field()
  currency!: string;

  @Field()
  billingCycle!: string;

  static from(q: QueryPriceResult): PriceQuoteModel {
    return Object.assign(new PriceQuoteModel(), { amount: q.amount, currency: q.currency, billingCycle: q.billing_cycle });
  }
}
