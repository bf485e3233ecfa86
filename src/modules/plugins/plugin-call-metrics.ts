import { Injectable } from '@nestjs/common';
import { FastHistogram, type HistogramSeries } from '../../common/metrics/fast-histogram.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import type { PluginDefinition } from './plugins.types.js';

type Outcome = 'ok' | 'error';

const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A function the definition does not have (refused before running): one series, not one per name asked for. */
const UNKNOWN_FUNCTION = '(unknown)';

/**
 * switchboard_plugin_call_duration_seconds{plugin_type, plugin, function, outcome}: every call
 * PluginRuntime makes, including refusals and failures (`outcome="error"`: the call threw,
 * whatever the reason). A notifier's `temporary_fail` is a result, so `ok` here. Series handles
 * are kept per definition and function, so a call pays two Map lookups and a few increments.
 */
@Injectable()
export class PluginCallMetrics {
  private readonly durations = new FastHistogram<'plugin_type' | 'plugin' | 'function' | 'outcome'>(
    'switchboard_plugin_call_duration_seconds',
    'Duration of plugin function calls (sandbox round trip included), by plugin, function and outcome',
    CALL_BUCKETS,
  );
  private readonly series = new Map<string, Map<string, Record<Outcome, HistogramSeries>>>();

  constructor(metrics: MetricsService) {
    metrics.expose(this.durations);
  }

  record(definition: PluginDefinition, fn: string, outcome: Outcome, seconds: number): void {
    let byFunction = this.series.get(definition.id);
    if (byFunction === undefined) {
      byFunction = new Map();
      this.series.set(definition.id, byFunction);
    }
    const name = definition.functions.includes(fn) ? fn : UNKNOWN_FUNCTION;
    let series = byFunction.get(name);
    if (series === undefined) {
      const labels = { plugin_type: definition.pluginType, plugin: definition.pluginId, function: name };
      series = { ok: this.durations.seriesFor({ ...labels, outcome: 'ok' }), error: this.durations.seriesFor({ ...labels, outcome: 'error' }) };
      byFunction.set(name, series);
    }
    series[outcome].observe(seconds);
  }
}
