import { Module } from '@nestjs/common';
import { HealthHttpController } from './health.http-controller.js';
import { ReadinessService } from './readiness.service.js';
import { SystemResolver } from './system.resolver.js';

/** Health probes (REST), server info and status (GraphQL). */
@Module({
  controllers: [HealthHttpController],
  providers: [ReadinessService, SystemResolver],
  exports: [ReadinessService],
})
export class SystemModule {}
