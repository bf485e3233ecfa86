import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { bearerToken } from '../auth/token.service.js';
import { AppError } from '../errors/app-error.js';
import { APP_CONFIG } from '../tokens.js';

/**
 * GET /metrics with METRICS_TOKEN set: `authorization: Bearer <METRICS_TOKEN>` or 401 (the route
 * is @Public to the JWT guard: Prometheus holds a static bearer, not a user's JWT). Without
 * METRICS_TOKEN it lets everything through.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  /** Hashes are compared, so the comparison takes the same time whatever the token's length. */
  private readonly expected: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.metrics.token === null ? null : sha256(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (header === undefined) throw new AppError('auth.missing_token', 'Missing "authorization: Bearer <METRICS_TOKEN>"');
    const token = bearerToken(header);
    if (token === null || !timingSafeEqual(sha256(token), this.expected)) {
      throw new AppError('auth.invalid_token', 'The metrics endpoint needs "authorization: Bearer <METRICS_TOKEN>"');
    }
    return true;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
