import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { TemplateSendService } from '../direct-send/template-send.service.js';
import { SendTemplateInput, TemplateSendResultModel } from './template-send.models.js';

/** Seed 002's POST /send over GraphQL: the same TemplateSendService as the REST controller. */
@Resolver()
export class TemplateSendResolver {
  constructor(private readonly sender: TemplateSendService) {}

  @RequirePermission('notif.send_manual')
  @Mutation(() => TemplateSendResultModel, { description: 'Renders a template with params and queues it on an enabled notifier of the channel (POST /send).' })
  async sendTemplate(
    @Args('input') input: SendTemplateInput,
    @CurrentCaller() caller: Caller,
    @Args('idempotencyKey', { type: () => String, nullable: true, description: 'As POST /send\'s Idempotency-Key header: the same key from the same caller queues one notification.' })
    idempotencyKey?: string | null,
  ): Promise<TemplateSendResultModel> {
    return TemplateSendResultModel.from(await this.sender.send({ ...input, idempotencyKey }, caller.sub));
  }
}
