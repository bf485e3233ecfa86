import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { PluginDefinitionsService } from '../plugin-definitions.service.js';
import { toPluginDef, type PluginDefMessage } from './plugins.grpc-mapper.js';

const SERVICE = 'IntegrationService';

/**
 * The IntegrationService RPCs that read plugin definitions only (seed 001). ListPlugins lists the
 * definitions that can be instantiated (valid, file present); GetPlugin returns any definition.
 */
@Controller()
export class PluginsGrpcController {
  constructor(private readonly definitions: PluginDefinitionsService) {}

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListPlugins')
  async listPlugins(request: { plugin_type?: string }): Promise<{ plugins: PluginDefMessage[] }> {
    const plugins = await this.definitions.listSummaries({ pluginType: request.plugin_type, usableOnly: true });
    return { plugins: plugins.map(toPluginDef) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPlugin')
  async getPlugin(request: { id: string }): Promise<{ plugin: PluginDefMessage }> {
    return { plugin: toPluginDef(await this.definitions.get(request.id)) };
  }
}
