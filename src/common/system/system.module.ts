import { Module } from '@nestjs/common';
import { OpenApiDocument } from '../http/openapi.js';
import { OpenApiHttpController } from '../http/openapi.http-controller.js';
import { HealthHttpController } from './health.http-controller.js';
import { ReadinessService } from './readiness.service.js';
import { SystemResolver } from './system.resolver.js';

/** Health probes and the OpenAPI document (REST), server info and status (GraphQL). */
@Module({
  controllers: [HealthHttpController, OpenApiHttpController],
  providers: [ReadinessService, SystemResolver, OpenApiDocument],
  exports: [ReadinessService, OpenApiDocument],
})
export class SystemModule {}
