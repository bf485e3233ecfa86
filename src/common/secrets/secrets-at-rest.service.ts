import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { LOGGER } from '../tokens.js';
import { SecretBox } from './secret-box.js';

/** A table that stores sealed values: it can seal again what is not sealed with the current key (on `db`: the lock's connection). */
export interface SealedStore {
  readonly sealedColumns: string;
  resealSecrets(db: EntityManager): Promise<number>;
}

/** Arbitrary constant key: one process at a time reseals (replicas that boot together wait). */
const RESEAL_LOCK_KEY = 7_243_911_002;

/**
 * Secrets at rest (docs/foundation.md, "Secrets at rest"): the repositories that store sealed
 * values register here; at boot, once the schema is current, everything is sealed with the current
 * key unless `secrets_at_rest` says it already was — the first boot after the upgrade that
 * introduced sealing (rows written before are sealed then), and the first boot after the current
 * key changed (the rotation: the old key must still be in SECRETS_KEY for that boot). `npm run
 * secrets:rotate` runs the same reseal on demand and reports it.
 */
@Injectable()
export class SecretsAtRest implements OnApplicationBootstrap {
  private readonly stores: SealedStore[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  register(store: SealedStore): void {
    this.stores.push(store);
  }

  async onApplicationBootstrap(): Promise<void> {
    const [state] = await this.dataSource.query<{ key_id: string | null }[]>('SELECT key_id FROM secrets_at_rest WHERE id = 1');
    if (state?.key_id === this.box.currentKeyId) return;
    const resealed = await this.resealAll();
    this.logger.info({ key_id: this.box.currentKeyId, resealed }, 'secrets at rest sealed with the current key');
  }

  /**
   * Seals every stored secret with the current key, under a lock, all on the lock's connection (the
   * embedded PGlite and the CLI have one); rows rewritten per store.
   */
  async resealAll(): Promise<Record<string, number>> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [RESEAL_LOCK_KEY]);
      try {
        const counts: Record<string, number> = {};
        for (const store of this.stores) counts[store.sealedColumns] = await store.resealSecrets(runner.manager);
        await runner.query('UPDATE secrets_at_rest SET key_id = $1, sealed_at = now() WHERE id = 1', [this.box.currentKeyId]);
        return counts;
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RESEAL_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}
