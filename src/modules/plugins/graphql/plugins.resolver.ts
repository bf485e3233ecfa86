import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { PluginDefinitionsService } from '../plugin-definitions.service.js';
import { PluginScanner } from '../plugin-scanner.service.js';
import type { PluginDefinition } from '../plugins.types.js';
import { PluginScanReportModel } from './plugin-scan-report.model.js';
import { PluginModel } from './plugin.model.js';

@Resolver(() => PluginModel)
export class PluginsResolver {
  constructor(
    private readonly definitions: PluginDefinitionsService,
    private readonly scanner: PluginScanner,
  ) {}

  @AdminOnly()
  @Query(() => [PluginModel], { description: 'Every plugin definition, valid or not, with the reason when invalid.' })
  async plugins(@Args('pluginType', { type: () => String, nullable: true }) pluginType?: string): Promise<PluginModel[]> {
    return (await this.definitions.list({ pluginType, usableOnly: false })).map(toModel);
  }

  @AdminOnly()
  @Query(() => PluginModel)
  async plugin(@Args('id', { type: () => ID }) id: string): Promise<PluginModel> {
    return toModel(await this.definitions.get(id));
  }

  @AdminOnly()
  @Mutation(() => PluginScanReportModel, { description: 'Rescan PLUGINS_DIR now (it is also watched).' })
  async rescanPlugins(): Promise<PluginScanReportModel> {
    const report = await this.scanner.scan({ reinspectInvalid: true });
    return {
      changed: report.changed,
      removed: report.removed,
      invalid: report.invalid.map((i) => `${i.plugin}: ${i.reason}`),
      ignored: report.ignored.map((i) => `${i.file}: ${i.reason}`),
      retrying: report.retrying.map((i) => `${i.plugin}: ${i.reason}`),
    };
  }
}

function toModel(d: PluginDefinition): PluginModel {
  return {
    id: d.id,
    pluginType: d.pluginType,
    pluginId: d.pluginId,
    version: d.version,
    hasAdminPage: d.hasAdminPage,
    valid: d.valid,
    invalidReason: d.invalidReason,
    available: d.available,
    functions: d.functions,
    channel: d.channel,
    configSchemaJson: d.configSchema ? JSON.stringify(d.configSchema) : null,
    sha256: d.sha256,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
