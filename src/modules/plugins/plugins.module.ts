import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PluginsGrpcController } from './grpc/plugins.grpc-controller.js';
import { PluginsResolver } from './graphql/plugins.resolver.js';
import { JsonSchemaValidator } from './json-schema-validator.js';
import { PluginCallMetrics } from './plugin-call-metrics.js';
import { PluginCallPipeline } from './plugin-call-pipeline.js';
import { PluginConfigService } from './plugin-config.service.js';
import { enabledLogLevels, pluginLogSink } from './plugin-log-sink.js';
import { createSandboxPool, createTrustedBuiltins, PLUGIN_LOG, SANDBOX_POOL, type PluginLog } from './plugin-sandbox.factory.js';
import { PluginDefinitionsService } from './plugin-definitions.service.js';
import { PluginRuntime } from './plugin-runtime.service.js';
import { PluginScanner } from './plugin-scanner.service.js';
import { PluginEntity } from './plugin.entity.js';
import { PluginRepository } from './plugin.repository.js';
import { OutboundUrlPolicy } from './outbound-url-policy.service.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';
import { SecretScrubber } from './secret-scrubber.js';

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
    SecretScrubber,
    {
      provide: PLUGIN_LOG,
      inject: [LOGGER, SecretScrubber],
      useFactory: (logger: Logger, scrubber: SecretScrubber): PluginLog => {
        const pluginLogger = logger.child({ component: 'plugin' });
        return { sink: pluginLogSink(pluginLogger, scrubber), levels: enabledLogLevels(pluginLogger) };
      },
    },
    {
      provide: SANDBOX_POOL,
      inject: [APP_CONFIG, PLUGIN_LOG, Clock],
      useFactory: (config: AppConfig, log: PluginLog, clock: Clock) => createSandboxPool(config, log.sink, clock, log.levels),
    },
    {
      provide: PluginCallPipeline,
      inject: [SANDBOX_POOL, JsonSchemaValidator, PluginConfigService, SecretScrubber, APP_CONFIG, PLUGIN_LOG, Clock],
      useFactory: (pool: SandboxPool, schemas: JsonSchemaValidator, configs: PluginConfigService, scrubber: SecretScrubber, config: AppConfig, log: PluginLog, clock: Clock) =>
        new PluginCallPipeline(pool, schemas, configs, scrubber, createTrustedBuiltins(config, log.sink, clock, log.levels)),
    },
    PluginCallMetrics,
    PluginRuntime,
    PluginScanner,
    PluginsResolver,
    OutboundUrlPolicy,
  ],
  exports: [PluginRuntime, PluginConfigService, PluginDefinitionsService, OutboundUrlPolicy],
})
export class PluginsModule {}
