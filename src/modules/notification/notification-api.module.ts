import { Module } from '@nestjs/common';
import { IntegrationModule } from '../integration/integration.module.js';
import { TemplateSendResolver } from './graphql/template-send.resolver.js';
import { SendHttpController } from './http/send.http-controller.js';
import { TemplatesHttpController } from './http/templates.http-controller.js';
import { NotificationModule } from './notification.module.js';
import { TemplateSendService } from './template-send.service.js';

/**
 * Seed 002's REST contract (`/templates`, `/send`, `/notifications/{id}`) and the templated send
 * behind it and its GraphQL mutation. Mounted by AppModule in the api role only: a worker serves
 * its HTTP port for probes and metrics, not for the API.
 */
@Module({
  imports: [NotificationModule, IntegrationModule],
  controllers: [TemplatesHttpController, SendHttpController],
  providers: [TemplateSendService, TemplateSendResolver],
})
export class NotificationApiModule {}
