import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { TemplatePage } from '../templates/template.types.js';
import { NotificationTemplateModel } from './template.model.js';

@ObjectType('NotificationTemplatePage', { description: 'One page of templates, ordered by name.' })
export class NotificationTemplatePageModel {
  @Field(() => [NotificationTemplateModel])
  items!: NotificationTemplateModel[];

  @Field(() => Int, { description: 'Templates matching the filters, over all pages.' })
  total!: number;

  @Field(() => Int)
  page!: number;

  @Field(() => Int)
  pageSize!: number;

  static from(page: TemplatePage): NotificationTemplatePageModel {
    return Object.assign(new NotificationTemplatePageModel(), { items: page.items.map((t) => NotificationTemplateModel.from(t)), total: page.total, page: page.page, pageSize: page.pageSize });
  }
}
