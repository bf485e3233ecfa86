/** In-process events of the integration module (the map: src/common/in-process-events.ts). */
declare module '../../common/in-process-events.js' {
  interface InProcessEvents {
    /**
     * A plugin interface's health changed state, found by CheckPluginHealth, the background check
     * of a new interface or the health cron; emitted once the change and its outbox row are
     * committed. An interface's first check counts as a change (from unknown), so its first state
     * is announced too.
     */
    'plugin.health_changed': [PluginHealthChangedEvent];
  }
}

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
