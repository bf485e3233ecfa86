import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('ImportedInstance', { description: 'The local instance an upstream instance was imported as (ImportUpstreamInstanceResponse).' })
export class ImportedInstanceModel {
  @Field(() => ID, { description: 'Local instance id; importing the same upstream instance again answers the same one.' })
  id!: string;

  @Field()
  status!: string;

  @Field(() => String, { nullable: true })
  ipAddress!: string | null;

  static from(i: { id: string; status: string; ipAddress: string | null }): ImportedInstanceModel {
    return Object.assign(new ImportedInstanceModel(), i);
  }
}
