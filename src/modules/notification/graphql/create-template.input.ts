import { Field, InputType } from '@nestjs/graphql';

@InputType('CreateTemplateInput', { description: 'Seed 002\'s POST /templates body.' })
export class CreateTemplateInput {
  @Field({ description: 'Unique; letters, digits, "_", "." and "-", at most 100 characters.' })
  name!: string;

  @Field({ description: 'email | sms | push | chat | webhook' })
  type!: string;

  @Field(() => String, { nullable: true, description: 'Language tag; absent: DEFAULT_LANGUAGE.' })
  language?: string | null;

  @Field(() => String, { nullable: true, description: 'An event type of the catalog; its payload schema must know every placeholder.' })
  triggerEvent?: string | null;

  @Field(() => String, { nullable: true, description: 'Mustache, at most 500 characters, never HTML-escaped.' })
  subject?: string | null;

  @Field({ description: 'Mustache, at most 100 KB.' })
  content!: string;
}
