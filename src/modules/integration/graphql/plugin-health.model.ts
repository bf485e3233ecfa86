import { Field, ObjectType } from '@nestjs/graphql';
import type { HealthReport } from '../integration.types.js';

@ObjectType('PluginHealth', { description: 'The result of one health_check() call.' })
export class PluginHealthModel {
  @Field()
  isHealthy!: boolean;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field()
  checkedAt!: Date;

  static from(h: HealthReport): PluginHealthModel {
    return Object.assign(new PluginHealthModel(), h);
  }
}
