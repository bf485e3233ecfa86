import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { deepFreeze } from '../../common/deep-freeze.js';
import { AppError } from '../../common/errors/app-error.js';
import { IdGenerator } from '../../common/id-generator.js';
import { LOGGER } from '../../common/tokens.js';
import { optionalOneOf, requireUuid } from '../../common/validation/validators.js';
import { PLUGIN_TYPES, type PluginType } from '../plugins/plugin-contract.js';
import { PluginConfigService } from '../plugins/plugin-config.service.js';
import { PluginDefinitionsService } from '../plugins/plugin-definitions.service.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import type { CreateInterfaceInput, PluginInterface, UpdateInterfaceInput } from './integration.types.js';
import { InterfaceHealthService } from './interface-health.service.js';
import { PluginInterfaceRepository, type StoredInterface } from './plugin-interface.repository.js';
import { SpecTemplateCache } from './spec-template.cache.js';

/** Largest config_json accepted, in UTF-8 bytes: a configuration, not a data store. */
export const MAX_CONFIG_BYTES = 64 * 1024;
export const MAX_DISPLAY_NAME_CHARS = 200;

/**
 * Plugin interfaces: create, read, update, toggle, delete (seed 001). Config is validated against
 * the plugin's config_schema() (the copy taken at creation, which is also what the admin form is
 * drawn from), secrets are masked in everything this service returns, and a masked secret sent back
 * keeps the stored value. Every change evicts the runtime's compiled instance of the interface.
 *
 * Deliberately not here: calling plugin functions for callers (InterfaceHealthService, the
 * provider operations), and notification history (it names interfaces by id and survives them).
 */
@Injectable()
export class InterfaceService {
  /** Masked views of frozen rows and listings; they go with their row or listing. */
  private readonly presented = new WeakMap<StoredInterface, PluginInterface>();
  private readonly presentedLists = new WeakMap<readonly StoredInterface[], readonly PluginInterface[]>();

  constructor(
    private readonly repository: PluginInterfaceRepository,
    private readonly definitions: PluginDefinitionsService,
    private readonly configs: PluginConfigService,
    private readonly runtime: PluginRuntime,
    private readonly health: InterfaceHealthService,
    private readonly specTemplates: SpecTemplateCache,
    private readonly ids: IdGenerator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(input: CreateInterfaceInput): Promise<PluginInterface> {
    const pluginDefId = requireUuid(input.pluginDefId, 'plugin_def_id');
    const displayName = validDisplayName(input.displayName);
    const config = this.parseConfig(input.configJson);
    const definition = await this.definitions.get(pluginDefId, 'plugin_def_id');
    if (!definition.available || !definition.valid || !definition.configSchema) {
      const why = !definition.available ? 'its script file was removed' : `it is invalid: ${definition.invalidReason ?? 'no config_schema()'}`;
      throw new AppError('plugins.plugin_not_found', `Plugin definition ${pluginDefId} cannot be instantiated: ${why}`, { id: pluginDefId });
    }
    this.configs.validate(definition.configSchema, config, 'config_json');
    const stored = await this.repository.insert({
      id: this.ids.uuid(),
      pluginDefId: definition.id,
      pluginType: definition.pluginType,
      pluginId: definition.pluginId,
      displayName,
      enabled: true,
      config,
      configSchema: definition.configSchema,
      pluginVersion: definition.version,
      hasAdminPage: definition.hasAdminPage,
    });
    this.logger.info({ interfaceId: stored.id, plugin: `${stored.pluginType}/${stored.pluginId}` }, 'plugin interface created');
    this.inBackground(stored);
    return this.present(stored);
  }

  async get(interfaceId: unknown): Promise<PluginInterface> {
    return this.present(await this.find(interfaceId));
  }

  /** Frozen, and the same array while the rows are unchanged (see PluginInterfaceRepository.list). */
  async list(input: { pluginType?: unknown }): Promise<readonly PluginInterface[]> {
    const pluginType = optionalOneOf(input.pluginType, PLUGIN_TYPES, 'plugin_type');
    const rows = await this.repository.list(pluginType ? { pluginTypes: [pluginType] } : {});
    let views = this.presentedLists.get(rows);
    if (views === undefined) {
      views = Object.freeze(rows.map((row) => this.present(row)));
      if (Object.isFrozen(rows)) this.presentedLists.set(rows, views);
    }
    return views;
  }

  async update(input: UpdateInterfaceInput): Promise<PluginInterface> {
    const current = await this.find(input.interfaceId);
    const changes: { displayName?: string; config?: Record<string, unknown> } = {};
    if (input.displayName !== undefined && input.displayName !== null) changes.displayName = validDisplayName(input.displayName);
    if (input.configJson !== undefined && input.configJson !== null) {
      const incoming = this.parseConfig(input.configJson);
      const merged = this.configs.mergeSecrets(current.configSchema, current.config as never, incoming as never) as Record<string, unknown>;
      this.configs.validate(current.configSchema, merged, 'config_json');
      changes.config = merged;
    }
    if (changes.displayName === undefined && changes.config === undefined) return this.present(current);
    const updated = await this.repository.update(current.id, changes);
    if (!updated) throw notFound(current.id);
    this.runtime.evict(updated.id);
    this.logger.info({ interfaceId: updated.id, fields: Object.keys(changes) }, 'plugin interface updated');
    if (changes.config) this.inBackground(updated);
    return this.present(updated);
  }

  async toggle(input: { interfaceId: unknown; enable: unknown }): Promise<PluginInterface> {
    const id = requireUuid(input.interfaceId, 'interface_id');
    if (typeof input.enable !== 'boolean') throw AppError.invalidField('enable', 'must be a boolean');
    const updated = await this.repository.update(id, { enabled: input.enable });
    if (!updated) throw notFound(id);
    this.runtime.evict(id);
    this.logger.info({ interfaceId: id, enabled: input.enable }, 'plugin interface toggled');
    return this.present(updated);
  }

  async delete(interfaceId: unknown): Promise<void> {
    const id = requireUuid(interfaceId, 'interface_id');
    if (!(await this.repository.delete(id))) throw notFound(id);
    this.runtime.evict(id);
    this.logger.info({ interfaceId: id }, 'plugin interface deleted');
  }

  /** The stored interface, secrets included: for this module's services that call the plugin. */
  async find(interfaceId: unknown): Promise<StoredInterface> {
    const id = requireUuid(interfaceId, 'interface_id');
    const row = await this.repository.findById(id);
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * The caller's view: secrets masked. A frozen row (the list cache's, one object per row version)
   * is masked once: its view is remembered with it and frozen too.
   */
  present(row: StoredInterface): PluginInterface {
    if (!Object.isFrozen(row)) return this.mask(row);
    let view = this.presented.get(row);
    if (view === undefined) {
      view = deepFreeze(this.mask(row));
      this.presented.set(row, view);
    }
    return view;
  }

  private mask(row: StoredInterface): PluginInterface {
    const { specTemplate: _cached, config, ...rest } = row;
    return { ...rest, config: this.configs.mask(row.configSchema, config as never) as Record<string, unknown> };
  }

  private parseConfig(json: unknown): Record<string, unknown> {
    if (typeof json !== 'string' || json.trim() === '') throw AppError.invalidField('config_json', 'is required (a JSON object, "{}" for none)');
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > MAX_CONFIG_BYTES) {
      throw new AppError('common.payload_too_large', `config_json: is ${bytes} bytes, the limit is ${MAX_CONFIG_BYTES}`, {
        field: 'config_json',
        limit: MAX_CONFIG_BYTES,
      });
    }
    return this.configs.parse(json, 'config_json');
  }

  /** A new or reconfigured interface: health checked once and its spec template fetched, without holding up the caller. */
  private inBackground(row: StoredInterface): void {
    void this.health.check(row).catch((err: unknown) => {
      this.logger.warn({ interfaceId: row.id, err: (err as Error).message }, 'background health check failed');
    });
    if (isProvider(row.pluginType)) {
      void this.specTemplates.refresh(row).catch((err: unknown) => {
        this.logger.warn({ interfaceId: row.id, err: (err as Error).message }, 'spec_template refresh failed');
      });
    }
  }
}

export function isProvider(type: PluginType): boolean {
  return type === 'first_party_provider' || type === 'upstream_provider';
}

function notFound(id: string): AppError {
  return new AppError('integration.interface_not_found', `No plugin interface with id ${id}`, { id });
}

function validDisplayName(value: unknown): string {
  if (typeof value !== 'string') throw AppError.invalidField('display_name', 'is required');
  const name = value.trim();
  if (name === '') throw AppError.invalidField('display_name', 'must not be empty');
  const chars = [...name].length;
  if (chars > MAX_DISPLAY_NAME_CHARS) throw AppError.invalidField('display_name', `must be at most ${MAX_DISPLAY_NAME_CHARS} characters, got ${chars}`);
  if (/\p{Cc}/u.test(name)) throw AppError.invalidField('display_name', 'must not contain control characters');
  return name;
}
