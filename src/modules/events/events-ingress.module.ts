import { Module } from '@nestjs/common';
import { EventsModule } from './events.module.js';
import { EventPrioritiesResolver } from './graphql/event-priorities.resolver.js';
import { EventsResolver } from './graphql/events.resolver.js';
import { EventsGrpcController } from './grpc/events.grpc-controller.js';
import { EventsHttpController } from './http/events.http-controller.js';

/**
 * Event ingress for other services, one EventBus call per transport: gRPC
 * switchboard.events.v1.EventService, GraphQL publishEvent and REST POST /events; and the admin's
 * per-type delivery priorities (GraphQL eventPriorities, setEventPriority). Mounted by
 * AppModule in the api role only: a worker serves its HTTP port for probes, not for POST /events.
 * (gRPC and GraphQL are not served by a worker anyway; they sit here so ingress is one unit.)
 */
@Module({
  imports: [EventsModule],
  controllers: [EventsGrpcController, EventsHttpController],
  providers: [EventsResolver, EventPrioritiesResolver],
})
export class EventsIngressModule {}
