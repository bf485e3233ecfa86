import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePluginInterfaces1796164199114 implements MigrationInterface {
  name = 'CreatePluginInterfaces1796164199114';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "plugin_interfaces" ("id" uuid NOT NULL, "plugin_def_id" uuid NOT NULL, "plugin_type" character varying(32) NOT NULL, "plugin_id" character varying(64) NOT NULL, "display_name" character varying(200) NOT NULL, "enabled" boolean NOT NULL, "config" jsonb NOT NULL, "config_schema" jsonb NOT NULL, "plugin_version" character varying(64) NOT NULL, "has_admin_page" boolean NOT NULL, "is_healthy" boolean NOT NULL DEFAULT false, "health_error" text, "last_check_at" TIMESTAMP WITH TIME ZONE, "spec_template" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_241b71536d6fa5a7548c361700c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "plugin_interfaces_type_idx" ON "plugin_interfaces"  ("plugin_type") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "plugin_interfaces_def_name_unique" ON "plugin_interfaces"  ("plugin_def_id", "display_name") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."plugin_interfaces_def_name_unique"`);
    await queryRunner.query(`DROP INDEX "public"."plugin_interfaces_type_idx"`);
    await queryRunner.query(`DROP TABLE "plugin_interfaces"`);
  }
}
