import { Field, InputType } from '@nestjs/graphql';

@InputType('UpdateTemplateInput', { description: 'Seed 002\'s PUT /templates/{id}: omitted fields keep their value; null clears triggerEvent or subject.' })
export class UpdateTemplateInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  type?: string | null;

  @Field(() => String, { nullable: true, description: 'null: DEFAULT_LANGUAGE.' })
  language?: string | null;

  @Field(() => String, { nullable: true })
  triggerEvent?: string | null;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  content?: string | null;
}
