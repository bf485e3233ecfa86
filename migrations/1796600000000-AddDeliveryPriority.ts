import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery priority (docs/delivery.md, "Priority"): high work is claimed ahead of bulk, by the
 * relay (outbox_events.priority) and by the dispatcher (notification_records.priority), each lane
 * through its own partial index; event_priorities holds what an admin chose per event type. Work
 * already waiting of the types high by default (the transactional ones) is moved to the high lane.
 */
export class AddDeliveryPriority1796600000000 implements MigrationInterface {
  name = 'AddDeliveryPriority1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox_events" ADD "priority" smallint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "notification_records" ADD "priority" smallint NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `CREATE TABLE "event_priorities" ("event_type" character varying(100) NOT NULL, "priority" smallint NOT NULL, "updated_by" character varying(200), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_event_priorities" PRIMARY KEY ("event_type"))`,
    );
    await queryRunner.query(`UPDATE "outbox_events" SET "priority" = 1 WHERE "status" = 'pending' AND "event_type" IN ('password.reset_requested', 'order_paid')`);
    await queryRunner.query(`UPDATE "notification_records" SET "priority" = 1 WHERE "status" IN ('queued', 'failed', 'sending') AND "event_type" IN ('password.reset_requested', 'order_paid')`);
    await queryRunner.query(`CREATE INDEX "outbox_events_due_high_idx" ON "outbox_events" ("next_attempt_at") WHERE "status" = 'pending' AND "priority" > 0`);
    await queryRunner.query(`CREATE INDEX "notification_records_due_high_idx" ON "notification_records" ("next_attempt_at") WHERE "status" IN ('queued', 'failed') AND "priority" > 0`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."notification_records_due_high_idx"`);
    await queryRunner.query(`DROP INDEX "public"."outbox_events_due_high_idx"`);
    await queryRunner.query(`DROP TABLE "event_priorities"`);
    await queryRunner.query(`ALTER TABLE "notification_records" DROP COLUMN "priority"`);
    await queryRunner.query(`ALTER TABLE "outbox_events" DROP COLUMN "priority"`);
  }
}
