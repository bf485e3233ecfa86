import type { PluginSummary } from '../plugins.types.js';

/** rustbill.integration.PluginDef, exactly the seed's fields. */
export interface PluginDefMessage {
  id: string;
  plugin_type: string;
  plugin_id: string;
  has_admin_page: boolean;
  created_at: string;
  updated_at: string;
  version: string;
}

export function toPluginDef(definition: PluginSummary): PluginDefMessage {
  return {
    id: definition.id,
    plugin_type: definition.pluginType,
    plugin_id: definition.pluginId,
    has_admin_page: definition.hasAdminPage,
    created_at: definition.createdAt.toISOString(),
    updated_at: definition.updatedAt.toISOString(),
    version: definition.version,
  };
}
