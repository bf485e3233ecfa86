import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInstances1796168306897 implements MigrationInterface {
  name = 'CreateInstances1796168306897';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "instances" ("id" uuid NOT NULL, "interface_id" uuid NOT NULL, "provider_instance_id" character varying(200) NOT NULL, "status" character varying(64) NOT NULL, "ip_address" character varying(64), "origin" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_11862209053330b4765f7f54178" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "instances_interface_provider_unique" ON "instances"  ("interface_id", "provider_instance_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."instances_interface_provider_unique"`);
    await queryRunner.query(`DROP TABLE "instances"`);
  }
}
