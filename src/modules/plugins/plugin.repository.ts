import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { IdGenerator } from '../../common/id-generator.js';
import type { PluginType } from './plugin-contract.js';
import { PluginEntity } from './plugin.entity.js';
import type { PluginDefinition, PluginSummary, ScannedPlugin } from './plugins.types.js';

interface ListFilter {
  pluginType?: PluginType;
  onlyUsable?: boolean;
}

/** Every column but the script text: lists and reads of definitions do not need it. */
const WITHOUT_SOURCE = {
  id: true,
  pluginType: true,
  pluginId: true,
  version: true,
  sha256: true,
  functions: true,
  hasAdminPage: true,
  configSchema: true,
  channel: true,
  valid: true,
  invalidReason: true,
  available: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** The columns of PluginSummary (ListPlugins answers these only). */
const SUMMARY = ['id', 'pluginType', 'pluginId', 'version', 'hasAdminPage', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof PluginSummary)[];

/** SELECT of these columns, each under its PluginDefinition property name. */
function selectOf(properties: readonly string[]): string {
  const columns = properties.map((property) => `"${property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}" AS "${property}"`);
  return `SELECT ${columns.join(', ')} FROM plugins`;
}

const LIST_SELECT = selectOf(Object.keys(WITHOUT_SOURCE));
const SUMMARY_SELECT = selectOf(SUMMARY);

/** The only place that queries the plugins table. */
@Injectable()
export class PluginRepository {
  constructor(
    @InjectRepository(PluginEntity) private readonly plugins: Repository<PluginEntity>,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Plain SQL, written once: ListPlugins runs this on every call, and building the same statement
   * through the query builder and hydrating entities cost more CPU than the query itself. The
   * columns are aliased to the definition's property names; pg already returns jsonb parsed,
   * text[] as arrays and timestamptz as Dates, as the entity path did.
   */
  list(filter: ListFilter = {}): Promise<PluginDefinition[]> {
    return this.select<PluginDefinition>(LIST_SELECT, filter);
  }

  /** As list, with the PluginDef fields only: no schema (jsonb) or function list to decode per row. */
  listSummaries(filter: ListFilter = {}): Promise<PluginSummary[]> {
    return this.select<PluginSummary>(SUMMARY_SELECT, filter);
  }

  private async select<T>(select: string, filter: ListFilter): Promise<T[]> {
    const conditions: string[] = [];
    const parameters: string[] = [];
    if (filter.pluginType) {
      parameters.push(filter.pluginType);
      conditions.push(`plugin_type = $${parameters.length}`);
    }
    if (filter.onlyUsable) conditions.push('valid AND available');
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows: T[] = await this.plugins.query(`${select} ${where} ORDER BY plugin_type ASC, plugin_id ASC`, parameters);
    return rows;
  }

  async findById(id: string): Promise<PluginDefinition | null> {
    const row = await this.plugins.findOne({ where: { id }, select: WITHOUT_SOURCE });
    return row ? toDefinition(row) : null;
  }

  /** The definition with its script, for the runtime: one query. */
  async findWithSource(id: string): Promise<{ definition: PluginDefinition; source: string } | null> {
    const row = await this.plugins.findOneBy({ id });
    return row ? { definition: toDefinition(row), source: row.source } : null;
  }

  /** "<type>/<id>" → id, sha256 and validity of every available definition, to skip unchanged files on a scan. */
  async availableDefinitions(): Promise<Map<string, { id: string; sha256: string; valid: boolean }>> {
    const rows = await this.plugins.find({ where: { available: true }, select: { id: true, pluginType: true, pluginId: true, sha256: true, valid: true } });
    return new Map(rows.map((r) => [`${r.pluginType}/${r.pluginId}`, { id: r.id, sha256: r.sha256, valid: r.valid }]));
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

  /** Marks definitions whose file is gone ("<type>/<id>" keys). */
  async markUnavailable(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.plugins
      .createQueryBuilder()
      .update(PluginEntity)
      .set({ available: false })
      .where("available AND plugin_type || '/' || plugin_id IN (:...keys)", { keys })
      .execute();
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
