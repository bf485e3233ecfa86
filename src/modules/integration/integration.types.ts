import type { NotifierChannel, PluginType } from '../plugins/plugin-contract.js';
import type { SpecTemplateResult } from '../plugins/plugin-results.js';

/**
 * A plugin interface (a configured instance of a plugin) as the integration module's callers see
 * it. `config` is always masked here: the stored secrets never leave InterfaceService.
 */
export interface PluginInterface {
  id: string;
  pluginDefId: string;
  pluginType: PluginType;
  pluginId: string;
  displayName: string;
  enabled: boolean;
  /** Secrets replaced by the mask. */
  config: Record<string, unknown>;
  /** config_schema() of the plugin, copied at creation. */
  configSchema: Record<string, unknown>;
  pluginVersion: string;
  hasAdminPage: boolean;
  isHealthy: boolean;
  healthError: string | null;
  lastCheckAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a transport hands InterfaceService: raw wire values, validated there. */
export interface CreateInterfaceInput {
  pluginDefId: unknown;
  displayName: unknown;
  configJson: unknown;
}

export interface UpdateInterfaceInput {
  interfaceId: unknown;
  configJson?: unknown;
  displayName?: unknown;
}

export interface HealthReport {
  isHealthy: boolean;
  error: string | null;
  checkedAt: Date;
}

export interface ProviderSummary {
  interfaceId: string;
  name: string;
  providerType: 'first_party' | 'upstream';
  isHealthy: boolean;
  specTemplate: SpecTemplateResult;
}

export interface ChannelSummary {
  id: string;
  name: string;
  isHealthy: boolean;
}

export interface AdminPage {
  title: string;
  html: string;
}

/** An enabled notifier interface as the notification module plans and lists it. */
export interface NotifierSummary {
  id: string;
  name: string;
  pluginId: string;
  channel: NotifierChannel;
  /** supported_events() for this interface's config. */
  supportedEvents: string[];
  isHealthy: boolean;
}

/**
 * One notifier interface as the dispatcher sends through it: its state now (`missing` when
 * deleted, `disabled` when switched off, `not_notifier` when the id names another type).
 */
export type NotifierTarget =
  | { state: 'ready'; id: string; name: string; pluginId: string; channel: NotifierChannel }
  | { state: 'missing' | 'disabled' | 'not_notifier'; id: string };
