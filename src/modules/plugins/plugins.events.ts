/** In-process events of the plugins module (the map: src/common/in-process-events.ts). */
declare module '../../common/in-process-events.js' {
  interface InProcessEvents {
    /**
     * Plugin definitions were added, changed or removed. Emitted for each file as soon as its row
     * is written (not after the whole scan), so this process's runtime never runs an older version
     * than the table shows.
     */
    'plugins.changed': [PluginsChangedEvent];
  }
}

export interface PluginsChangedEvent {
  definitionIds: string[];
}
