import type { ExposedMetric, ExposedValue } from './metrics.service.js';

/** One label set's share of a FastCounter; keep it and call inc() on the hot path. */
export interface CounterSeries {
  inc(): void;
}

class Series implements CounterSeries {
  value = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  inc(): void {
    this.value++;
  }
}

/**
 * A Prometheus counter whose inc() is one increment on a series handle the caller keeps (see
 * FastHistogram for why prom-client's Counter is not used on the per-call path).
 */
export class FastCounter<L extends string> implements ExposedMetric {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** A new series for this label set: call once per label set and keep the handle. */
  seriesFor(labels: Record<L, string>): CounterSeries {
    const series = new Series({ ...labels });
    this.series.push(series);
    return series;
  }

  get(): Promise<{ name: string; help: string; type: 'counter'; aggregator: 'sum'; values: ExposedValue[] }> {
    const values = this.series.map((s) => ({ labels: s.labels, value: s.value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    for (const s of this.series) s.value = 0;
  }
}
