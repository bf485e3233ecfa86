import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'What this server is (no token needed).' })
export class ServerInfo {
  @Field()
  name!: string;

  @Field()
  version!: string;

  @Field({ description: 'api | worker | all' })
  role!: string;
}
