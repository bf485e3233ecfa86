import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { InterfaceDirectoryService } from '../interface-directory.service.js';
import { InterfaceService } from '../interface.service.js';
import { PluginAdminService } from '../plugin-admin.service.js';
import { CreatePluginInterfaceInput } from './create-plugin-interface.input.js';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import { PluginAdminPageModel } from './plugin-admin-page.model.js';
import { PluginHealthModel } from './plugin-health.model.js';
import { PluginInterfaceModel } from './plugin-interface.model.js';
import { ChannelModel, ProviderModel } from './provider.model.js';
import { UpdatePluginInterfaceInput } from './update-plugin-interface.input.js';

/** JSON values travel to the service as the text gRPC would send (one validation path). */
const asJsonText = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : JSON.stringify(value));

/** The GraphQL admin of plugin interfaces: the same service methods and error codes as IntegrationService. */
@Resolver(() => PluginInterfaceModel)
export class IntegrationResolver {
  constructor(
    private readonly interfaces: InterfaceService,
    private readonly directory: InterfaceDirectoryService,
    private readonly admin: PluginAdminService,
  ) {}

  @AdminOnly()
  @Query(() => [PluginInterfaceModel])
  async pluginInterfaces(@Args('pluginType', { type: () => String, nullable: true }) pluginType?: string): Promise<PluginInterfaceModel[]> {
    return (await this.interfaces.list({ pluginType })).map((i) => PluginInterfaceModel.from(i));
  }

  @AdminOnly()
  @Query(() => PluginInterfaceModel)
  async pluginInterface(@Args('id', { type: () => ID }) id: string): Promise<PluginInterfaceModel> {
    return PluginInterfaceModel.from(await this.interfaces.get(id));
  }

  @AdminOnly()
  @Query(() => [ProviderModel])
  async providers(): Promise<ProviderModel[]> {
    return (await this.directory.providers()).map((p) => ProviderModel.from(p));
  }

  @AdminOnly()
  @Query(() => [ChannelModel])
  async gateways(): Promise<ChannelModel[]> {
    return (await this.directory.gateways()).map((c) => ChannelModel.from(c));
  }

  @AdminOnly()
  @Query(() => [ChannelModel])
  async notifiers(): Promise<ChannelModel[]> {
    return (await this.directory.notifiers()).map((c) => ChannelModel.from(c));
  }

  @AdminOnly()
  @Query(() => PluginAdminPageModel)
  async pluginAdminPage(@Args('id', { type: () => ID }) id: string): Promise<PluginAdminPageModel> {
    return PluginAdminPageModel.from(await this.admin.adminPage(id));
  }

  @AdminOnly()
  @Mutation(() => PluginInterfaceModel)
  async createPluginInterface(@Args('input') input: CreatePluginInterfaceInput): Promise<PluginInterfaceModel> {
    return PluginInterfaceModel.from(await this.interfaces.create({ pluginDefId: input.pluginDefId, displayName: input.displayName, configJson: asJsonText(input.config) }));
  }

  @AdminOnly()
  @Mutation(() => PluginInterfaceModel)
  async updatePluginInterface(@Args('input') input: UpdatePluginInterfaceInput): Promise<PluginInterfaceModel> {
    return PluginInterfaceModel.from(await this.interfaces.update({ interfaceId: input.id, displayName: input.displayName, configJson: asJsonText(input.config) }));
  }

  @AdminOnly()
  @Mutation(() => PluginInterfaceModel)
  async togglePluginInterface(@Args('id', { type: () => ID }) id: string, @Args('enable') enable: boolean): Promise<PluginInterfaceModel> {
    return PluginInterfaceModel.from(await this.interfaces.toggle({ interfaceId: id, enable }));
  }

  @AdminOnly()
  @Mutation(() => Boolean, { description: 'True once deleted; NOT_FOUND when there is no such interface.' })
  async deletePluginInterface(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.interfaces.delete(id).then(() => true);
  }

  @AdminOnly()
  @Mutation(() => PluginHealthModel, { description: 'Runs health_check() now and stores the result.' })
  async checkPluginHealth(@Args('id', { type: () => ID }) id: string): Promise<PluginHealthModel> {
    return PluginHealthModel.from(await this.admin.checkHealth(id));
  }

  @AdminOnly()
  @Mutation(() => JsonScalar, { description: 'Calls an admin_* action with args merged into the config; returns its result.' })
  async callPluginAction(
    @Args('id', { type: () => ID }) id: string,
    @Args('function') fn: string,
    @Args('args', { type: () => JsonScalar, nullable: true }) args?: unknown,
  ): Promise<unknown> {
    return JSON.parse(await this.admin.callAction({ interfaceId: id, function: fn, argsJson: asJsonText(args) ?? '{}' })) as unknown;
  }
}
