import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import { AppError } from '../../../common/errors/app-error.js';
import { RestartService } from '../../../common/system/restart.service.js';

const SERVICE = 'IntegrationService';

function notYet(rpc: string): never {
  throw AppError.notImplemented(`rustbill.integration.IntegrationService/${rpc}`, 'arrives with the IntegrationService issue');
}

/**
 * rustbill.integration.IntegrationService, seed 001. Access per the seed's table: admin for all
 * but SyncProducts, QueryPrice and CreateUpstreamInstance (any authenticated caller).
 * ListPlugins and GetPlugin read plugin definitions and live in the plugins module.
 */
@Controller()
export class IntegrationGrpcController {
  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListProviders')
  listProviders(): never {
    notYet('ListProviders');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListGateways')
  listGateways(): never {
    notYet('ListGateways');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListNotifiers')
  listNotifiers(): never {
    notYet('ListNotifiers');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListPluginInterfaces')
  listPluginInterfaces(): never {
    notYet('ListPluginInterfaces');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPluginInterface')
  getPluginInterface(): never {
    notYet('GetPluginInterface');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CreatePluginInterface')
  createPluginInterface(): never {
    notYet('CreatePluginInterface');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'UpdatePluginInterface')
  updatePluginInterface(): never {
    notYet('UpdatePluginInterface');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'TogglePluginInterface')
  togglePluginInterface(): never {
    notYet('TogglePluginInterface');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'DeletePluginInterface')
  deletePluginInterface(): never {
    notYet('DeletePluginInterface');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CheckPluginHealth')
  checkPluginHealth(): never {
    notYet('CheckPluginHealth');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPluginAdminPage')
  getPluginAdminPage(): never {
    notYet('GetPluginAdminPage');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CallPluginAction')
  callPluginAction(): never {
    notYet('CallPluginAction');
  }

  // A property, so RestartServer's one dependency is declared beside its handler.
  @Inject(RestartService) private readonly restarts!: RestartService;

  /** Answers, then the process restarts gracefully (src/supervisor.ts). */
  @AdminOnly()
  @GrpcMethod(SERVICE, 'RestartServer')
  restartServer(): Record<string, never> {
    this.restarts.request();
    return {};
  }

  @Authenticated()
  @GrpcMethod(SERVICE, 'SyncProducts')
  syncProducts(): never {
    notYet('SyncProducts');
  }

  @Authenticated()
  @GrpcMethod(SERVICE, 'QueryPrice')
  queryPrice(): never {
    notYet('QueryPrice');
  }

  @Authenticated()
  @GrpcMethod(SERVICE, 'CreateUpstreamInstance')
  createUpstreamInstance(): never {
    notYet('CreateUpstreamInstance');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetInstanceStatus')
  getInstanceStatus(): never {
    notYet('GetInstanceStatus');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'SyncUpstreamInstances')
  syncUpstreamInstances(): never {
    notYet('SyncUpstreamInstances');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ImportUpstreamInstance')
  importUpstreamInstance(): never {
    notYet('ImportUpstreamInstance');
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetUpstreamBalance')
  getUpstreamBalance(): never {
    notYet('GetUpstreamBalance');
  }
}
