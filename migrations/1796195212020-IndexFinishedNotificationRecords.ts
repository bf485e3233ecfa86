import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexFinishedNotificationRecords1796195212020 implements MigrationInterface {
  name = 'IndexFinishedNotificationRecords1796195212020';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "notification_records_finished_idx" ON "notification_records"  ("updated_at") WHERE "status" IN ('sent', 'dead', 'skipped', 'cancelled')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."notification_records_finished_idx"`);
  }
}
