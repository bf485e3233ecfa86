import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { JsonSchemaValidator } from './json-schema.js';
import { isPluginType, PLUGIN_ID_PATTERN, type PluginType } from './plugin-contract.js';
import { PluginInspector } from './plugin-inspector.js';
import { PluginRepository } from './plugin.repository.js';
import { PluginRuntime } from './plugin-runtime.service.js';
import { PLUGINS_CHANGED, type PluginsChangedEvent } from './plugins.events.js';
import type { ScanReport } from './plugins.types.js';

/** A missed file event is caught by the next poll at the latest. */
const POLL_INTERVAL_MS = 10_000;
/** Editors write a file in several steps; one scan after they settle. */
const DEBOUNCE_MS = 150;

interface PluginFile {
  pluginType: PluginType;
  pluginId: string;
  path: string;
}

/**
 * Keeps the plugins table in step with PLUGINS_DIR/<plugin_type>/<plugin_id>.js: at boot, on every
 * file event (add, edit, delete; no restart) and on a slow poll as a safety net. Unchanged files
 * (same sha256) are skipped; changed ones are validated in the sandbox (PluginInspector) and
 * upserted, valid or not, with the reason; a deleted file marks its row unavailable, never deletes
 * it. Scans run one at a time; requests during a scan coalesce into one more scan.
 */
@Injectable()
export class PluginScanner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly inspector: PluginInspector;
  private readonly logger: Logger;
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private pending: Promise<ScanReport> | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** The version of each file this process last scanned, so its runtime hears of every change once. */
  private readonly seen = new Map<string, { id: string; sha256: string }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: PluginRepository,
    runtime: PluginRuntime,
    schemas: JsonSchemaValidator,
    private readonly events: EventEmitter2,
  ) {
    this.logger = logger.child({ component: 'plugin-scanner' });
    this.inspector = new PluginInspector(runtime.sandbox, schemas);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.scan();
    this.startWatching();
  }

  onModuleDestroy(): Promise<unknown> {
    this.stopped = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.debounce) clearTimeout(this.debounce);
    return this.tail;
  }

  /** Scans now (or joins the scan already queued). */
  scan(): Promise<ScanReport> {
    if (this.pending) return this.pending;
    const next = this.tail.then(() => {
      this.pending = null;
      return this.scanOnce();
    });
    this.pending = next;
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async scanOnce(): Promise<ScanReport> {
    const report: ScanReport = { changed: [], removed: [], invalid: [], ignored: [] };
    const files = await this.listFiles(report);
    const known = await this.repository.availableDefinitions();
    const changedIds = new Set<string>();

    for (const file of files) {
      const key = `${file.pluginType}/${file.pluginId}`;
      let source: string;
      try {
        source = await readFile(file.path, 'utf8');
      } catch (err) {
        report.ignored.push({ file: file.path, reason: `cannot be read: ${(err as Error).message}` });
        continue;
      }
      const hash = sha256(source);
      const stored = known.get(key);
      let id: string;
      if (stored?.sha256 === hash) {
        id = stored.id;
      } else {
        const scanned = await this.inspector.inspect(file.pluginType, file.pluginId, source);
        if (!scanned.valid) report.invalid.push({ plugin: key, reason: scanned.invalidReason ?? 'invalid' });
        id = await this.repository.upsert(scanned);
        report.changed.push(key);
      }
      // Another replica may have stored this version first: what matters to this process's runtime
      // is whether it has seen this version yet.
      if (this.seen.get(key)?.sha256 !== hash) changedIds.add(id);
      this.seen.set(key, { id, sha256: hash });
    }

    const present = new Set(files.map((f) => `${f.pluginType}/${f.pluginId}`));
    const gone = [...known.keys()].filter((key) => !present.has(key));
    if (gone.length > 0) {
      await this.repository.markUnavailable(gone);
      report.removed.push(...gone);
    }
    for (const [key, entry] of this.seen) {
      if (present.has(key)) continue;
      changedIds.add(entry.id);
      this.seen.delete(key);
    }

    if (changedIds.size > 0) {
      this.events.emit(PLUGINS_CHANGED, { definitionIds: [...changedIds] } satisfies PluginsChangedEvent);
    }
    if (report.changed.length || report.removed.length) {
      this.logger.info({ changed: report.changed, removed: report.removed, invalid: report.invalid }, 'plugin definitions updated');
    }
    for (const ignored of report.ignored) this.logger.warn(ignored, 'not a plugin script');
    return report;
  }

  private async listFiles(report: ScanReport): Promise<PluginFile[]> {
    const root = this.config.pluginsDir;
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (err) {
      this.logger.warn({ dir: root, error: (err as Error).message }, 'PLUGINS_DIR cannot be read: no plugins');
      return [];
    }
    const files: PluginFile[] = [];
    for (const dir of entries) {
      if (!dir.isDirectory() || dir.name.startsWith('.')) continue;
      if (!isPluginType(dir.name)) {
        report.ignored.push({ file: join(root, dir.name), reason: 'not a plugin type directory (first_party_provider, upstream_provider, gateway, notifier)' });
        continue;
      }
      for (const file of await readdir(join(root, dir.name), { withFileTypes: true })) {
        if (!file.isFile() || !file.name.endsWith('.js')) continue;
        const pluginId = file.name.slice(0, -'.js'.length);
        if (!PLUGIN_ID_PATTERN.test(pluginId)) {
          report.ignored.push({ file: join(root, dir.name, file.name), reason: `plugin id "${pluginId}" must match ${PLUGIN_ID_PATTERN}` });
          continue;
        }
        files.push({ pluginType: dir.name, pluginId, path: join(root, dir.name, file.name) });
      }
    }
    return files;
  }

  private startWatching(): void {
    if (this.stopped) return;
    const trigger = () => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = null;
        this.scan().catch((err: unknown) => this.logger.error({ err }, 'plugin scan failed'));
      }, DEBOUNCE_MS);
      this.debounce.unref();
    };
    try {
      this.watcher = watch(this.config.pluginsDir, { recursive: true, persistent: false }, trigger);
      this.watcher.on('error', (err) => this.logger.warn({ error: err.message }, 'PLUGINS_DIR watch failed; polling only'));
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'PLUGINS_DIR cannot be watched; polling only');
    }
    this.poller = setInterval(trigger, POLL_INTERVAL_MS);
    this.poller.unref();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
