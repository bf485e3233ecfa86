import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who queued a manual record (the token subject of POST /send, scheduleNotification): only they and admins may read or cancel it. */
export class AddNotificationRecordSender1796300000000 implements MigrationInterface {
  name = 'AddNotificationRecordSender1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_records" ADD "sender_sub" character varying(200)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_records" DROP COLUMN "sender_sub"`);
  }
}
