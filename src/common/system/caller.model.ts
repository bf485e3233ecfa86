import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Caller', { description: 'The verified caller of this request.' })
export class CallerModel {
  @Field()
  sub!: string;

  @Field({ description: 'admin | user' })
  role!: string;

  @Field(() => [String])
  permissions!: string[];
}
