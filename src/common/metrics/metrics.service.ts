import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from 'prom-client';
import { LOGGER } from '../tokens.js';

/** One sample in prom-client's exposition shape (what its metrics' get() return). */
export interface ExposedValue {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  /** e.g. `<name>_bucket`; the metric's name when absent. */
  metricName?: string;
}

/** A metric kept outside prom-client's classes but rendered by its Registry (FastCounter, FastHistogram). */
export interface ExposedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExposedValue[] }>;
  reset(): void;
}

/**
 * Gauges read from somewhere slow (the database) when Prometheus scrapes, instead of kept up to
 * date on every change.
 */
export interface ScrapeCollector {
  /** The `collector` label of switchboard_metrics_collector_up, and the name in the warning. */
  name: string;
  /** The gauges collect() sets: left out of a scrape whose collect() failed or was too slow. */
  gauges: Gauge<string>[];
  collect(): Promise<void>;
  /** How long a scrape waits for collect(); default 2 s (Prometheus' own scrape timeout is 10 s). */
  timeoutMs?: number;
}

const DEFAULT_COLLECT_TIMEOUT_MS = 2_000;

interface CollectorState {
  collector: ScrapeCollector;
  /** The collect() still running, which a concurrent or later scrape joins instead of starting another. */
  running: Promise<void> | null;
}

type Options<C> = Omit<C, 'registers'>;

/**
 * This app instance's metrics: one prom-client Registry per app (never prom-client's global
 * registry: several apps share a process in tests, and each counts only its own work), Node's
 * default process metrics on it, factories that register what modules create, and the scrape.
 *
 * It knows no module: each module registers its own metrics and collectors here (delivery,
 * outbox, plugin calls); CallMetrics records the transports' calls.
 *
 * A scrape never fails because a collector does: a collector that throws or does not answer within
 * its timeout has its gauges left out (switchboard_metrics_collector_up{collector} 0 says so, and a
 * warning is logged), and everything else is reported. A collector still running from an earlier
 * scrape is joined, not started again, so a slow database does not pile up queries.
 */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();
  private readonly collectors: CollectorState[] = [];
  /** Gauges without labels: clearing one means removing its only sample (reset() would report 0). */
  private readonly unlabelled = new WeakSet<Gauge<string>>();
  private readonly collectorUp: Gauge<'collector'>;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry });
    this.collectorUp = this.gauge({
      name: 'switchboard_metrics_collector_up',
      help: 'Whether the last scrape-time collection of this collector succeeded (1) or failed or timed out (0)',
      labelNames: ['collector'],
    });
  }

  counter<L extends string = never>(options: Options<CounterConfiguration<L>>): Counter<L> {
    return new Counter({ ...options, registers: [this.registry] });
  }

  gauge<L extends string = never>(options: Options<GaugeConfiguration<L>>): Gauge<L> {
    const gauge = new Gauge({ ...options, registers: [this.registry] });
    if (!options.labelNames?.length) this.unlabelled.add(gauge);
    return gauge;
  }

  histogram<L extends string = never>(options: Options<HistogramConfiguration<L>>): Histogram<L> {
    return new Histogram({ ...options, registers: [this.registry] });
  }

  /**
   * Adds a metric kept outside prom-client's classes. The Registry renders any object with its
   * metrics' shape (name, help, type, get(), reset()); its types only name its own classes.
   */
  expose(metric: ExposedMetric): void {
    this.registry.registerMetric(metric as unknown as Metric);
  }

  onScrape(collector: ScrapeCollector): void {
    this.collectors.push({ collector, running: null });
  }

  /** The Prometheus text exposition of everything registered, after running the scrape collectors. */
  async scrape(): Promise<string> {
    await Promise.all(this.collectors.map((state) => this.collect(state)));
    return this.registry.metrics();
  }

  private async collect(state: CollectorState): Promise<void> {
    const { collector } = state;
    const timeoutMs = collector.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
    state.running ??= Promise.resolve()
      .then(() => collector.collect())
      .finally(() => {
        state.running = null;
      });
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([state.running, tooSlow]);
      this.collectorUp.set({ collector: collector.name }, 1);
    } catch (err) {
      for (const gauge of collector.gauges) this.clear(gauge);
      this.collectorUp.set({ collector: collector.name }, 0);
      this.logger.warn({ err, collector: collector.name }, `metrics: the ${collector.name} collector failed; its gauges are left out of this scrape`);
    } finally {
      clearTimeout(timer);
    }
  }

  private clear(gauge: Gauge<string>): void {
    if (this.unlabelled.has(gauge)) gauge.remove();
    else gauge.reset();
  }
}
