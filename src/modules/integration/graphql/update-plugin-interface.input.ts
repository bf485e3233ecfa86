import { Field, ID, InputType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';

@InputType('UpdatePluginInterfaceInput')
export class UpdatePluginInterfaceInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The whole new config; a secret sent back as "********" keeps the stored value.' })
  config?: unknown;
}
