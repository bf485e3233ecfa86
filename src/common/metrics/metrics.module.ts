import { Global, Module } from '@nestjs/common';
import { CallMetrics } from './call-metrics.js';
import { MetricsHttpController } from './metrics.http-controller.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsService } from './metrics.service.js';

/**
 * Metrics infrastructure: this app's registry (MetricsService), the transports' call metrics
 * (CallMetrics) and GET /metrics. Global so every module can register its own metrics and
 * scrape collectors; it knows none of them.
 */
@Global()
@Module({
  controllers: [MetricsHttpController],
  providers: [MetricsService, CallMetrics, MetricsTokenGuard],
  exports: [MetricsService, CallMetrics],
})
export class MetricsModule {}
