import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface InstanceRecord {
  id: string;
  interfaceId: string;
  providerInstanceId: string;
  status: string;
  ipAddress: string | null;
  origin: 'ordered' | 'imported';
}

/** The only place that queries instances. */
@Injectable()
export class InstanceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts the instance, or refreshes the status and address of the row already recorded for
   * the same interface and provider instance id (keeping its id and origin); returns the local id.
   */
  async record(row: InstanceRecord): Promise<string> {
    const [saved] = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO instances (id, interface_id, provider_instance_id, status, ip_address, origin)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (interface_id, provider_instance_id) DO UPDATE SET status = EXCLUDED.status, ip_address = EXCLUDED.ip_address, updated_at = now()
       RETURNING id`,
      [row.id, row.interfaceId, row.providerInstanceId, row.status, row.ipAddress, row.origin],
    );
    return saved.id;
  }

  async count(interfaceId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM instances WHERE interface_id = $1`, [interfaceId]);
    return n;
  }
}
