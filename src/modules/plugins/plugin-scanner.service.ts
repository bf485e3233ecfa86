import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { InProcessEmitter } from '../../common/in-process-events.js';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { JsonSchemaValidator } from './json-schema-validator.js';
import { DEFAULT_VERSION, isPluginType, PLUGIN_ID_PATTERN, type PluginType } from './plugin-contract.js';
import { PluginInspector } from './plugin-inspector.js';
import { PluginRepository } from './plugin.repository.js';
import { SANDBOX_POOL } from './plugin-sandbox.factory.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';
import { printable } from './printable.js';
import type { ScannedPlugin, ScanReport } from './plugins.types.js';

/** Editors write a file in several steps; one scan after they settle. */
const DEBOUNCE_MS = 150;
/** First wait before a file the sandbox could not judge is inspected again; doubles per failure. */
const RETRY_BASE_MS = 1_000;
/** Boot waits for the first scan at most the plugin timeout plus this; slower files land later. */
const BOOT_WAIT_EXTRA_MS = 5_000;

interface PluginFile {
  pluginType: PluginType;
  pluginId: string;
  path: string;
}

interface Retry {
  sha256: string;
  attempts: number;
  /** Epoch ms before which the file is not inspected again (unless a rescan is requested). */
  notBefore: number;
}

/**
 * Keeps the plugins table in step with PLUGINS_DIR/<plugin_type>/<plugin_id>.js: at boot, on every
 * file event (add, edit, delete; no restart) and on a slow poll as a safety net
 * (PLUGIN_SCAN_INTERVAL_MS).
 *
 * - Each file is read, inspected and stored on its own, a few at a time (PLUGIN_WORKERS): a file
 *   that cannot be read, judged or stored never affects another file, the boot or the next scan. A
 *   verdict that cannot be stored as it is (the database refuses a value) is stored as invalid
 *   with the database's reason, without the script; when even that fails, the file is skipped
 *   with a warning and tried again on the next scan.
 * - Unchanged files (same sha256) are skipped. A stored invalid verdict is looked at again once per
 *   process and on every explicit rescan: it may come from other limits or an older inspector.
 * - "The sandbox could not judge it" (PluginInspector's 'retry') is never stored: the file is
 *   inspected again after 1 s, 2 s, 4 s … (at most the poll interval), and the table keeps what it
 *   had.
 * - Each stored row is announced at once (`plugins.changed` with its id), so the runtime drops its
 *   cached copy before anybody can read the new row and call the old code.
 * - A deleted file marks its row unavailable, never deletes it.
 * - Boot waits for the first scan at most PLUGIN_TIMEOUT_MS + 5 s: slow scripts are judged in the
 *   background and appear when done.
 *
 * Scans run one at a time; requests during a scan coalesce into one more scan.
 */
@Injectable()
export class PluginScanner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly inspector: PluginInspector;
  private readonly logger: Logger;
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private pending: Promise<ScanReport> | null = null;
  private pendingForced = false;
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** The version of each file this process last scanned, so its runtime hears of every change once. */
  private readonly seen = new Map<string, { id: string; sha256: string }>();
  /** "<type>/<id>@<sha256>" judged by this process (an invalid verdict is then not repeated). */
  private readonly judged = new Set<string>();
  /** Files the sandbox could not judge, by "<type>/<id>". */
  private readonly retries = new Map<string, Retry>();
  /** Files whose verdict could not be stored at all, warned about once per version. */
  private readonly unstorable = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: PluginRepository,
    @Inject(SANDBOX_POOL) sandbox: SandboxPool,
    schemas: JsonSchemaValidator,
    private readonly events: InProcessEmitter,
    private readonly clock: Clock,
  ) {
    this.logger = logger.child({ component: 'plugin-scanner' });
    this.inspector = new PluginInspector(sandbox, schemas);
  }

  async onApplicationBootstrap(): Promise<void> {
    const first = this.scan();
    let waiting: NodeJS.Timeout | undefined;
    const budget = new Promise<'late'>((resolve) => {
      waiting = setTimeout(() => resolve('late'), this.config.plugins.timeoutMs + BOOT_WAIT_EXTRA_MS);
    });
    const outcome = await Promise.race([first.then(() => 'done' as const, () => 'failed' as const), budget]);
    clearTimeout(waiting);
    if (outcome === 'late') this.logger.warn('plugin files are still being inspected: they are registered when done');
    first.catch((err: unknown) => this.logger.error({ err }, 'plugin scan failed; the next scan tries again'));
    this.startWatching();
  }

  onModuleDestroy(): Promise<unknown> {
    this.stopped = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.debounce) clearTimeout(this.debounce);
    for (const timer of this.retryTimers) clearTimeout(timer);
    return this.tail;
  }

  /**
   * Scans now (or joins the scan already queued). `reinspectInvalid` (an explicit rescan) also
   * judges again the files stored invalid and those waiting for a retry.
   */
  scan(options: { reinspectInvalid?: boolean } = {}): Promise<ScanReport> {
    if (options.reinspectInvalid) this.pendingForced = true;
    if (this.pending) return this.pending;
    const next = this.tail.then(() => {
      this.pending = null;
      const forced = this.pendingForced;
      this.pendingForced = false;
      return this.scanOnce(forced);
    });
    this.pending = next;
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async scanOnce(forced: boolean): Promise<ScanReport> {
    const report: ScanReport = { changed: [], removed: [], invalid: [], ignored: [], retrying: [] };
    const files = await this.listFiles(report);
    const known = await this.repository.availableDefinitions();

    await forEachLimited(files, this.config.plugins.workers, async (file) => {
      try {
        await this.scanFile(file, known, report, forced);
      } catch (err) {
        // Not expected (each step handles its own failures); still, one file never stops the scan.
        const reason = printable(`scan failed: ${(err as Error).message}`, 500);
        report.ignored.push({ file: file.path, reason });
      }
    });

    const present = new Set(files.map((f) => `${f.pluginType}/${f.pluginId}`));
    const gone = [...known.keys()].filter((key) => !present.has(key));
    if (gone.length > 0) {
      await this.repository.markUnavailable(gone);
      report.removed.push(...gone);
    }
    const goneIds: string[] = [];
    for (const [key, entry] of this.seen) {
      if (present.has(key)) continue;
      goneIds.push(entry.id);
      this.seen.delete(key);
    }
    for (const key of this.retries.keys()) if (!present.has(key)) this.retries.delete(key);
    if (goneIds.length > 0) this.events.emit('plugins.changed', { definitionIds: goneIds });

    if (report.changed.length || report.removed.length) {
      this.logger.info({ changed: report.changed, removed: report.removed, invalid: report.invalid }, 'plugin definitions updated');
    }
    for (const ignored of report.ignored) this.logger.warn(ignored, 'not a plugin script');
    return report;
  }

  private async scanFile(file: PluginFile, known: Map<string, { id: string; sha256: string; valid: boolean }>, report: ScanReport, forced: boolean): Promise<void> {
    const key = `${file.pluginType}/${file.pluginId}`;
    let source: string;
    try {
      source = await readFile(file.path, 'utf8');
    } catch (err) {
      report.ignored.push({ file: file.path, reason: `cannot be read: ${(err as Error).message}` });
      return;
    }
    const hash = sha256(source);
    const version = `${key}@${hash}`;
    const stored = known.get(key);
    if (stored?.sha256 === hash && (stored.valid || (this.judged.has(version) && !forced))) {
      this.noticed(key, stored.id, hash);
      return;
    }

    const now = this.clock.now().getTime();
    const retry = this.retries.get(key);
    if (retry?.sha256 === hash && now < retry.notBefore && !forced) {
      report.retrying.push({ plugin: key, reason: 'waiting to be inspected again' });
      return;
    }

    const inspection = await this.inspector.inspect(file.pluginType, file.pluginId, source);
    if (inspection.kind === 'retry') {
      this.scheduleRetry(key, hash, inspection.reason, retry?.sha256 === hash ? retry.attempts + 1 : 1);
      report.retrying.push({ plugin: key, reason: inspection.reason });
      return;
    }
    this.retries.delete(key);
    this.judged.add(version);
    const scanned = inspection.plugin;
    if (stored?.sha256 === hash && stored.valid === scanned.valid) {
      // The same verdict again (an invalid row looked at once more): nothing to write.
      if (!scanned.valid) report.invalid.push({ plugin: key, reason: scanned.invalidReason ?? 'invalid' });
      this.noticed(key, stored.id, hash);
      return;
    }
    const saved = await this.store(key, scanned);
    if (saved === null) return;
    if (!saved.valid) report.invalid.push({ plugin: key, reason: saved.invalidReason ?? 'invalid' });
    report.changed.push(key);
    this.noticed(key, saved.id, hash);
  }

  /** Stores a verdict; when the database refuses it, an invalid row saying why; null if neither. */
  private async store(key: string, scanned: ScannedPlugin): Promise<{ id: string; valid: boolean; invalidReason: string | null } | null> {
    try {
      return { id: await this.repository.upsert(scanned), valid: scanned.valid, invalidReason: scanned.invalidReason };
    } catch (err) {
      const invalidReason = printable(`the definition could not be stored: ${(err as Error).message}`, 500);
      const fallback: ScannedPlugin = {
        ...scanned,
        version: DEFAULT_VERSION,
        source: '',
        functions: [],
        hasAdminPage: false,
        configSchema: null,
        channel: null,
        valid: false,
        invalidReason,
      };
      try {
        return { id: await this.repository.upsert(fallback), valid: false, invalidReason };
      } catch (again) {
        const version = `${key}@${scanned.sha256}`;
        if (!this.unstorable.has(version)) {
          this.unstorable.add(version);
          this.logger.warn({ plugin: key, error: printable((again as Error).message, 500) }, 'plugin definition cannot be stored; skipped until the next scan');
        }
        return null;
      }
    }
  }

  /** This process's runtime hears of each version once, as soon as its row is in the table. */
  private noticed(key: string, id: string, hash: string): void {
    if (this.seen.get(key)?.sha256 === hash) return;
    this.seen.set(key, { id, sha256: hash });
    this.events.emit('plugins.changed', { definitionIds: [id] });
  }

  private scheduleRetry(key: string, hash: string, reason: string, attempts: number): void {
    const delay = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), this.config.plugins.scanIntervalMs);
    this.retries.set(key, { sha256: hash, attempts, notBefore: this.clock.now().getTime() + delay });
    this.logger.warn({ plugin: key, reason, attempts, retry_in_ms: delay }, 'the sandbox could not inspect a plugin file; trying again');
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.stopped) this.scan().catch((err: unknown) => this.logger.error({ err }, 'plugin scan failed'));
    }, delay + 10);
    timer.unref();
    this.retryTimers.add(timer);
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
      let inDir;
      try {
        inDir = await readdir(join(root, dir.name), { withFileTypes: true });
      } catch (err) {
        report.ignored.push({ file: join(root, dir.name), reason: `cannot be read: ${(err as Error).message}` });
        continue;
      }
      for (const file of inDir) {
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
    this.poller = setInterval(trigger, this.config.plugins.scanIntervalMs);
    this.poller.unref();
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
