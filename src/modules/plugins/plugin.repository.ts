import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { IdGenerator } from '../../common/clock.js';
import type { PluginType } from './plugin-contract.js';
import { PluginEntity } from './plugin.entity.js';
import type { PluginDefinition, ScannedPlugin } from './plugins.types.js';

/** The only place that queries the plugins table. */
@Injectable()
export class PluginRepository {
  constructor(
    @InjectRepository(PluginEntity) private readonly plugins: Repository<PluginEntity>,
    private readonly ids: IdGenerator,
  ) {}

  async list(filter: { pluginType?: PluginType; onlyUsable?: boolean } = {}): Promise<PluginDefinition[]> {
    const where: FindOptionsWhere<PluginEntity> = {};
    if (filter.pluginType) where.pluginType = filter.pluginType;
    if (filter.onlyUsable) Object.assign(where, { valid: true, available: true });
    const rows = await this.plugins.find({ where, order: { pluginType: 'ASC', pluginId: 'ASC' } });
    return rows.map(toDefinition);
  }

  async findById(id: string): Promise<PluginDefinition | null> {
    const row = await this.plugins.findOneBy({ id });
    return row ? toDefinition(row) : null;
  }

  /** The script itself, for the runtime; with the hash it was validated under. */
  async findSource(id: string): Promise<{ source: string; sha256: string } | null> {
    const row = await this.plugins.findOne({ where: { id }, select: { source: true, sha256: true } });
    return row ? { source: row.source, sha256: row.sha256 } : null;
  }

  /** "<type>/<id>" → id and sha256 of every available definition, to skip unchanged files on a scan. */
  async availableDefinitions(): Promise<Map<string, { id: string; sha256: string }>> {
    const rows = await this.plugins.find({ where: { available: true }, select: { id: true, pluginType: true, pluginId: true, sha256: true } });
    return new Map(rows.map((r) => [`${r.pluginType}/${r.pluginId}`, { id: r.id, sha256: r.sha256 }]));
  }

  /**
   * Insert or update by (plugin_type, plugin_id). Replicas scanning the same file at once converge:
   * the first insert wins the id, later ones update the same row.
   */
  async upsert(scanned: ScannedPlugin): Promise<string> {
    const result = await this.plugins
      .createQueryBuilder()
      .insert()
      .into(PluginEntity)
      .values({ id: this.ids.uuid(), ...scanned, available: true } as QueryDeepPartialEntity<PluginEntity>)
      .orUpdate(
        ['version', 'source', 'sha256', 'functions', 'has_admin_page', 'config_schema', 'channel', 'valid', 'invalid_reason', 'available', 'updated_at'],
        ['plugin_type', 'plugin_id'],
      )
      .returning(['id'])
      .execute();
    return (result.raw as { id: string }[])[0].id;
  }

  /** Marks definitions whose file is gone; returns the ids of those newly marked. */
  async markUnavailable(keys: string[]): Promise<string[]> {
    const marked: string[] = [];
    for (const key of keys) {
      const [pluginType, pluginId] = key.split('/');
      const result = await this.plugins
        .createQueryBuilder()
        .update(PluginEntity)
        .set({ available: false })
        .where({ pluginType, pluginId, available: true })
        .returning(['id'])
        .execute();
      marked.push(...(result.raw as { id: string }[]).map((r) => r.id));
    }
    return marked;
  }
}

function toDefinition(row: PluginEntity): PluginDefinition {
  return {
    id: row.id,
    pluginType: row.pluginType as PluginType,
    pluginId: row.pluginId,
    version: row.version,
    sha256: row.sha256,
    functions: row.functions,
    hasAdminPage: row.hasAdminPage,
    configSchema: row.configSchema,
    channel: row.channel,
    valid: row.valid,
    invalidReason: row.invalidReason,
    available: row.available,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
