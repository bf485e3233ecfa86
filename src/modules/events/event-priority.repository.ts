import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An admin's choice for one event type, as stored. */
export interface StoredPriority {
  eventType: string;
  rank: number;
  updatedBy: string | null;
  updatedAt: Date;
}

/** The only place that queries event_priorities (the outbox insert reads it too, in its own statement). */
@Injectable()
export class EventPriorityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<StoredPriority[]> {
    const rows = await this.dataSource.query<{ event_type: string; priority: number; updated_by: string | null; updated_at: Date }[]>(
      `SELECT event_type, priority, updated_by, updated_at FROM event_priorities ORDER BY event_type`,
    );
    return rows.map((r) => ({ eventType: r.event_type, rank: r.priority, updatedBy: r.updated_by, updatedAt: r.updated_at }));
  }

  async set(eventType: string, rank: number, updatedBy: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO event_priorities (event_type, priority, updated_by, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (event_type) DO UPDATE SET priority = excluded.priority, updated_by = excluded.updated_by, updated_at = now()`,
      [eventType, rank, updatedBy],
    );
  }

  async clear(eventType: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM event_priorities WHERE event_type = $1`, [eventType]);
  }
}
