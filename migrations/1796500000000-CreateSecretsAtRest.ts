import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which key every stored secret is sealed with (src/common/secrets/secrets-at-rest.service.ts):
 * null until the first boot that seals them, which also seals the rows written before (plugin
 * config secrets, own targets in settings and records) — that boot is this migration's second half.
 */
export class CreateSecretsAtRest1796500000000 implements MigrationInterface {
  name = 'CreateSecretsAtRest1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "secrets_at_rest" ("id" smallint PRIMARY KEY CHECK ("id" = 1), "key_id" character varying(32), "sealed_at" TIMESTAMP WITH TIME ZONE)`);
    await queryRunner.query(`INSERT INTO "secrets_at_rest" ("id") VALUES (1)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "secrets_at_rest"`);
  }
}
