import { Module } from '@nestjs/common';

/**
 * Events: the typed event catalog, EventBus.publish (outbox row in the caller's transaction),
 * the outbox relay (worker role) and event ingress. Knows nothing of notifiers or templates:
 * the notification module subscribes to events.
 */
@Module({})
export class EventsModule {}
