import { Module } from '@nestjs/common';
import { PluginsGrpcController } from './grpc/plugins.grpc-controller.js';

/**
 * Plugins: definitions scanned from PLUGINS_DIR, contract validation, and the sandboxed runtime
 * every other module calls plugin functions through.
 */
@Module({
  controllers: [PluginsGrpcController],
})
export class PluginsModule {}
