import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOutboxAndNotificationRecords1796171512145 implements MigrationInterface {
  name = 'CreateOutboxAndNotificationRecords1796171512145';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "outbox_events" ("id" uuid NOT NULL, "event_id" character varying(200) NOT NULL, "event_type" character varying(100) NOT NULL, "event_version" character varying(20) NOT NULL, "source" character varying(200), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "data" jsonb NOT NULL, "trace_id" character varying(64), "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_6689a16c00d09b8089f6237f1d2" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "outbox_events_processed_idx" ON "outbox_events"  ("processed_at") WHERE "status" = 'processed'`);
    await queryRunner.query(`CREATE INDEX "outbox_events_due_idx" ON "outbox_events"  ("next_attempt_at") WHERE "status" = 'pending'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "outbox_events_event_id_unique" ON "outbox_events"  ("event_id") `);
    await queryRunner.query(`CREATE TABLE "notification_attempts" ("id" uuid NOT NULL, "record_id" uuid NOT NULL, "attempt_no" integer NOT NULL, "worker_id" character varying(120) NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, "outcome" character varying(20) NOT NULL, "error_code" character varying(64), "error_message" text, "retry_after_seconds" integer, "request_payload" jsonb, "response_payload" jsonb, CONSTRAINT "PK_f6abd34f351bbbf11c7ae8e7565" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "notification_attempts_record_unique" ON "notification_attempts"  ("record_id", "attempt_no") `);
    await queryRunner.query(`CREATE TABLE "notification_records" ("id" uuid NOT NULL, "dedup_key" character varying(64) NOT NULL, "event_id" character varying(200) NOT NULL, "event_type" character varying(100) NOT NULL, "interface_id" uuid NOT NULL, "channel_type" character varying(16) NOT NULL, "plugin_id" character varying(64) NOT NULL, "channel_name" character varying(200) NOT NULL, "recipient" character varying(320), "recipients" jsonb NOT NULL, "title" text NOT NULL, "body" text NOT NULL, "data" jsonb NOT NULL, "metadata" jsonb NOT NULL, "language" character varying(20), "template_id" uuid, "template_version" integer, "status" character varying(16) NOT NULL, "attempt_count" integer NOT NULL DEFAULT '0', "max_attempts" integer NOT NULL, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_expires_at" TIMESTAMP WITH TIME ZONE, "claimed_by" character varying(120), "last_error_code" character varying(64), "last_error_message" text, "provider_message_id" character varying(200), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "trace_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_d61a23fc30d72aed25034a23cc3" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "notification_records_event_idx" ON "notification_records"  ("event_id") `);
    await queryRunner.query(`CREATE INDEX "notification_records_created_idx" ON "notification_records"  ("created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "notification_records_lease_idx" ON "notification_records"  ("lease_expires_at") WHERE "status" = 'sending'`);
    await queryRunner.query(`CREATE INDEX "notification_records_due_idx" ON "notification_records"  ("next_attempt_at") WHERE "status" IN ('queued', 'failed')`);
    await queryRunner.query(`CREATE UNIQUE INDEX "notification_records_dedup_unique" ON "notification_records"  ("dedup_key") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."notification_records_dedup_unique"`);
    await queryRunner.query(`DROP INDEX "public"."notification_records_due_idx"`);
    await queryRunner.query(`DROP INDEX "public"."notification_records_lease_idx"`);
    await queryRunner.query(`DROP INDEX "public"."notification_records_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."notification_records_event_idx"`);
    await queryRunner.query(`DROP TABLE "notification_records"`);
    await queryRunner.query(`DROP INDEX "public"."notification_attempts_record_unique"`);
    await queryRunner.query(`DROP TABLE "notification_attempts"`);
    await queryRunner.query(`DROP INDEX "public"."outbox_events_event_id_unique"`);
    await queryRunner.query(`DROP INDEX "public"."outbox_events_due_idx"`);
    await queryRunner.query(`DROP INDEX "public"."outbox_events_processed_idx"`);
    await queryRunner.query(`DROP TABLE "outbox_events"`);
  }
}
