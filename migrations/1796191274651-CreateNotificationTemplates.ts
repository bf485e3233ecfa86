import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 002's templates: notification_templates (one row per template, its current text and
 * version), notification_template_versions (the text of every version, so a record's
 * template_id/template_version can be looked up) and notification_templates_version, the one-row
 * counter a statement-level trigger raises on every write to notification_templates (the same
 * pattern as plugin_interfaces_version): processes that keep templates in memory (the planner)
 * check it once per batch.
 */
export class CreateNotificationTemplates1796191274651 implements MigrationInterface {
  name = 'CreateNotificationTemplates1796191274651';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "notification_templates" ("id" uuid NOT NULL, "name" character varying(100) NOT NULL, "type" character varying(16) NOT NULL, "language" character varying(35) NOT NULL, "trigger_event" character varying(100), "subject" text, "content" text NOT NULL, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_76f0fc48b8d057d2ae7f3a2848a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "notification_templates_trigger_unique" ON "notification_templates"  ("trigger_event", "type", "language") WHERE "trigger_event" IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "notification_templates_name_unique" ON "notification_templates"  ("name") `);
    await queryRunner.query(`CREATE TABLE "notification_template_versions" ("template_id" uuid NOT NULL, "version" integer NOT NULL, "subject" text, "content" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a19793167c19ab7dd6c14365a47" PRIMARY KEY ("template_id", "version"))`);
    await queryRunner.query(`CREATE TABLE "notification_templates_version" ("id" smallint NOT NULL, "version" bigint NOT NULL, CONSTRAINT "PK_5372b326bee44d06e78f7e7f88b" PRIMARY KEY ("id"))`);
    await queryRunner.query(`INSERT INTO "notification_templates_version" ("id", "version") VALUES (1, 1)`);
    await queryRunner.query(`CREATE FUNCTION "notification_templates_version_raise"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "notification_templates_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END
$$`);
    await queryRunner.query(`CREATE TRIGGER "notification_templates_version_raise" AFTER INSERT OR UPDATE OR DELETE ON "notification_templates" FOR EACH STATEMENT EXECUTE FUNCTION "notification_templates_version_raise"()`);
    await queryRunner.query(`CREATE TRIGGER "notification_templates_version_raise_truncate" AFTER TRUNCATE ON "notification_templates" FOR EACH STATEMENT EXECUTE FUNCTION "notification_templates_version_raise"()`);
    await queryRunner.query(`ALTER TABLE "notification_template_versions" ADD CONSTRAINT "FK_8fc4c54b3db58455c09881e5063" FOREIGN KEY ("template_id") REFERENCES "notification_templates"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_template_versions" DROP CONSTRAINT "FK_8fc4c54b3db58455c09881e5063"`);
    await queryRunner.query(`DROP TRIGGER "notification_templates_version_raise_truncate" ON "notification_templates"`);
    await queryRunner.query(`DROP TRIGGER "notification_templates_version_raise" ON "notification_templates"`);
    await queryRunner.query(`DROP FUNCTION "notification_templates_version_raise"()`);
    await queryRunner.query(`DROP TABLE "notification_templates_version"`);
    await queryRunner.query(`DROP TABLE "notification_template_versions"`);
    await queryRunner.query(`DROP INDEX "public"."notification_templates_name_unique"`);
    await queryRunner.query(`DROP INDEX "public"."notification_templates_trigger_unique"`);
    await queryRunner.query(`DROP TABLE "notification_templates"`);
  }
}
