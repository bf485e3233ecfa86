import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository, type FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { AppError } from '../../common/errors/app-error.js';
import type { SpecTemplateResult } from '../plugins/plugin-results.js';
import type { PluginType } from '../plugins/plugin-contract.js';
import type { PluginInterface } from './integration.types.js';
import { PluginInterfaceEntity } from './plugin-interface.entity.js';

const UNIQUE_NAME = 'plugin_interfaces_def_name_unique';

/**
 * An interface as stored: the same fields as PluginInterface, but `config` holds the real secrets,
 * plus the cached spec template. Never leaves the integration module's services.
 */
export type StoredInterface = PluginInterface & { specTemplate: SpecTemplateResult | null };

/** One health_check() result as stored. */
export interface HealthRecord {
  id: string;
  isHealthy: boolean;
  healthError: string | null;
  lastCheckAt: Date;
}

export type NewInterface = Omit<StoredInterface, 'isHealthy' | 'healthError' | 'lastCheckAt' | 'specTemplate' | 'createdAt' | 'updatedAt'>;

/** The only place that queries plugin_interfaces. */
@Injectable()
export class PluginInterfaceRepository {
  constructor(@InjectRepository(PluginInterfaceEntity) private readonly interfaces: Repository<PluginInterfaceEntity>) {}

  /** Inserts; a display name already used under the plugin (also by a concurrent insert) is integration.display_name_taken. */
  async insert(row: NewInterface): Promise<StoredInterface> {
    await this.guardUnique(row.displayName, () => this.interfaces.insert({ ...row, isHealthy: false, healthError: null, lastCheckAt: null, specTemplate: null } as QueryDeepPartialEntity<PluginInterfaceEntity>));
    return this.mustFind(row.id);
  }

  async findById(id: string): Promise<StoredInterface | null> {
    const row = await this.interfaces.findOneBy({ id });
    return row ? toStored(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<StoredInterface[]> {
    if (ids.length === 0) return [];
    return (await this.interfaces.findBy({ id: In([...ids]) })).map(toStored);
  }

  async list(filter: { pluginTypes?: readonly PluginType[]; enabledOnly?: boolean } = {}): Promise<StoredInterface[]> {
    const base: FindOptionsWhere<PluginInterfaceEntity> = filter.enabledOnly ? { enabled: true } : {};
    const where = filter.pluginTypes ? filter.pluginTypes.map((pluginType) => ({ ...base, pluginType })) : base;
    const rows = await this.interfaces.find({ where, order: { pluginType: 'ASC', displayName: 'ASC', id: 'ASC' } });
    return rows.map(toStored);
  }

  /** Updates the given columns; null when the row is gone. */
  async update(
    id: string,
    changes: Partial<Pick<StoredInterface, 'displayName' | 'config' | 'enabled' | 'specTemplate'>>,
  ): Promise<StoredInterface | null> {
    const result = await this.guardUnique(changes.displayName, () => this.interfaces.update({ id }, changes as QueryDeepPartialEntity<PluginInterfaceEntity>));
    if (!result.affected) return null;
    return this.findById(id);
  }

  /** Stores a health result without touching updated_at (a check is not an edit). */
  async recordHealth(id: string, health: Omit<HealthRecord, 'id'>): Promise<void> {
    await this.interfaces
      .createQueryBuilder()
      .update(PluginInterfaceEntity)
      .set({ ...health, updatedAt: () => 'updated_at' })
      .where('id = :id', { id })
      .execute();
  }

  /**
   * Stores many health results in one statement; the ids written come back. A result older than
   * the row's last_check_at is not written: a check that ended later (CheckPluginHealth while a
   * sweep was batching its results) got there first.
   */
  async recordHealthMany(results: readonly HealthRecord[]): Promise<Set<string>> {
    if (results.length === 0) return new Set();
    const [rows] = await this.interfaces.query<[{ id: string }[], number]>(
      `UPDATE plugin_interfaces AS p
          SET is_healthy = r.is_healthy, health_error = r.health_error, last_check_at = r.last_check_at
         FROM unnest($1::uuid[], $2::boolean[], $3::text[], $4::timestamptz[]) AS r(id, is_healthy, health_error, last_check_at)
        WHERE p.id = r.id AND (p.last_check_at IS NULL OR p.last_check_at <= r.last_check_at)
    RETURNING p.id`,
      [results.map((r) => r.id), results.map((r) => r.isHealthy), results.map((r) => r.healthError), results.map((r) => r.lastCheckAt)],
    );
    return new Set(rows.map((row) => row.id));
  }

  async setSpecTemplate(id: string, specTemplate: SpecTemplateResult | null): Promise<void> {
    await this.interfaces
      .createQueryBuilder()
      .update(PluginInterfaceEntity)
      .set({ specTemplate, updatedAt: () => 'updated_at' } as QueryDeepPartialEntity<PluginInterfaceEntity>)
      .where('id = :id', { id })
      .execute();
  }

  /** True when a row was deleted. */
  async delete(id: string): Promise<boolean> {
    const result = await this.interfaces.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  private async mustFind(id: string): Promise<StoredInterface> {
    const row = await this.findById(id);
    if (!row) throw new AppError('integration.interface_not_found', `No plugin interface with id ${id}`, { id });
    return row;
  }

  private async guardUnique<T>(displayName: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err, UNIQUE_NAME)) {
        throw new AppError('integration.display_name_taken', `An interface named "${displayName}" already exists for this plugin`, {
          field: 'display_name',
        });
      }
      throw err;
    }
  }
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driver = err.driverError as { code?: string; constraint?: string };
  return driver.code === '23505' && driver.constraint === constraint;
}

function toStored(row: PluginInterfaceEntity): StoredInterface {
  return {
    id: row.id,
    pluginDefId: row.pluginDefId,
    pluginType: row.pluginType as PluginType,
    pluginId: row.pluginId,
    displayName: row.displayName,
    enabled: row.enabled,
    config: row.config,
    configSchema: row.configSchema,
    pluginVersion: row.pluginVersion,
    hasAdminPage: row.hasAdminPage,
    isHealthy: row.isHealthy,
    healthError: row.healthError,
    lastCheckAt: row.lastCheckAt,
    specTemplate: row.specTemplate as SpecTemplateResult | null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
