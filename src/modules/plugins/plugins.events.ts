/**
 * In-process event: plugin definitions were added, changed or removed. Emitted for each file as
 * soon as its row is written (not after the whole scan), so this process's runtime never runs an
 * older version than the table shows.
 */
export const PLUGINS_CHANGED = 'plugins.changed';

export interface PluginsChangedEvent {
  definitionIds: string[];
}
