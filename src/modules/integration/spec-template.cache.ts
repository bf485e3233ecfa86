import { Injectable } from '@nestjs/common';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import type { SpecTemplateResult } from '../plugins/plugin-results.js';
import { PluginInterfaceRepository, type StoredInterface } from './plugin-interface.repository.js';

/**
 * A provider interface's spec_template(), stored with the interface when it is created or
 * reconfigured, so ListProviders calls no plugin. A row whose template was never fetched (the
 * plugin failed then) is fetched on first listing.
 */
@Injectable()
export class SpecTemplateCache {
  constructor(
    private readonly repository: PluginInterfaceRepository,
    private readonly runtime: PluginRuntime,
  ) {}

  async refresh(row: StoredInterface): Promise<SpecTemplateResult> {
    const template = await this.runtime.call({ pluginDefId: row.pluginDefId, fn: 'spec_template', config: row.config, interfaceId: row.id });
    await this.repository.setSpecTemplate(row.id, template);
    return template;
  }

  /** The cached template, fetched now when missing; an empty one if the plugin cannot give it. */
  async of(row: StoredInterface): Promise<SpecTemplateResult> {
    if (row.specTemplate) return row.specTemplate;
    try {
      return await this.refresh(row);
    } catch {
      return { fields: [] };
    }
  }
}
