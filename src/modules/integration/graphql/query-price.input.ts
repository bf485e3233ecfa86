import { Field, ID, InputType } from '@nestjs/graphql';
import { ServerSpecInput } from './server-spec.input.js';

/** QueryPriceRequest: the interface and, as in the proto, the spec fields beside it. */
@InputType('QueryPriceInput', { description: 'QueryPriceRequest: the interface and the spec fields beside it.' })
export class QueryPriceInput extends ServerSpecInput {
  @Field(() => ID, { description: 'A provider interface.' })
  interfaceId!: string;
}
