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
import { createSandboxPool, createTrustedBuiltins, SANDBOX_POOL } from './plugin-sandbox.factory.js';
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
      provide: SANDBOX_POOL,
      inject: [APP_CONFIG, LOGGER, SecretScrubber, Clock],
      useFactory: (config: AppConfig, logger: Logger, scrubber: SecretScrubber, clock: Clock) => {
        const pluginLogger = logger.child({ component: 'plugin' });
        return createSandboxPool(config, pluginLogSink(pluginLogger, scrubber), clock, enabledLogLevels(pluginLogger));
      },
    },
    {
      provide: PluginCallPipeline,
      inject: [SANDBOX_POOL, JsonSchemaValidator, PluginConfigService, SecretScrubber, APP_CONFIG, LOGGER, Clock],
      useFactory: (pool: SandboxPool, schemas: JsonSchemaValidator, configs: PluginConfigService, scrubber: SecretScrubber, config: AppConfig, logger: Logger, clock: Clock) => {
        const pluginLogger = logger.child({ component: 'plugin' });
        const builtins = createTrustedBuiltins(config, pluginLogSink(pluginLogger, scrubber), clock, enabledLogLevels(pluginLogger));
        return new PluginCallPipeline(pool, schemas, configs, scrubber, builtins);
      },
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
