import { AppError } from '../../../common/errors/app-error.js';
import type { EventEnvelope } from '../../events/events.types.js';
import { MessageComposer } from './message-composer.js';
import type { TemplateService } from '../templates/template.service.js';

/** A TemplateService whose one template for the event fails to render with `error`. */
function failingTemplates(error: AppError): TemplateService {
  return {
    forEvent: () => ({ id: 'tpl-1', version: 3 }),
    render: () => {
      throw error;
    },
  } as unknown as TemplateService;
}

const event = {
  eventId: 'e-1',
  eventType: 'user.created',
  eventVersion: 1,
  data: { user_id: 'u1', email: 'a@b.example', full_name: 'A' },
} as unknown as EventEnvelope;

describe('MessageComposer: a template that cannot be rendered for an event', () => {
  it('over its render caps: the failure is template_too_large (the planner stores the record dead), with the default text and the template named', () => {
    const composer = new MessageComposer(failingTemplates(new AppError('notif.template_too_large', 'template welcome: the rendered text would exceed 262144 characters with these params')));
    const message = composer.compose(event, 'email', null);
    expect(message.failure).toEqual({ code: 'template_too_large', message: 'user.created: template welcome: the rendered text would exceed 262144 characters with these params' });
    expect(message).toMatchObject({ templateId: 'tpl-1', templateVersion: 3 });
  });

  it('a missing param: template_param_missing (skipped)', () => {
    const composer = new MessageComposer(failingTemplates(new AppError('notif.template_param_missing', 'template welcome prints name, which params has no value for')));
    expect(composer.compose(event, 'email', null).failure?.code).toBe('template_param_missing');
  });

  it('any other error is not swallowed', () => {
    const composer = new MessageComposer(failingTemplates(new AppError('notif.template_not_found', 'gone')));
    expect(() => composer.compose(event, 'email', null)).toThrow('gone');
  });
});
