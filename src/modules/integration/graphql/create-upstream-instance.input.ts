import { Field, ID, InputType } from '@nestjs/graphql';
import { ServerSpecInput } from './server-spec.input.js';

/** UpstreamOrderRequest. */
@InputType('CreateUpstreamInstanceInput', { description: 'UpstreamOrderRequest.' })
export class CreateUpstreamInstanceInput {
  @Field(() => ID, { description: 'A provider interface.' })
  interfaceId!: string;

  @Field(() => ServerSpecInput)
  serverSpec!: ServerSpecInput;
}
