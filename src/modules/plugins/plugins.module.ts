import { Module } from '@nestjs/common';

/**
 * Plugins: definitions scanned from PLUGINS_DIR, contract validation, and the sandboxed runtime
 * every other module calls plugin functions through.
 */
@Module({})
export class PluginsModule {}
