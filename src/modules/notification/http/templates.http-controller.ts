import { Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiQueries } from '../../../common/http/openapi.js';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { Clock } from '../../../common/clock.js';
import { CommandBody } from '../../../common/http/command-body.js';
import { ErrorResponses, SuccessResponse } from '../../../common/http/openapi.js';
import { currentTraceId } from '../../../common/logging/request-context.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { TemplateService } from '../templates/template.service.js';
import type { NotificationTemplate, TemplateWarning } from '../templates/template.types.js';
import { CREATE_TEMPLATE, TEMPLATE_LIST_PARAMETERS, UPDATE_TEMPLATE, type TemplateCommand } from './notification.http-commands.js';
import {
  fromTemplateBody,
  fromTemplateListQuery,
  TEMPLATE_LIST_SCHEMA,
  TEMPLATE_META_SCHEMA,
  TEMPLATE_PAGE_META_SCHEMA,
  TEMPLATE_SCHEMA,
  toTemplateBody,
  type TemplateBody,
} from './notification.http-mapper.js';

/** One template, with what it should know (templateWarnings) in meta. */
interface TemplateEnvelope {
  data: TemplateBody;
  meta: SuccessEnvelope<TemplateBody>['meta'] & { warnings: TemplateWarning[] };
}

interface TemplatePageEnvelope {
  data: TemplateBody[];
  meta: { request_id: string; timestamp: string; page: number; page_size: number; total: number };
}

/** Seed 002's `/templates`: list (paged), create, update; permission codes as the seed's RBAC table. */
@ApiTags('templates')
@Controller('templates')
export class TemplatesHttpController {
  constructor(
    private readonly templates: TemplateService,
    private readonly clock: Clock,
  ) {}

  @RequirePermission('notif.read_template')
  @Get()
  @ApiOperation({ operationId: 'listTemplates', summary: 'List templates, a page at a time (ordered by name)' })
  @ApiQueries(TEMPLATE_LIST_PARAMETERS)
  @SuccessResponse(200, 'A page of templates; the total over all pages is in meta.', TEMPLATE_LIST_SCHEMA, TEMPLATE_PAGE_META_SCHEMA)
  @ErrorResponses('common.validation_failed')
  async listTemplates(@Query() query: Record<string, unknown>): Promise<TemplatePageEnvelope> {
    const page = await this.templates.list(fromTemplateListQuery(query));
    return {
      data: page.items.map(toTemplateBody),
      meta: { request_id: currentTraceId(), timestamp: this.clock.now().toISOString(), page: page.page, page_size: page.pageSize, total: page.total },
    };
  }

  @RequirePermission('notif.read_template')
  @Get(':id')
  @ApiOperation({ operationId: 'getTemplate', summary: 'One template' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'The template; meta.warnings: placeholders its trigger event lacks.', TEMPLATE_SCHEMA, TEMPLATE_META_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.template_not_found')
  async getTemplate(@Param('id') id: string): Promise<TemplateEnvelope> {
    return this.envelope(await this.templates.get(id));
  }

  @RequirePermission('notif.write_template')
  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createTemplate', summary: 'Create a template' })
  @SuccessResponse(201, 'The created template; meta.warnings: placeholders its trigger event lacks (saved all the same).', TEMPLATE_SCHEMA, TEMPLATE_META_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.template_name_taken', 'notif.template_trigger_taken')
  async createTemplate(@CommandBody(CREATE_TEMPLATE) body: TemplateCommand): Promise<TemplateEnvelope> {
    return this.envelope(await this.templates.create(fromTemplateBody(body)));
  }

  @RequirePermission('notif.write_template')
  @Put(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'updateTemplate', summary: 'Update a template (the fields sent; a new version when subject or content change)' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(204, 'Updated; no body (seed 002). GET /templates/{id} gives the template\'s meta.warnings.')
  @ErrorResponses('common.validation_failed', 'notif.template_not_found', 'notif.template_name_taken', 'notif.template_trigger_taken')
  async updateTemplate(@Param('id') id: string, @CommandBody(UPDATE_TEMPLATE) body: TemplateCommand): Promise<void> {
    await this.templates.update(id, fromTemplateBody(body));
  }

  private envelope(template: NotificationTemplate): TemplateEnvelope {
    const { data, meta } = successEnvelope(toTemplateBody(template), this.clock.now());
    return { data, meta: { ...meta, warnings: this.templates.warnings(template) } };
  }
}
