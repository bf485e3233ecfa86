import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/access.decorator.js';
import { ReadinessService } from './readiness.service.js';

/** Probes for process managers and load balancers; no token needed. */
@Controller()
export class HealthHttpController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process is up and serving HTTP. */
  @Public()
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration is applied; 503 otherwise. */
  @Public()
  @Get('ready')
  async ready(): Promise<{ status: 'ready' }> {
    await this.readiness.assertReady();
    return { status: 'ready' };
  }
}
