import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from './event-bus.service.js';
import { EventPriorities } from './event-priorities.service.js';
import { EventPriorityEntity } from './event-priority.entity.js';
import { EventPriorityRepository } from './event-priority.repository.js';
import { EventValidator } from './event-validator.js';
import { OutboxEventEntity } from './outbox-event.entity.js';
import { OutboxMetrics } from './outbox-metrics.js';
import { OutboxRelay } from './outbox-relay.service.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * Events: the typed event catalog, EventBus.publish (an outbox row in the caller's transaction),
 * the outbox relay (worker role). Its transports (event ingress for other services) are
 * EventsIngressModule's, mounted in the api role. Knows nothing of notifiers or templates: the
 * notification module subscribes to the relay.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OutboxEventEntity, EventPriorityEntity])],
  providers: [EventValidator, OutboxRepository, EventBus, OutboxRelay, OutboxMetrics, EventPriorityRepository, EventPriorities],
  exports: [EventBus, OutboxRelay, EventPriorities],
})
export class EventsModule {}
