import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * plugin_interfaces_version: one row whose counter every statement that writes plugin_interfaces
 * raises in its own transaction (statement-level trigger, so a sweep of 1,000 health results is
 * 1,000 raises, an UPDATE of many rows one). Readers check it to know, in one primary-key lookup,
 * whether the table changed since they last listed it (PluginInterfaceRepository.list).
 */
export class AddPluginInterfacesVersion1796174398199 implements MigrationInterface {
  name = 'AddPluginInterfacesVersion1796174398199';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "plugin_interfaces_version" ("id" smallint NOT NULL, "version" bigint NOT NULL, CONSTRAINT "PK_b23387e49a3447e30249391cc40" PRIMARY KEY ("id"))`);
    await queryRunner.query(`INSERT INTO "plugin_interfaces_version" ("id", "version") VALUES (1, 1)`);
    await queryRunner.query(`CREATE FUNCTION "plugin_interfaces_version_raise"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "plugin_interfaces_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END
$$`);
    await queryRunner.query(`CREATE TRIGGER "plugin_interfaces_version_raise" AFTER INSERT OR UPDATE OR DELETE ON "plugin_interfaces" FOR EACH STATEMENT EXECUTE FUNCTION "plugin_interfaces_version_raise"()`);
    await queryRunner.query(`CREATE TRIGGER "plugin_interfaces_version_raise_truncate" AFTER TRUNCATE ON "plugin_interfaces" FOR EACH STATEMENT EXECUTE FUNCTION "plugin_interfaces_version_raise"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "plugin_interfaces_version_raise_truncate" ON "plugin_interfaces"`);
    await queryRunner.query(`DROP TRIGGER "plugin_interfaces_version_raise" ON "plugin_interfaces"`);
    await queryRunner.query(`DROP FUNCTION "plugin_interfaces_version_raise"()`);
    await queryRunner.query(`DROP TABLE "plugin_interfaces_version"`);
  }
}
