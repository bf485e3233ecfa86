// TEMPORARY STUB (not committed): the template helper's branch brings the real one.
import { Injectable } from '@nestjs/common';
import type { NotificationTemplate, RenderedTemplate, TemplateInput, TemplateListQuery, TemplatePage } from './template.types.js';
@Injectable()
export class TemplateService {
  async list(_q: TemplateListQuery): Promise<TemplatePage> { throw new Error('stub'); }
  async get(_id: unknown): Promise<NotificationTemplate> { throw new Error('stub'); }
  async create(_i: TemplateInput): Promise<NotificationTemplate> { throw new Error('stub'); }
  async update(_id: unknown, _i: TemplateInput): Promise<NotificationTemplate> { throw new Error('stub'); }
  render(_t: NotificationTemplate, _p: unknown): RenderedTemplate { throw new Error('stub'); }
}
