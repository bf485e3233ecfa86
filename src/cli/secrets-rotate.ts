import { createLogger } from '../common/logging/logger.js';
import { runMigrationsLocked } from '../common/database/migrator.js';
import { resolveKeyring, SecretBox } from '../common/secrets/secret-box.js';
import { SecretsAtRest } from '../common/secrets/secrets-at-rest.service.js';
import { PluginInterfaceEntity } from '../modules/integration/plugin-interface.entity.js';
import { PluginInterfaceRepository } from '../modules/integration/plugin-interface.repository.js';
import { NotificationRecordRepository } from '../modules/notification/records/notification-record.repository.js';
import { NotificationSettingsRepository } from '../modules/notification/settings/notification-settings.repository.js';
import { JsonSchemaValidator } from '../modules/plugins/json-schema-validator.js';
import { PluginConfigService } from '../modules/plugins/plugin-config.service.js';
import { fail, loadConfigOrExit } from './cli-args.js';
import { withConfiguredDatabase } from './cli-database.js';

/**
 * npm run secrets:rotate
 *
 * Seals every stored secret (plugin config secrets, own targets and their signing secrets in
 * settings and records) with the current key, the first of SECRETS_KEY, and prints how many rows
 * each table had rewritten. Run it after putting a new key first (the old one still listed after
 * it); once it reports, the old key can be dropped from SECRETS_KEY. A server does the same at its
 * first boot with a new current key; this runs it on demand (e.g. before removing the old key).
 * Uses DATABASE_URL, else the embedded database in DATA_DIR (with the server stopped).
 */
async function main(): Promise<void> {
  if (process.argv.length > 2) fail('usage: npm run secrets:rotate   (no arguments: SECRETS_KEY and DATABASE_URL or DATA_DIR from the environment)');
  const config = loadConfigOrExit();
  const keyring = resolveKeyring(config.secretsKey, config.dataDir);
  if (keyring.source === 'data_dir') console.error('SECRETS_KEY not set: using the key in DATA_DIR/secrets-key');
  const box = new SecretBox(keyring.keys);
  await withConfiguredDatabase(
    config,
    async (ds) => {
      await runMigrationsLocked(ds);
      const secrets = new SecretsAtRest(ds, box, createLogger('warn'));
      new PluginInterfaceRepository(ds.getRepository(PluginInterfaceEntity), ds, new PluginConfigService(new JsonSchemaValidator()), box, secrets);
      new NotificationSettingsRepository(ds, box, secrets);
      new NotificationRecordRepository(ds, box, secrets);
      const counts = await secrets.resealAll();
      console.log(`sealed with key "${box.currentKeyId}":`);
      for (const [store, rows] of Object.entries(counts)) console.log(`  ${store}: ${rows} row(s) rewritten`);
    },
    [PluginInterfaceEntity],
  );
}

main().catch((err: unknown) => {
  console.error(`secrets:rotate failed: ${(err as Error).message}`);
  process.exit(1);
});
