import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/app-config.js';
import { SERVER_VERSION } from '../config/version.js';
import { createLogger } from '../common/logging/logger.js';
import { buildOpenApiDocument } from '../common/http/openapi.js';
import { SecretBox } from '../common/secrets/secret-box.js';

/**
 * npm run -s openapi:print [-- --out <file>]   write the REST API's OpenAPI document (default
 * dist/openapi.json), exactly as GET /openapi.json serves it — `npm run lint:openapi` lints it.
 *
 * Builds the app in Nest's preview mode (the module graph and the controllers' metadata, no
 * provider instantiated): no database, no ports, nothing started.
 */
async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 ? process.argv[at + 1] : 'dist/openapi.json');
  const config = { ...loadConfig(), role: 'api' as const };
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, logger: createLogger('warn'), jwtSecret: 'unused-in-preview', secretBox: new SecretBox([{ id: 'preview', key: Buffer.alloc(32) }]), database: { url: 'postgres://unused', poolSize: 1, embedded: false, listen: false } }),
    { preview: true, logger: false, bodyParser: false, abortOnError: false },
  );
  try {
    const document = buildOpenApiDocument(app, SERVER_VERSION);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(document, null, 2) + '\n');
    console.log(`wrote ${relative(process.cwd(), out)}`);
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
