import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PluginsGrpcController } from './grpc/plugins.grpc-controller.js';
import { PluginsResolver } from './graphql/plugins.resolver.js';
import { JsonSchemaValidator } from './json-schema.js';
import { PluginConfigService } from './plugin-config.service.js';
import { PluginDefinitionsService } from './plugin-definitions.service.js';
import { PluginRuntime } from './plugin-runtime.service.js';
import { PluginScanner } from './plugin-scanner.service.js';
import { PluginEntity } from './plugin.entity.js';
import { PluginRepository } from './plugin.repository.js';

/**
 * Plugins: definitions scanned from PLUGINS_DIR (PluginScanner), contract validation, the sandboxed
 * runtime (PluginRuntime, the only way other modules run plugin code), config validation and secret
 * masking (PluginConfigService), and the plugin-definition reads (ListPlugins, GetPlugin, GraphQL).
 * It knows nothing of interfaces, notifications or events: callers pass the config and the
 * interface id.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PluginEntity])],
  controllers: [PluginsGrpcController],
  providers: [
    JsonSchemaValidator,
    PluginRepository,
    PluginConfigService,
    PluginDefinitionsService,
    PluginRuntime,
    PluginScanner,
    PluginsResolver,
  ],
  exports: [PluginRuntime, PluginConfigService, PluginDefinitionsService],
})
export class PluginsModule {}
