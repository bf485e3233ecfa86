import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBus } from './event-bus.service.js';
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
  imports: [TypeOrmModule.forFeature([OutboxEventEntity])],
  providers: [EventValidator, OutboxRepository, EventBus, OutboxRelay, OutboxMetrics],
  exports: [EventBus, OutboxRelay],
})
export class EventsModule {}
