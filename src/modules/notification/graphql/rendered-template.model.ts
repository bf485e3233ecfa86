import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { RenderedTemplate } from '../templates/template.types.js';

@ObjectType('RenderedTemplate', { description: 'A template rendered with params, as a notification would carry it.' })
export class RenderedTemplateModel {
  @Field({ description: 'The rendered subject, or the default title when the template has none.' })
  title!: string;

  @Field()
  body!: string;

  @Field(() => ID, { nullable: true, description: 'null when an unsaved text was previewed.' })
  templateId!: string | null;

  @Field(() => Int, { nullable: true })
  templateVersion!: number | null;

  static from(r: RenderedTemplate): RenderedTemplateModel {
    return Object.assign(new RenderedTemplateModel(), { title: r.title, body: r.body, templateId: r.templateId, templateVersion: r.templateVersion });
  }
}
