import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { DATABASE_OPTIONS, type DatabaseOptions } from '../database/database.module.js';
import { pendingMigrations } from '../database/migrator.js';
import { AppError } from '../errors/app-error.js';

export interface SystemStatus {
  role: AppConfig['role'];
  database: 'embedded' | 'postgresql';
  appliedMigrations: string[];
  pendingMigrations: string[];
  uptimeSeconds: number;
  rssBytes: number;
}

/** Liveness is "the process answers"; readiness is "the database answers and the schema is current". */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_OPTIONS) private readonly database: DatabaseOptions,
  ) {}

  async assertReady(): Promise<{ pendingMigrations: string[] }> {
    let pending: string[];
    try {
      await this.dataSource.query('SELECT 1');
      pending = await pendingMigrations(this.dataSource);
    } catch (err) {
      throw new AppError('common.unavailable', 'Database is not reachable', null, { cause: err });
    }
    if (pending.length > 0) {
      throw new AppError('common.unavailable', 'Database schema is behind: migrations pending', { pending_migrations: pending });
    }
    return { pendingMigrations: pending };
  }

  async status(): Promise<SystemStatus> {
    const applied: { name: string }[] = await this.dataSource.query('SELECT name FROM migrations ORDER BY id');
    return {
      role: this.config.role,
      database: this.database.embedded ? 'embedded' : 'postgresql',
      appliedMigrations: applied.map((m) => m.name),
      pendingMigrations: await pendingMigrations(this.dataSource),
      uptimeSeconds: Math.round(process.uptime()),
      rssBytes: process.memoryUsage().rss,
    };
  }
}
