import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { PluginConfigService } from '../plugins/plugin-config.service.js';
import { PluginDefinitionsService } from '../plugins/plugin-definitions.service.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import type { AdminPage, HealthReport } from './integration.types.js';
import { InterfaceHealthService } from './interface-health.service.js';
import { InterfaceService } from './interface.service.js';

const ACTION_NAME = /^admin_[a-z0-9_]+$/;
const MAX_ARGS_BYTES = 64 * 1024;

/**
 * What an admin does with one interface besides editing it: check its health now, open the
 * plugin's admin page, call its admin_* actions (the admin page's postMessage bridge, seed 001).
 * Only functions named admin_* that the script defines can be called: admin_page (a contract
 * function), health_check, send, `constructor` and the like are not actions.
 */
@Injectable()
export class PluginAdminService {
  constructor(
    private readonly interfaces: InterfaceService,
    private readonly health: InterfaceHealthService,
    private readonly definitions: PluginDefinitionsService,
    private readonly configs: PluginConfigService,
    private readonly runtime: PluginRuntime,
  ) {}

  async checkHealth(interfaceId: unknown): Promise<HealthReport> {
    return this.health.check(await this.interfaces.find(interfaceId));
  }

  async adminPage(interfaceId: unknown): Promise<AdminPage> {
    const row = await this.interfaces.find(interfaceId);
    const definition = await this.definitions.get(row.pluginDefId, 'plugin_def_id');
    if (!definition.functions.includes('admin_page')) {
      throw new AppError('integration.no_admin_page', `Plugin ${row.pluginType}/${row.pluginId} has no admin page`, { interfaceId: row.id });
    }
    const page = await this.runtime.call({ pluginDefId: row.pluginDefId, fn: 'admin_page', config: row.config, interfaceId: row.id, sha256: definition.sha256 });
    return { title: page.title, html: page.html };
  }

  /** Runs admin_<name>(config merged with args, {}) and returns its result as JSON text. */
  async callAction(input: { interfaceId: unknown; function: unknown; argsJson: unknown }): Promise<string> {
    const fn = typeof input.function === 'string' ? input.function : '';
    if (fn === '') throw AppError.invalidField('function', 'is required');
    const row = await this.interfaces.find(input.interfaceId);
    const definition = await this.definitions.get(row.pluginDefId, 'plugin_def_id');
    if (!ACTION_NAME.test(fn) || fn === 'admin_page' || !definition.functions.includes(fn)) {
      throw new AppError('integration.action_not_found', `Plugin ${row.pluginType}/${row.pluginId} has no action "${fn.slice(0, 64)}" (actions are functions named admin_*)`, {
        function: fn.slice(0, 64),
      });
    }
    const argsText = typeof input.argsJson === 'string' && input.argsJson.trim() !== '' ? input.argsJson : '{}';
    if (Buffer.byteLength(argsText, 'utf8') > MAX_ARGS_BYTES) {
      throw new AppError('common.payload_too_large', `args_json: the limit is ${MAX_ARGS_BYTES} bytes`, { field: 'args_json', limit: MAX_ARGS_BYTES });
    }
    const args = this.configs.parse(argsText, 'args_json');
    const config = { ...row.config, ...args };
    this.configs.validate(row.configSchema, config, 'config');
    const result = await this.runtime.call({ pluginDefId: row.pluginDefId, fn, config, params: {}, interfaceId: row.id, sha256: definition.sha256 });
    return JSON.stringify(result ?? null);
  }
}
