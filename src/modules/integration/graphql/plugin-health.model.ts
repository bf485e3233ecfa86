import { Field, ObjectType } from '@nestjs/graphql';
import type { HealthReport } from '../integration.types.js';

/**
 * GraphQL names a health check's error `healthError` wherever it appears (PluginInterface too). The
 * proto keeps the seed's two names (PluginInterfaceInfo.health_error, CheckPluginHealthResponse.error);
 * `error` stays here, deprecated, because removing a field breaks every client query that selects it.
 */
@ObjectType('PluginHealth', { description: 'The result of one health_check() call.' })
export class PluginHealthModel {
  @Field()
  isHealthy!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the check failed; null when healthy (gRPC: CheckPluginHealthResponse.error).' })
  healthError!: string | null;

  @Field(() => String, { nullable: true, deprecationReason: 'Use healthError, the name PluginInterface uses for the same message.' })
  error!: string | null;

  @Field()
  checkedAt!: Date;

  static from(h: HealthReport): PluginHealthModel {
    return Object.assign(new PluginHealthModel(), { isHealthy: h.isHealthy, healthError: h.error, error: h.error, checkedAt: h.checkedAt });
  }
}
