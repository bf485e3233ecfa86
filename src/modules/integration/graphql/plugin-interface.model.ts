import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { PluginInterface } from '../integration.types.js';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';

@ObjectType('PluginInterface', { description: 'A configured instance of a plugin (seed 001 PluginInterfaceInfo). Secrets are masked.' })
export class PluginInterfaceModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  pluginDefId!: string;

  @Field({ description: 'first_party_provider | upstream_provider | gateway | notifier' })
  pluginType!: string;

  @Field()
  pluginId!: string;

  @Field()
  displayName!: string;

  @Field()
  enabled!: boolean;

  @Field(() => JsonScalar, { description: 'The configuration, secrets replaced by "********".' })
  config!: Record<string, unknown>;

  @Field(() => JsonScalar, { description: 'config_schema() copied at creation: draw the admin form from it.' })
  configSchema!: Record<string, unknown>;

  @Field({ description: 'version() of the plugin at creation.' })
  pluginVersion!: string;

  @Field()
  hasAdminPage!: boolean;

  @Field()
  isHealthy!: boolean;

  @Field(() => String, { nullable: true })
  healthError!: string | null;

  @Field(() => Date, { nullable: true })
  lastCheckAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(i: PluginInterface): PluginInterfaceModel {
    return Object.assign(new PluginInterfaceModel(), i);
  }
}
