import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * notification_settings (each recipient's channel switches, own targets and event
 * opt-outs, keyed by user id or address); notification_records.target (a personal webhook/chat
 * URL the record is sent to instead of the notifier's default); outbox_events.deliver_at (a
 * scheduled event, whose records are planned queued with next_attempt_at = deliver_at).
 */
export class CreateNotificationSettings1796191566796 implements MigrationInterface {
  name = 'CreateNotificationSettings1796191566796';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "notification_settings" ("subject_kind" character varying(16) NOT NULL, "subject" character varying(320) NOT NULL, "channels" jsonb NOT NULL, "muted_events" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_37b4c3fddce3d47c4c6106344e7" PRIMARY KEY ("subject_kind", "subject"))`);
    await queryRunner.query(`ALTER TABLE "outbox_events" ADD "deliver_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "notification_records" ADD "target" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_records" DROP COLUMN "target"`);
    await queryRunner.query(`ALTER TABLE "outbox_events" DROP COLUMN "deliver_at"`);
    await queryRunner.query(`DROP TABLE "notification_settings"`);
  }
}
