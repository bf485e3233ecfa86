import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal webhook targets get their own signing secret (they were signed with the notifier
 * interface's): a column for the secret a record was planned with, and a secret for every own
 * webhook target already saved. Their owners learn it by rotating it (docs/settings.md); until
 * then their endpoints see signatures they cannot check, which is what they saw before too.
 */
export class AddPersonalTargetSecrets1796400000000 implements MigrationInterface {
  name = 'AddPersonalTargetSecrets1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_records" ADD "target_secret" text`);
    const rows = (await queryRunner.query(`SELECT subject_kind, subject, channels FROM notification_settings WHERE channels @> '[{"channel": "webhook"}]'`)) as {
      subject_kind: string;
      subject: string;
      channels: { channel: string; target?: string | null; secret?: string | null }[];
    }[];
    for (const row of rows) {
      const channels = row.channels.map((c) => (c.channel === 'webhook' && c.target && !c.secret ? { ...c, secret: `whsec_${randomBytes(24).toString('base64')}` } : c));
      await queryRunner.query(`UPDATE notification_settings SET channels = $3::jsonb WHERE subject_kind = $1 AND subject = $2`, [row.subject_kind, row.subject, JSON.stringify(channels)]);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notification_records" DROP COLUMN "target_secret"`);
  }
}
