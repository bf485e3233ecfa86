import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('Plugin', { description: 'A plugin definition: one script plugins/<pluginType>/<pluginId>.js as last scanned.' })
export class PluginModel {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'first_party_provider | upstream_provider | gateway | notifier' })
  pluginType!: string;

  @Field()
  pluginId!: string;

  @Field({ description: 'From version(); "0.0.0" when the script has none.' })
  version!: string;

  @Field()
  hasAdminPage!: boolean;

  @Field({ description: 'False when the script breaks the contract: see invalidReason. An invalid plugin cannot be instantiated.' })
  valid!: boolean;

  @Field(() => String, { nullable: true })
  invalidReason!: string | null;

  @Field({ description: 'False once the script file is gone (the definition stays for history).' })
  available!: boolean;

  @Field(() => [String], { description: 'Top-level functions the script defines.' })
  functions!: string[];

  @Field(() => String, { nullable: true, description: 'Notifiers: channel().' })
  channel!: string | null;

  @Field(() => String, { nullable: true, description: 'config_schema() as JSON text.' })
  configSchemaJson!: string | null;

  @Field()
  sha256!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}
