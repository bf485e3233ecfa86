import { Field, ObjectType } from '@nestjs/graphql';
import type { TemplateWarning } from '../templates/template.types.js';

@ObjectType('TemplateWarning', { description: 'Something a saved template should know that did not stop it being saved.' })
export class TemplateWarningModel {
  @Field({ description: 'notif.template_placeholder_not_in_event: it prints placeholders its trigger event does not carry.' })
  code!: string;

  @Field({ description: 'subject | content' })
  field!: string;

  @Field(() => [String], { description: 'The printed names the trigger event\'s payload does not have.' })
  placeholders!: string[];

  @Field({ description: 'The trigger event.' })
  event!: string;

  @Field(() => [String], { description: 'The fields the trigger event\'s payload has.' })
  offered!: string[];

  @Field()
  message!: string;

  static from(w: TemplateWarning): TemplateWarningModel {
    return Object.assign(new TemplateWarningModel(), { ...w, placeholders: [...w.placeholders], offered: [...w.offered] });
  }
}
