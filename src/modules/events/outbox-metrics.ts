import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * The outbox's gauges, read from the database at each scrape (one query through partial indexes):
 * events waiting to be planned, the age of the oldest of them (how far the relay is behind), and
 * dead events. Cluster-wide values: every replica reports the same, so aggregate with max().
 */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly outbox: OutboxRepository,
  ) {}

  onModuleInit(): void {
    const pending = this.metrics.gauge({ name: 'switchboard_outbox_pending_events', help: 'Outbox events not yet planned into notification records' });
    const lag = this.metrics.gauge({ name: 'switchboard_outbox_lag_seconds', help: 'Age of the oldest outbox event not yet planned; 0 when none' });
    const dead = this.metrics.gauge({ name: 'switchboard_outbox_dead_events', help: 'Outbox events given up on (bad type, version or payload, or planning failed too often)' });
    this.metrics.onScrape({
      name: 'outbox',
      gauges: [pending, lag, dead],
      collect: async () => {
        const stats = await this.outbox.stats();
        pending.set(stats.pending);
        lag.set(stats.lagSeconds);
        dead.set(stats.dead);
      },
    });
  }
}
