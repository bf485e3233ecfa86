import { Module } from '@nestjs/common';
import { NotificationGrpcController } from './grpc/notification.grpc-controller.js';

/**
 * Notification: templates, notification records and their delivery state machine (seeds 002-004),
 * the NotificationService RPCs, the seed-002 REST contract and the dispatcher (worker role).
 * Sends only through notifier plugins; learns about domain events only through the events module.
 */
@Module({
  controllers: [NotificationGrpcController],
})
export class NotificationModule {}
