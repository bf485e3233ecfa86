import type { PluginType } from './plugin-contract.js';

/** A plugin definition as the rest of the app sees it (the entity never leaves the module). */
export interface PluginDefinition {
  id: string;
  pluginType: PluginType;
  pluginId: string;
  version: string;
  sha256: string;
  functions: string[];
  hasAdminPage: boolean;
  configSchema: Record<string, unknown> | null;
  channel: string | null;
  valid: boolean;
  invalidReason: string | null;
  available: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields of a definition that rustbill.integration.PluginDef carries (ListPlugins). */
export type PluginSummary = Pick<PluginDefinition, 'id' | 'pluginType' | 'pluginId' | 'version' | 'hasAdminPage' | 'createdAt' | 'updatedAt'>;

/** What a scan found in one file, ready to be stored. */
export type ScannedPlugin = Omit<PluginDefinition, 'id' | 'available' | 'createdAt' | 'updatedAt'> & { source: string };

export interface ScanReport {
  /** "<type>/<id>" of definitions added or changed by this scan. */
  changed: string[];
  /** "<type>/<id>" of definitions whose file disappeared. */
  removed: string[];
  /** "<type>/<id>" of definitions found invalid, with the reason. */
  invalid: { plugin: string; reason: string }[];
  /** Files that are not plugin scripts (wrong directory or name), with why. */
  ignored: { file: string; reason: string }[];
  /** "<type>/<id>" the sandbox could not judge this time (not stored; inspected again soon), with why. */
  retrying: { plugin: string; reason: string }[];
}
