import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import { TemplateService } from '../templates/template.service.js';
import { CreateTemplateInput } from './create-template.input.js';
import { RenderedTemplateModel } from './rendered-template.model.js';
import { NotificationTemplatePageModel } from './template-page.model.js';
import { NotificationTemplateVersionModel } from './template-version.model.js';
import { NotificationTemplateModel } from './template.model.js';
import { TemplateWarningModel } from './template-warning.model.js';
import { UpdateTemplateInput } from './update-template.input.js';

/** Seed 002's templates over GraphQL: the same TemplateService as the REST controllers. */
@Resolver(() => NotificationTemplateModel)
export class TemplatesResolver {
  constructor(private readonly service: TemplateService) {}

  @RequirePermission('notif.read_template')
  @Query(() => NotificationTemplatePageModel, { description: 'Templates ordered by name; page from 1, pageSize 1 to 100 (default 20).' })
  async templates(
    @Args('page', { type: () => Int, nullable: true }) page?: number,
    @Args('pageSize', { type: () => Int, nullable: true }) pageSize?: number,
    @Args('type', { type: () => String, nullable: true }) type?: string,
    @Args('triggerEvent', { type: () => String, nullable: true }) triggerEvent?: string,
    @Args('language', { type: () => String, nullable: true }) language?: string,
  ): Promise<NotificationTemplatePageModel> {
    return NotificationTemplatePageModel.from(await this.service.list({ page, pageSize, type, triggerEvent, language }));
  }

  @RequirePermission('notif.read_template')
  @Query(() => NotificationTemplateModel, { description: 'One template; NOT_FOUND (notif.template_not_found) when there is none.' })
  async template(@Args('id', { type: () => ID }) id: string): Promise<NotificationTemplateModel> {
    return NotificationTemplateModel.from(await this.service.get(id));
  }

  @RequirePermission('notif.write_template')
  @Mutation(() => NotificationTemplateModel, { description: 'Creates a template; CONFLICT for a taken name or an event, type and language another template serves.' })
  async createTemplate(@Args('input', { type: () => CreateTemplateInput }) input: CreateTemplateInput): Promise<NotificationTemplateModel> {
    return NotificationTemplateModel.from(await this.service.create(input));
  }

  @RequirePermission('notif.write_template')
  @Mutation(() => NotificationTemplateModel, { description: 'Changes the given fields; a new subject or content is a new version.' })
  async updateTemplate(
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => UpdateTemplateInput }) input: UpdateTemplateInput,
  ): Promise<NotificationTemplateModel> {
    return NotificationTemplateModel.from(await this.service.update(id, input));
  }

  @RequirePermission('notif.read_template')
  @Mutation(() => RenderedTemplateModel, {
    description: 'Renders a stored template (id) or a text (content, subject, channel — default email — and triggerEvent) with params, without sending.',
  })
  async previewTemplate(
    @Args('params', { type: () => JsonScalar }) params: unknown,
    @Args('id', { type: () => ID, nullable: true }) id?: string,
    @Args('content', { type: () => String, nullable: true }) content?: string,
    @Args('subject', { type: () => String, nullable: true }) subject?: string,
    @Args('channel', { type: () => String, nullable: true }) channel?: string,
    @Args('triggerEvent', { type: () => String, nullable: true }) triggerEvent?: string,
  ): Promise<RenderedTemplateModel> {
    return RenderedTemplateModel.from(await this.service.preview({ templateId: id, content, subject, channel, triggerEvent, params }));
  }

  /** Placeholders the trigger event lacks (saved all the same: a manual send can fill them). */
  @ResolveField(() => [TemplateWarningModel], { description: 'What this template should know that did not stop it being saved: placeholders its trigger event does not carry.' })
  warnings(@Parent() template: NotificationTemplateModel): TemplateWarningModel[] {
    return this.service.warnings(template).map((w) => TemplateWarningModel.from(w));
  }

  /** Every version's text, oldest first. */
  @ResolveField(() => [NotificationTemplateVersionModel])
  async versions(@Parent() template: NotificationTemplateModel): Promise<NotificationTemplateVersionModel[]> {
    return (await this.service.history(template.id)).map((v) => NotificationTemplateVersionModel.from(v));
  }
}
