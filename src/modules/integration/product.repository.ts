import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface ProductUpsert {
  id: string;
  externalId: string;
  name: string;
  description: string | null;
  price: string | null;
  currency: string | null;
  billingCycle: string | null;
  specs: Record<string, unknown>;
}

export interface UpsertedProduct {
  id: string;
  externalId: string;
  name: string;
  created: boolean;
}

/** The only place that queries products. */
@Injectable()
export class ProductRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Upserts the provider's current list for one interface in one transaction and marks every
   * product of that interface not in the list unavailable. `products` must have distinct externalIds.
   */
  async replaceListing(interfaceId: string, products: ProductUpsert[]): Promise<UpsertedProduct[]> {
    return this.dataSource.transaction(async (manager) => {
      const out: UpsertedProduct[] = [];
      for (const p of products) {
        const [row] = await manager.query<{ id: string; created: boolean }[]>(
          `INSERT INTO products (id, interface_id, external_id, name, description, price, currency, billing_cycle, specs, available)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, true)
           ON CONFLICT (interface_id, external_id) DO UPDATE SET
             name = EXCLUDED.name, description = EXCLUDED.description, price = EXCLUDED.price, currency = EXCLUDED.currency,
             billing_cycle = EXCLUDED.billing_cycle, specs = EXCLUDED.specs, available = true, updated_at = now()
           RETURNING id, (xmax = 0) AS created`,
          [p.id, interfaceId, p.externalId, p.name, p.description, p.price, p.currency, p.billingCycle, JSON.stringify(p.specs)],
        );
        out.push({ id: row.id, externalId: p.externalId, name: p.name, created: row.created });
      }
      await manager.query(
        `UPDATE products SET available = false, updated_at = now() WHERE interface_id = $1 AND available AND NOT (external_id = ANY($2::varchar[]))`,
        [interfaceId, products.map((p) => p.externalId)],
      );
      return out;
    });
  }

  /** For tests and reads: the products of one interface, by external id. */
  async listByInterface(interfaceId: string): Promise<{ id: string; externalId: string; name: string; available: boolean; price: string | null }[]> {
    return this.dataSource.query(
      `SELECT id, external_id AS "externalId", name, available, price FROM products WHERE interface_id = $1 ORDER BY external_id`,
      [interfaceId],
    );
  }
}
