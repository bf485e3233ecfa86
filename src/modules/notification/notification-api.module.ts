import { Module } from '@nestjs/common';
import { IntegrationModule } from '../integration/integration.module.js';
import { ScheduledNotificationResolver } from './graphql/scheduled-notification.resolver.js';
import { TemplateSendResolver } from './graphql/template-send.resolver.js';
import { NotificationSettingsHttpController } from './http/notification-settings.http-controller.js';
import { SendHttpController } from './http/send.http-controller.js';
import { TemplatesHttpController } from './http/templates.http-controller.js';
import { NotificationModule } from './notification.module.js';
import { TemplateSendService } from './direct-send/template-send.service.js';

/**
 * Seed 002's REST contract (`/templates`, `/send`, `/notifications/{id}`), recipients' notification settings (`/me/notification-settings`, `/users/{id}/notification-settings`) and the templated send
 * behind it and its GraphQL mutation. Mounted by AppModule in the api role only: a worker serves
 * its HTTP port for probes and metrics, not for the API.
 */
@Module({
  imports: [NotificationModule, IntegrationModule],
  controllers: [TemplatesHttpController, SendHttpController, NotificationSettingsHttpController],
  providers: [TemplateSendService, TemplateSendResolver, ScheduledNotificationResolver],
})
export class NotificationApiModule {}
