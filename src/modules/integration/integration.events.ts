/**
 * In-process event (EventEmitter2): a plugin interface's health changed state, found by
 * CheckPluginHealth, the background check of a new interface or the health cron. An interface's
 * first check counts as a change (from unknown), so its first state is announced too.
 */
export const PLUGIN_HEALTH_CHANGED = 'plugin.health_changed';

export interface PluginHealthChangedEvent {
  interfaceId: string;
  pluginType: string;
  pluginId: string;
  displayName: string;
  isHealthy: boolean;
  previouslyHealthy: boolean;
  error: string | null;
  checkedAt: Date;
}
