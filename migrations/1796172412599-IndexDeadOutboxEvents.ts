import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexDeadOutboxEvents1796172412599 implements MigrationInterface {
  name = 'IndexDeadOutboxEvents1796172412599';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "outbox_events_dead_idx" ON "outbox_events"  ("created_at") WHERE "status" = 'dead'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."outbox_events_dead_idx"`);
  }
}
