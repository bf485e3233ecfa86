import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { AppError } from '../../../common/errors/app-error.js';

const SERVICE = 'IntegrationService';

function notYet(rpc: string): never {
  throw AppError.notImplemented(`rustbill.integration.IntegrationService/${rpc}`, 'arrives with the plugins issue');
}

/** The IntegrationService RPCs that read plugin definitions only (seed 001): ListPlugins, GetPlugin. */
@Controller()
export class PluginsGrpcController {
  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListPlugins')
  listPlugins(): never {
    notYet('ListPlugins');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPlugin')
  getPlugin(): never {
    notYet('GetPlugin');
  }
}
