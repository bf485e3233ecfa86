import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProducts1796168106770 implements MigrationInterface {
  name = 'CreateProducts1796168106770';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "products" ("id" uuid NOT NULL, "interface_id" uuid NOT NULL, "external_id" character varying(200) NOT NULL, "name" character varying(500) NOT NULL, "description" text, "price" character varying(64), "currency" character varying(16), "billing_cycle" character varying(32), "specs" jsonb NOT NULL DEFAULT '{}', "available" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0806c755e0aca124e67c0cf6d7d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "products_interface_external_unique" ON "products"  ("interface_id", "external_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."products_interface_external_unique"`);
    await queryRunner.query(`DROP TABLE "products"`);
  }
}
