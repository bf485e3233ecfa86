import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, QueryFailedError, Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { CoalescedRead } from '../../common/database/coalesced-read.js';
import { preparedQuery } from '../../common/database/prepared-query.js';
import { RowVersionCache } from '../../common/database/row-version-cache.js';
import { AppError } from '../../common/errors/app-error.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { SecretsAtRest, type SealedStore } from '../../common/secrets/secrets-at-rest.service.js';
import { PluginConfigService } from '../plugins/plugin-config.service.js';
import type { Json } from '../plugins/plugin-config.service.js';
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

/**
 * Runs inside a health write's transaction once the results are written, with the ids written and
 * that transaction: what must commit together with them (the changes' `plugin.health_changed`
 * outbox rows). Throwing rolls the results back.
 */
export type HealthWriteAlongside = (stored: ReadonlySet<string>, tx: EntityManager) => Promise<void>;

export type NewInterface = Omit<StoredInterface, 'isHealthy' | 'healthError' | 'lastCheckAt' | 'specTemplate' | 'createdAt' | 'updatedAt'>;

/** Rows kept by the list cache: far more interfaces than an installation has. */
const CACHED_ROWS = 4096;

/** The table version (see PluginInterfacesVersionEntity): one primary-key lookup per listing. */
const TABLE_VERSION = {
  name: 'plugin_interfaces_table_version',
  text: 'SELECT version FROM plugin_interfaces_version WHERE id = 1',
};

/**
 * The matching rows, in order, with the table version in the same statement (same snapshot). The
 * left join gives one row of nulls, still carrying the version, when nothing matches.
 */
const LIST_ROWS = {
  name: 'plugin_interfaces_list_rows',
  text: `SELECT v.version AS table_version, i.xmin::text AS version, i.id, i.plugin_def_id, i.plugin_type, i.plugin_id, i.display_name,
  i.enabled, i.config, i.config_schema, i.plugin_version, i.has_admin_page, i.is_healthy, i.health_error, i.last_check_at, i.spec_template,
  i.created_at, i.updated_at
  FROM plugin_interfaces_version v
  LEFT JOIN plugin_interfaces i ON ($1::text[] IS NULL OR i.plugin_type = ANY($1::text[])) AND (NOT $2::boolean OR i.enabled)
  WHERE v.id = 1
  ORDER BY i.plugin_type ASC, i.display_name ASC, i.id ASC`,
};

/** A plugin_interfaces row as pg decodes it (LIST_ROWS); id is null in the row of a listing with no match. */
interface InterfaceRow {
  table_version: string;
  version: string;
  id: string;
  plugin_def_id: string;
  plugin_type: string;
  plugin_id: string;
  display_name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  config_schema: Record<string, unknown>;
  plugin_version: string;
  has_admin_page: boolean;
  is_healthy: boolean;
  health_error: string | null;
  last_check_at: Date | null;
  spec_template: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The only place that queries plugin_interfaces. The secrets of a config (the fields its schema
 * marks secret) are stored sealed (SecretBox) and opened as rows are read: nothing outside this
 * class sees a sealed value, and the database never holds a plaintext one.
 */
@Injectable()
export class PluginInterfaceRepository implements SealedStore {
  private readonly rows = new RowVersionCache<StoredInterface>(CACHED_ROWS);
  /** Concurrent listings share one version read, each from a read that started after it asked. */
  private readonly tableVersion = new CoalescedRead(async () => {
    const [{ version }] = await preparedQuery<{ version: string }>(this.dataSource, { ...TABLE_VERSION, values: [] });
    return version;
  });

  constructor(
    @InjectRepository(PluginInterfaceEntity) private readonly interfaces: Repository<PluginInterfaceEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly configs: PluginConfigService,
    private readonly box: SecretBox,
    secrets: SecretsAtRest,
  ) {
    secrets.register(this);
  }

  readonly sealedColumns = 'plugin_interfaces.config (secret fields)';

  /** Inserts; a display name already used under the plugin (also by a concurrent insert) is integration.display_name_taken. */
  async insert(row: NewInterface): Promise<StoredInterface> {
    const config = this.configs.seal(row.configSchema, row.config as Json, this.box);
    await this.guardUnique(row.displayName, () =>
      this.interfaces.insert({ ...row, config, isHealthy: false, healthError: null, lastCheckAt: null, specTemplate: null } as QueryDeepPartialEntity<PluginInterfaceEntity>),
    );
    return this.mustFind(row.id);
  }

  async findById(id: string): Promise<StoredInterface | null> {
    const row = await this.interfaces.findOneBy({ id });
    return row ? this.opened(toStored(row)) : null;
  }

  async findByIds(ids: readonly string[]): Promise<StoredInterface[]> {
    if (ids.length === 0) return [];
    return (await this.interfaces.findBy({ id: In([...ids]) })).map((row) => this.opened(toStored(row)));
  }

  /**
   * The matching interfaces, ordered by type, name and id, deep-frozen and shared between callers.
   * Every call gets the table version from the database, read after the call began (concurrent
   * calls share one read: CoalescedRead); when it is the one the cached listing was read at, no
   * write has been committed since and that listing is the answer (see RowVersionCache).
   * Otherwise one statement reads the matching rows and the version afresh. Given a transaction's
   * manager, both reads run in that transaction (after what it has done so far, on its connection).
   */
  async list(filter: { pluginTypes?: readonly PluginType[]; enabledOnly?: boolean } = {}, tx?: EntityManager): Promise<readonly StoredInterface[]> {
    const key = `${filter.pluginTypes?.join('|') ?? '*'}:${String(filter.enabledOnly ?? false)}`;
    const version = tx ? (await preparedQuery<{ version: string }>(tx, { ...TABLE_VERSION, values: [] }))[0].version : await this.tableVersion.get();
    const cached = this.rows.listing(key, version);
    if (cached !== undefined) return cached;
    const rows = await preparedQuery<InterfaceRow>(tx ?? this.dataSource, { ...LIST_ROWS, values: [filter.pluginTypes ?? null, filter.enabledOnly ?? false] });
    const matched = rows.filter((row) => row.id !== null);
    return this.rows.remember(key, rows[0].table_version, matched.map((row) => ({ id: row.id, version: row.version, row: this.opened(fromRow(row)) })));
  }

  /** Updates the given columns; null when the row is gone. */
  async update(
    id: string,
    changes: Partial<Pick<StoredInterface, 'displayName' | 'config' | 'enabled' | 'specTemplate'>>,
  ): Promise<StoredInterface | null> {
    let stored = changes;
    if (changes.config !== undefined) {
      const current = await this.interfaces.findOne({ where: { id }, select: { id: true, configSchema: true } });
      if (!current) return null;
      stored = { ...changes, config: this.configs.seal(current.configSchema, changes.config as Json, this.box) as Record<string, unknown> };
    }
    const result = await this.guardUnique(changes.displayName, () => this.interfaces.update({ id }, stored as QueryDeepPartialEntity<PluginInterfaceEntity>));
    if (!result.affected) return null;
    return this.findById(id);
  }

  /**
   * Seals again every config secret that is not sealed with the current key (stored before
   * sealing, or with an older key); the count of rows rewritten. Each row is written only if its
   * config is still the one read (a concurrent edit wins and is already sealed).
   */
  async resealSecrets(db: EntityManager): Promise<number> {
    let rewritten = 0;
    const rows = await db.query<{ id: string; config: Json; config_schema: Record<string, unknown> }[]>('SELECT id, config, config_schema FROM plugin_interfaces');
    for (const row of rows) {
      if (!this.configs.hasStaleSecrets(row.config_schema, row.config, this.box)) continue;
      const sealed = this.configs.seal(row.config_schema, row.config, this.box);
      const [, affected] = await db.query<[unknown, number]>(
        `UPDATE plugin_interfaces SET config = $2::jsonb, updated_at = updated_at WHERE id = $1 AND config = $3::jsonb`,
        [row.id, JSON.stringify(sealed), JSON.stringify(row.config)],
      );
      rewritten += affected;
    }
    return rewritten;
  }

  /**
   * Stores a health result without touching updated_at (a check is not an edit). `alongside` runs
   * in the same transaction once it is written, with the id when the row was there (an empty set
   * when it is gone): what it writes commits with the result or not at all. True when written.
   */
  async recordHealth(id: string, health: Omit<HealthRecord, 'id'>, alongside?: HealthWriteAlongside): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const result = await tx
        .createQueryBuilder()
        .update(PluginInterfaceEntity)
        .set({ ...health, updatedAt: () => 'updated_at' })
        .where('id = :id', { id })
        .execute();
      const stored = new Set<string>(result.affected ? [id] : []);
      await alongside?.(stored, tx);
      return stored.size > 0;
    });
  }

  /**
   * Stores many health results in one statement; the ids written come back. A result older than
   * the row's last_check_at is not written: a check that ended later (CheckPluginHealth while a
   * sweep was batching its results) got there first. `alongside` runs in the same transaction, as
   * for recordHealth; when it throws, no result is stored.
   */
  async recordHealthMany(results: readonly HealthRecord[], alongside?: HealthWriteAlongside): Promise<Set<string>> {
    if (results.length === 0) return new Set();
    return this.dataSource.transaction(async (tx) => {
      const [rows] = await tx.query<[{ id: string }[], number]>(
        `UPDATE plugin_interfaces AS p
            SET is_healthy = r.is_healthy, health_error = r.health_error, last_check_at = r.last_check_at
           FROM unnest($1::uuid[], $2::boolean[], $3::text[], $4::timestamptz[]) AS r(id, is_healthy, health_error, last_check_at)
          WHERE p.id = r.id AND (p.last_check_at IS NULL OR p.last_check_at <= r.last_check_at)
      RETURNING p.id`,
        [results.map((r) => r.id), results.map((r) => r.isHealthy), results.map((r) => r.healthError), results.map((r) => r.lastCheckAt)],
      );
      const stored = new Set(rows.map((row) => row.id));
      await alongside?.(stored, tx);
      return stored;
    });
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
    this.rows.delete(id);
    const result = await this.interfaces.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  private opened(row: StoredInterface): StoredInterface {
    return { ...row, config: this.configs.open(row.configSchema, row.config as Json, this.box) as Record<string, unknown> };
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

function fromRow(row: InterfaceRow): StoredInterface {
  return {
    id: row.id,
    pluginDefId: row.plugin_def_id,
    pluginType: row.plugin_type as PluginType,
    pluginId: row.plugin_id,
    displayName: row.display_name,
    enabled: row.enabled,
    config: row.config,
    configSchema: row.config_schema,
    pluginVersion: row.plugin_version,
    hasAdminPage: row.has_admin_page,
    isHealthy: row.is_healthy,
    healthError: row.health_error,
    lastCheckAt: row.last_check_at,
    specTemplate: row.spec_template as SpecTemplateResult | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
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
