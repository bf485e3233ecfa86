import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { AppError } from '../../../common/errors/app-error.js';

const SERVICE = 'NotificationService';

function notYet(rpc: string): never {
  throw AppError.notImplemented(`rustbill.notification.NotificationService/${rpc}`, 'arrives with the notification API issue');
}

/** rustbill.notification.NotificationService, seed 000: both RPCs are admin-only. */
@Controller()
export class NotificationGrpcController {
  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListNotifiers')
  listNotifiers(): never {
    notYet('ListNotifiers');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'SendNotification')
  sendNotification(): never {
    notYet('SendNotification');
  }
}
