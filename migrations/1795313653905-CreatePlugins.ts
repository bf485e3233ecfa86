import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePlugins1795313653905 implements MigrationInterface {
  name = 'CreatePlugins1795313653905';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "plugins" ("id" uuid NOT NULL, "plugin_type" character varying(32) NOT NULL, "plugin_id" character varying(64) NOT NULL, "version" character varying(64) NOT NULL, "source" text NOT NULL, "sha256" character(64) NOT NULL, "functions" text array NOT NULL, "has_admin_page" boolean NOT NULL, "config_schema" jsonb, "channel" character varying(16), "valid" boolean NOT NULL, "invalid_reason" text, "available" boolean NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bb3d17826b76295957a253ba73e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "plugins_type_id_unique" ON "plugins"  ("plugin_type", "plugin_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."plugins_type_id_unique"`);
    await queryRunner.query(`DROP TABLE "plugins"`);
  }
}
