import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePluginHealthSweeps1796164874668 implements MigrationInterface {
  name = 'CreatePluginHealthSweeps1796164874668';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "plugin_health_sweeps" ("tick_at" TIMESTAMP WITH TIME ZONE NOT NULL, "swept_by" character varying(200) NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, "checked" integer NOT NULL DEFAULT '0', "unhealthy" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_9426554c66e2bc24564bc8cbacb" PRIMARY KEY ("tick_at"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "plugin_health_sweeps"`);
  }
}
