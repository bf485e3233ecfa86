import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponses, NoDatabase } from '../http/openapi.js';
import { Registry } from 'prom-client';
import { Public } from '../auth/access.decorator.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint, on the HTTP port of every role; METRICS_TOKEN protects it when set. */
@ApiTags('probes')
@Controller()
export class MetricsHttpController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  // A collector that needs the database and cannot reach it is left out of the scrape, which still answers.
  @NoDatabase()
  @UseGuards(MetricsTokenGuard)
  @Get('metrics')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics', description: 'When METRICS_TOKEN is set, send it as a bearer token.' })
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ErrorResponses('auth.missing_token', 'auth.invalid_token')
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
