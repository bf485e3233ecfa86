import { pino } from 'pino';
import { Scrape } from '../../../test/support/prometheus-text.js';
import { FastCounter } from './fast-counter.js';
import { FastHistogram } from './fast-histogram.js';
import { MetricsService } from './metrics.service.js';

const silent = pino({ level: 'silent' });

describe('MetricsService', () => {
  it('renders FastCounter and FastHistogram series as Prometheus counters and cumulative histograms', async () => {
    const metrics = new MetricsService(silent);
    const counter = new FastCounter<'method'>('t_calls_total', 'Calls');
    const histogram = new FastHistogram<'method'>('t_call_seconds', 'Call time', [0.01, 0.1, 1]);
    metrics.expose(counter);
    metrics.expose(histogram);
    const a = counter.seriesFor({ method: 'a "quoted"\\name' });
    a.inc();
    a.inc();
    const h = histogram.seriesFor({ method: 'a' });
    for (const seconds of [0.005, 0.01, 0.05, 0.5, 3]) h.observe(seconds);

    const text = await metrics.scrape();
    expect(text).toContain('# TYPE t_calls_total counter');
    expect(text).toContain('# TYPE t_call_seconds histogram');
    const scrape = new Scrape(text);
    expect(scrape.value('t_calls_total', { method: 'a "quoted"\\name' })).toBe(2);
    expect(scrape.find('t_call_seconds_bucket', { method: 'a' }).map((s) => [s.labels.le, s.value])).toEqual([
      ['0.01', 2],
      ['0.1', 3],
      ['1', 4],
      ['+Inf', 5],
    ]);
    expect(scrape.value('t_call_seconds_count', { method: 'a' })).toBe(5);
    expect(scrape.value('t_call_seconds_sum', { method: 'a' })).toBeCloseTo(3.565);
  });

  it('reports everything else when a collector throws, and leaves its gauges out', async () => {
    const metrics = new MetricsService(silent);
    const good = metrics.gauge({ name: 't_good', help: 'g' });
    const bad = metrics.gauge({ name: 't_bad', help: 'b' });
    const badByKind = metrics.gauge({ name: 't_bad_by_kind', help: 'b', labelNames: ['kind'] });
    let fail = false;
    metrics.onScrape({ name: 'good', gauges: [good], collect: () => Promise.resolve(good.set(7)) });
    metrics.onScrape({
      name: 'bad',
      gauges: [bad, badByKind],
      collect: async () => {
        if (fail) throw new Error('database down');
        bad.set(3);
        badByKind.set({ kind: 'x' }, 1);
      },
    });

    let scrape = new Scrape(await metrics.scrape());
    expect([scrape.value('t_bad'), scrape.value('t_bad_by_kind', { kind: 'x' }), scrape.value('switchboard_metrics_collector_up', { collector: 'bad' })]).toEqual([3, 1, 1]);

    fail = true;
    scrape = new Scrape(await metrics.scrape());
    expect(scrape.value('t_good')).toBe(7);
    // Left out, not reported as 0.
    expect(scrape.value('t_bad')).toBeUndefined();
    expect(scrape.find('t_bad_by_kind')).toEqual([]);
    expect(scrape.value('switchboard_metrics_collector_up', { collector: 'bad' })).toBe(0);
    expect(scrape.value('switchboard_metrics_collector_up', { collector: 'good' })).toBe(1);
  });

  it('does not wait longer than the timeout for a collector, and joins the one still running instead of starting another', async () => {
    const metrics = new MetricsService(silent);
    const slow = metrics.gauge({ name: 't_slow', help: 's' });
    let started = 0;
    let hang = true;
    let finish: () => void = () => undefined;
    metrics.onScrape({
      name: 'slow',
      gauges: [slow],
      timeoutMs: 50,
      collect: () => {
        started++;
        if (!hang) return Promise.resolve(slow.set(2));
        return new Promise<void>((resolve) => {
          finish = () => {
            slow.set(1);
            resolve();
          };
        });
      },
    });

    const startedAt = Date.now();
    const first = new Scrape(await metrics.scrape());
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(first.value('switchboard_metrics_collector_up', { collector: 'slow' })).toBe(0);
    const second = new Scrape(await metrics.scrape());
    expect(second.value('switchboard_metrics_collector_up', { collector: 'slow' })).toBe(0);
    expect(started).toBe(1);

    hang = false;
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    const third = new Scrape(await metrics.scrape());
    expect(started).toBe(2);
    expect(third.value('switchboard_metrics_collector_up', { collector: 'slow' })).toBe(1);
    expect(third.value('t_slow')).toBe(2);
  });

  it('keeps one registry per instance', async () => {
    const one = new MetricsService(silent);
    const two = new MetricsService(silent);
    one.counter({ name: 't_only_here_total', help: 'x' }).inc();
    expect(await one.scrape()).toContain('t_only_here_total 1');
    expect(await two.scrape()).not.toContain('t_only_here_total');
  });
});
