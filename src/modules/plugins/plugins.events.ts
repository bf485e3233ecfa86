/** In-process event: plugin definitions were added, changed or removed by a scan. */
export const PLUGINS_CHANGED = 'plugins.changed';

export interface PluginsChangedEvent {
  definitionIds: string[];
}
