import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { IntegrationModule } from '../integration/integration.module.js';
import { DeliveryLogService } from './records/delivery-log.service.js';
import { DeliveryMetrics } from './dispatch/delivery-metrics.js';
import { Dispatcher } from './dispatch/dispatcher.service.js';
import { DeliveryLogResolver } from './graphql/delivery-log.resolver.js';
import { ImmediateSendResolver } from './graphql/immediate-send.resolver.js';
import { TemplatesResolver } from './graphql/templates.resolver.js';
import { NotificationGrpcController } from './grpc/notification.grpc-controller.js';
import { ImmediateSendService } from './direct-send/immediate-send.service.js';
import { MessageComposer } from './planning/message-composer.js';
import { NotificationAttemptEntity } from './records/notification-attempt.entity.js';
import { NotificationPlanner } from './planning/notification-planner.service.js';
import { NotificationRecordEntity } from './records/notification-record.entity.js';
import { DeliveryQueue } from './dispatch/delivery-queue.repository.js';
import { NotificationRecordRepository } from './records/notification-record.repository.js';
import { RecordRetention } from './records/record-retention.service.js';
import { NotificationTemplateVersionEntity } from './templates/notification-template-version.entity.js';
import { NotificationTemplateEntity } from './templates/notification-template.entity.js';
import { NotificationTemplatesVersionEntity } from './templates/notification-templates-version.entity.js';
import { TemplateRepository } from './templates/template.repository.js';
import { TemplateService } from './templates/template.service.js';
import { PluginsModule } from '../plugins/plugins.module.js';
import { NotificationSettingsEntity } from './settings/notification-settings.entity.js';
import { NotificationSettingsRepository } from './settings/notification-settings.repository.js';
import { NotificationSettingsService } from './settings/notification-settings.service.js';
import { NotificationSettingsResolver } from './graphql/notification-settings.resolver.js';

/**
 * Notification: templates, notification records and their delivery state machine (seeds 002-004),
 * the NotificationService RPCs, the seed-002 REST contract, the dispatcher (worker role) and the
 * GraphQL delivery log (records, attempts, replay of failed and dead ones).
 * Sends only through notifier plugins (the integration module's NotifierDirectory); learns about
 * domain events only from the events module's relay.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([NotificationRecordEntity, NotificationAttemptEntity, NotificationTemplateEntity, NotificationTemplateVersionEntity, NotificationTemplatesVersionEntity, NotificationSettingsEntity]),
    EventsModule,
    IntegrationModule,
    PluginsModule,
  ],
  controllers: [NotificationGrpcController],
  providers: [
    NotificationRecordRepository,
    DeliveryQueue,
    TemplateRepository,
    TemplateService,
    MessageComposer,
    NotificationPlanner,
    Dispatcher,
    RecordRetention,
    DeliveryLogService,
    DeliveryLogResolver,
    DeliveryMetrics,
    ImmediateSendService,
    ImmediateSendResolver,
    TemplatesResolver,
    NotificationSettingsRepository,
    NotificationSettingsService,
    NotificationSettingsResolver,
  ],
  exports: [Dispatcher, NotificationRecordRepository, TemplateService, DeliveryLogService, NotificationSettingsService],
})
export class NotificationModule {}
