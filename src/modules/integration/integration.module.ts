import { Module } from '@nestjs/common';
import { IntegrationGrpcController } from './grpc/integration.grpc-controller.js';

/**
 * Integration: plugin interfaces (configured instances of plugins), products and instances, the
 * IntegrationService RPCs and the plugin health-check cron. Calls plugins only through the plugins
 * module's runtime; never reads the plugins table itself.
 */
@Module({
  controllers: [IntegrationGrpcController],
})
export class IntegrationModule {}
