import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { Clock } from '../../../common/clock.js';
import { ErrorResponses, JsonBody, SuccessResponse } from '../../../common/http/openapi.js';
import { currentTraceId } from '../../../common/logging/request-context.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { TemplateService } from '../templates/template.service.js';
import {
  CREATE_TEMPLATE_SCHEMA,
  fromTemplateBody,
  fromTemplateListQuery,
  TEMPLATE_LIST_SCHEMA,
  TEMPLATE_PAGE_META_SCHEMA,
  TEMPLATE_SCHEMA,
  toTemplateBody,
  UPDATE_TEMPLATE_SCHEMA,
  type TemplateBody,
} from './notification.http-mapper.js';

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
  @ApiOperation({ summary: 'List templates, a page at a time (ordered by name)' })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, default: 1 } })
  @ApiQuery({ name: 'page_size', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'type', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'trigger_event', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'language', required: false, schema: { type: 'string' } })
  @SuccessResponse(200, 'A page of templates; the total over all pages is in meta.', TEMPLATE_LIST_SCHEMA, TEMPLATE_PAGE_META_SCHEMA)
  @ErrorResponses('common.validation_failed')
  async list(@Query() query: Record<string, unknown>): Promise<TemplatePageEnvelope> {
    const page = await this.templates.list(fromTemplateListQuery(query));
    return {
      data: page.items.map(toTemplateBody),
      meta: { request_id: currentTraceId(), timestamp: this.clock.now().toISOString(), page: page.page, page_size: page.pageSize, total: page.total },
    };
  }

  @RequirePermission('notif.read_template')
  @Get(':id')
  @ApiOperation({ summary: 'One template' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'The template.', TEMPLATE_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.template_not_found')
  async get(@Param('id') id: string): Promise<SuccessEnvelope<TemplateBody>> {
    return successEnvelope(toTemplateBody(await this.templates.get(id)), this.clock.now());
  }

  @RequirePermission('notif.write_template')
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a template' })
  @JsonBody(CREATE_TEMPLATE_SCHEMA)
  @SuccessResponse(201, 'The created template.', TEMPLATE_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.template_name_taken')
  async create(@Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SuccessEnvelope<TemplateBody>> {
    return successEnvelope(toTemplateBody(await this.templates.create(fromTemplateBody(body, contentType))), this.clock.now());
  }

  @RequirePermission('notif.write_template')
  @Put(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Update a template (the fields sent; a new version when subject or content change)' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @JsonBody(UPDATE_TEMPLATE_SCHEMA)
  @SuccessResponse(204, 'Updated; no body.')
  @ErrorResponses('common.validation_failed', 'notif.template_not_found', 'notif.template_name_taken')
  async update(@Param('id') id: string, @Body() body: unknown, @Headers('content-type') contentType?: string): Promise<void> {
    await this.templates.update(id, fromTemplateBody(body, contentType));
  }
}
