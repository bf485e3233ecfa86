import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('SystemStatus', { description: 'Process and database state (admin).' })
export class SystemStatusModel {
  @Field()
  role!: string;

  @Field({ description: 'embedded | postgresql' })
  database!: string;

  @Field(() => [String])
  appliedMigrations!: string[];

  @Field(() => [String])
  pendingMigrations!: string[];

  @Field(() => Float)
  uptimeSeconds!: number;

  @Field(() => Float)
  rssBytes!: number;
}
