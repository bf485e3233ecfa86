import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { optionalOneOf, requireUuid } from '../../common/validation/validators.js';
import { PLUGIN_TYPES } from './plugin-contract.js';
import { PluginRepository } from './plugin.repository.js';
import type { PluginDefinition, PluginSummary } from './plugins.types.js';

/** Reading plugin definitions (ListPlugins / GetPlugin, GraphQL, other modules). */
@Injectable()
export class PluginDefinitionsService {
  constructor(private readonly repository: PluginRepository) {}

  /**
   * `usableOnly`: only definitions that can be instantiated (valid, file present) — what RustBill
   * clients choose from. The admin GraphQL lists everything, with the reasons.
   */
  list(input: { pluginType?: unknown; usableOnly: boolean }): Promise<PluginDefinition[]> {
    const pluginType = optionalOneOf(input.pluginType, PLUGIN_TYPES, 'plugin_type');
    return this.repository.list({ pluginType, onlyUsable: input.usableOnly });
  }

  /** As list, with only the fields ListPlugins answers (PluginDef), read without the rest. */
  listSummaries(input: { pluginType?: unknown; usableOnly: boolean }): Promise<PluginSummary[]> {
    const pluginType = optionalOneOf(input.pluginType, PLUGIN_TYPES, 'plugin_type');
    return this.repository.listSummaries({ pluginType, onlyUsable: input.usableOnly });
  }

  async get(id: unknown, field = 'id'): Promise<PluginDefinition> {
    const uuid = requireUuid(id, field);
    const definition = await this.repository.findById(uuid);
    if (!definition) throw new AppError('plugins.plugin_not_found', `No plugin definition with id ${uuid}`, { id: uuid });
    return definition;
  }
}
