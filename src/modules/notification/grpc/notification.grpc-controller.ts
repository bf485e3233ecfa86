import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { ImmediateSendService } from '../direct-send/immediate-send.service.js';

const SERVICE = 'NotificationService';

interface SendNotificationRequest {
  event_type?: string;
  title?: string;
  body?: string;
  recipient?: string;
  metadata?: Record<string, string>;
  channel_ids?: string[];
}

/** rustbill.notification.NotificationService, seed 000: both RPCs are admin-only. */
@Controller()
export class NotificationGrpcController {
  constructor(private readonly manual: ImmediateSendService) {}

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListNotifiers')
  async listNotifiers(): Promise<{ notifiers: { channel_id: string; channel_name: string; supported_events: string[]; is_healthy: boolean }[] }> {
    return {
      notifiers: (await this.manual.notifiers()).map((n) => ({ channel_id: n.id, channel_name: n.name, supported_events: n.supportedEvents, is_healthy: n.isHealthy })),
    };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'SendNotification')
  async sendNotification(request: SendNotificationRequest): Promise<{ results: { channel_id: string; success: boolean; error_message: string }[] }> {
    const results = await this.manual.send({
      eventType: request.event_type,
      title: request.title,
      body: request.body,
      recipient: request.recipient,
      metadata: request.metadata,
      channelIds: request.channel_ids,
    });
    return { results: results.map((r) => ({ channel_id: r.channelId, success: r.success, error_message: r.errorMessage })) };
  }
}
