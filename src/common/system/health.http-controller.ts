import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoDatabase } from '../http/openapi.js';
import { Public } from '../auth/access.decorator.js';
import { ReadinessService } from './readiness.service.js';

/** Probes for process managers and load balancers; no token needed. */
@ApiTags('probes')
@Controller()
export class HealthHttpController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process is up and serving HTTP. */
  @Public()
  @NoDatabase()
  @Get('health')
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness' })
  @ApiResponse({ status: 200, description: 'Up.', content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } } })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration is applied; 503 otherwise (the shared Unavailable answer). */
  @Public()
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness: the database answers and every migration is applied' })
  @ApiResponse({ status: 200, description: 'Ready.', content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ready'] } } } } } })
  async ready(): Promise<{ status: 'ready' }> {
    await this.readiness.assertReady();
    return { status: 'ready' };
  }
}
