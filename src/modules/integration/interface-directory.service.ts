import { Injectable } from '@nestjs/common';
import type { ChannelSummary, ProviderSummary } from './integration.types.js';
import { PluginInterfaceRepository } from './plugin-interface.repository.js';
import { SpecTemplateCache } from './spec-template.cache.js';

/**
 * ListProviders / ListGateways / ListNotifiers: the enabled interfaces of those types with their
 * last known health (from the cron or CheckPluginHealth, never checked here) and, for providers,
 * the cached spec template.
 */
@Injectable()
export class InterfaceDirectoryService {
  constructor(
    private readonly repository: PluginInterfaceRepository,
    private readonly specTemplates: SpecTemplateCache,
  ) {}

  async providers(): Promise<ProviderSummary[]> {
    const rows = await this.repository.list({ pluginTypes: ['first_party_provider', 'upstream_provider'], enabledOnly: true });
    return Promise.all(
      rows.map(async (row) => ({
        interfaceId: row.id,
        name: row.displayName,
        providerType: row.pluginType === 'upstream_provider' ? ('upstream' as const) : ('first_party' as const),
        isHealthy: row.isHealthy,
        specTemplate: await this.specTemplates.of(row),
      })),
    );
  }

  async gateways(): Promise<ChannelSummary[]> {
    return this.channels('gateway');
  }

  async notifiers(): Promise<ChannelSummary[]> {
    return this.channels('notifier');
  }

  private async channels(type: 'gateway' | 'notifier'): Promise<ChannelSummary[]> {
    const rows = await this.repository.list({ pluginTypes: [type], enabledOnly: true });
    return rows.map((row) => ({ id: row.id, name: row.displayName, isHealthy: row.isHealthy }));
  }
}
