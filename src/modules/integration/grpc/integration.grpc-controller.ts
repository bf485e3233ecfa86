import { Controller, Inject } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { GrpcMethod } from '@nestjs/microservices';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import { currentContext } from '../../../common/logging/request-context.js';
import { RestartService } from '../../../common/system/restart.service.js';
import { InterfaceDirectoryService } from '../interface-directory.service.js';
import { InterfaceService } from '../interface.service.js';
import { PluginAdminService } from '../plugin-admin.service.js';
import { ProviderService } from '../provider.service.js';
import {
  toAdminPage,
  toGatewayInfo,
  toHealthResponse,
  toInterfaceInfo,
  toInterfaceInfos,
  toNotifierInfo,
  toProviderInfo,
  toQueryPriceResponse,
  toSyncProductsResponse,
  toUpstreamInstanceItem,
  toUpstreamOrderResponse,
  type QueryPriceRequestMessage,
  type UpstreamInstanceItemMessage,
  type UpstreamOrderRequestMessage,
  type SyncProductsResponseMessage,
  type PluginInterfaceInfoMessage,
  type ProviderInfoMessage,
} from './integration.grpc-mapper.js';

const SERVICE = 'IntegrationService';

/**
 * rustbill.integration.IntegrationService, seed 001. Access per the seed's table: admin for all
 * but SyncProducts, QueryPrice and CreateUpstreamInstance (any authenticated caller).
 * ListPlugins and GetPlugin read plugin definitions and live in the plugins module.
 */
@Controller()
export class IntegrationGrpcController {
  constructor(
    private readonly interfaces: InterfaceService,
    private readonly directory: InterfaceDirectoryService,
    private readonly admin: PluginAdminService,
  ) {}

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListProviders')
  async listProviders(): Promise<{ providers: ProviderInfoMessage[] }> {
    return { providers: (await this.directory.providers()).map(toProviderInfo) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListGateways')
  async listGateways(): Promise<{ gateways: ReturnType<typeof toGatewayInfo>[] }> {
    return { gateways: (await this.directory.gateways()).map(toGatewayInfo) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListNotifiers')
  async listNotifiers(): Promise<{ notifiers: ReturnType<typeof toNotifierInfo>[] }> {
    return { notifiers: (await this.directory.notifiers()).map(toNotifierInfo) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ListPluginInterfaces')
  async listPluginInterfaces(request: { plugin_type?: string }): Promise<{ interfaces: readonly PluginInterfaceInfoMessage[] }> {
    return { interfaces: toInterfaceInfos(await this.interfaces.list({ pluginType: request.plugin_type })) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPluginInterface')
  async getPluginInterface(request: { interface_id: string }): Promise<{ interface: PluginInterfaceInfoMessage }> {
    return { interface: toInterfaceInfo(await this.interfaces.get(request.interface_id)) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CreatePluginInterface')
  async createPluginInterface(request: { plugin_def_id: string; display_name: string; config_json: string }): Promise<{ interface: PluginInterfaceInfoMessage }> {
    return {
      interface: toInterfaceInfo(
        await this.interfaces.create({ pluginDefId: request.plugin_def_id, displayName: request.display_name, configJson: request.config_json }),
      ),
    };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'UpdatePluginInterface')
  async updatePluginInterface(request: { interface_id: string; config_json?: string; display_name?: string }): Promise<{ interface: PluginInterfaceInfoMessage }> {
    return {
      interface: toInterfaceInfo(
        await this.interfaces.update({ interfaceId: request.interface_id, configJson: request.config_json, displayName: request.display_name }),
      ),
    };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'TogglePluginInterface')
  async togglePluginInterface(request: { interface_id: string; enable: boolean }): Promise<{ interface: PluginInterfaceInfoMessage }> {
    return { interface: toInterfaceInfo(await this.interfaces.toggle({ interfaceId: request.interface_id, enable: request.enable })) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'DeletePluginInterface')
  async deletePluginInterface(request: { interface_id: string }): Promise<Record<string, never>> {
    return this.interfaces.delete(request.interface_id).then(() => ({}));
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CheckPluginHealth')
  async checkPluginHealth(request: { interface_id: string }): Promise<ReturnType<typeof toHealthResponse>> {
    return toHealthResponse(await this.admin.checkHealth(request.interface_id));
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetPluginAdminPage')
  async getPluginAdminPage(request: { interface_id: string }): Promise<{ html_content: string; title: string }> {
    return toAdminPage(await this.admin.adminPage(request.interface_id));
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'CallPluginAction')
  async callPluginAction(request: { interface_id: string; function: string; args_json: string }): Promise<{ result_json: string }> {
    return { result_json: await this.admin.callAction({ interfaceId: request.interface_id, function: request.function, argsJson: request.args_json }) };
  }

  @Inject(ProviderService) private readonly providers!: ProviderService;

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
  async syncProducts(request: { interface_id: string }): Promise<SyncProductsResponseMessage> {
    return toSyncProductsResponse(await this.providers.syncProducts(request.interface_id));
  }

  @Authenticated()
  @GrpcMethod(SERVICE, 'QueryPrice')
  async queryPrice(request: QueryPriceRequestMessage): Promise<{ amount: string; currency: string; billing_cycle: string }> {
    return toQueryPriceResponse(await this.providers.queryPrice({ interfaceId: request.interface_id, spec: request }));
  }

  @Authenticated()
  @GrpcMethod(SERVICE, 'CreateUpstreamInstance')
  async createUpstreamInstance(request: UpstreamOrderRequestMessage, metadata: Metadata): Promise<{ provider_instance_id: string; status: string; ip_address: string }> {
    return toUpstreamOrderResponse(
      await this.providers.createInstance({
        interfaceId: request.interface_id,
        spec: request.server_spec,
        callerSub: currentContext()?.caller?.sub ?? '',
        idempotencyKey: metadata.get('idempotency-key')[0],
      }),
    );
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetInstanceStatus')
  async getInstanceStatus(request: { interface_id: string; instance_id: string }): Promise<{ status: string; ip_address: string }> {
    const { status, ip_address } = await this.providers.instanceStatus({ interfaceId: request.interface_id, instanceId: request.instance_id });
    return { status, ip_address: ip_address ?? '' };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'SyncUpstreamInstances')
  async syncUpstreamInstances(request: { interface_id: string }): Promise<{ instances: UpstreamInstanceItemMessage[] }> {
    return { instances: (await this.providers.syncUpstreamInstances(request.interface_id)).map(toUpstreamInstanceItem) };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'ImportUpstreamInstance')
  async importUpstreamInstance(request: { interface_id: string; instance_id: string }): Promise<{ instance_id: string; status: string; ip_address: string }> {
    const imported = await this.providers.importUpstreamInstance({ interfaceId: request.interface_id, instanceId: request.instance_id });
    return { instance_id: imported.id, status: imported.status, ip_address: imported.ipAddress ?? '' };
  }

  @AdminOnly()
  @GrpcMethod(SERVICE, 'GetUpstreamBalance')
  async getUpstreamBalance(request: { interface_id: string }): Promise<{ balance: string; currency: string }> {
    const { balance, currency } = await this.providers.upstreamBalance(request.interface_id);
    return { balance, currency };
  }
}
