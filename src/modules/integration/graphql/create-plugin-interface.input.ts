import { Field, ID, InputType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';

@InputType('CreatePluginInterfaceInput')
export class CreatePluginInterfaceInput {
  @Field(() => ID)
  pluginDefId!: string;

  @Field()
  displayName!: string;

  @Field(() => JsonScalar, { description: 'A JSON object valid against the plugin\'s config_schema().' })
  config!: unknown;
}
