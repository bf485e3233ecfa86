import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'What this server is (no token needed).' })
export class ServerInfo {
  @Field()
  name!: string;

  @Field()
  version!: string;

  @Field({ description: 'api | worker | all' })
  role!: string;
}

@ObjectType('Caller', { description: 'The verified caller of this request.' })
export class CallerModel {
  @Field()
  sub!: string;

  @Field({ description: 'admin | user' })
  role!: string;

  @Field(() => [String])
  permissions!: string[];
}

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
