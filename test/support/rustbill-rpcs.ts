import type { GrpcOperation } from './auth-matrix.js';

/** Every RPC of the two RustBill services, with the access the seeds give it. */
export const RUSTBILL_RPCS: GrpcOperation[] = [
  ...(
    [
      ['ListProviders', 'admin', {}],
      ['ListGateways', 'admin', {}],
      ['ListNotifiers', 'admin', {}],
      ['ListPlugins', 'admin', {}],
      ['GetPlugin', 'admin', { id: '0192a123-0000-7000-8000-000000000000' }],
      ['ListPluginInterfaces', 'admin', {}],
      ['GetPluginInterface', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['CreatePluginInterface', 'admin', { plugin_def_id: '0192a123-0000-7000-8000-000000000000', display_name: 'x', config_json: '{}' }],
      ['UpdatePluginInterface', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['TogglePluginInterface', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000', enable: true }],
      ['DeletePluginInterface', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['CheckPluginHealth', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['GetPluginAdminPage', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['CallPluginAction', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000', function: 'admin_x', args_json: '{}' }],
      ['RestartServer', 'admin', {}],
      ['SyncProducts', 'authenticated', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['QueryPrice', 'authenticated', { interface_id: '0192a123-0000-7000-8000-000000000000', cpu_cores: 2 }],
      ['CreateUpstreamInstance', 'authenticated', { interface_id: '0192a123-0000-7000-8000-000000000000', server_spec: { cpu_cores: 2 } }],
      ['GetInstanceStatus', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000', instance_id: 'i-1' }],
      ['SyncUpstreamInstances', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
      ['ImportUpstreamInstance', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000', instance_id: 'i-1' }],
      ['GetUpstreamBalance', 'admin', { interface_id: '0192a123-0000-7000-8000-000000000000' }],
    ] as const
  ).map(([method, access, request]) => ({ service: 'IntegrationService' as const, method, access, request })),
  { service: 'NotificationService', method: 'ListNotifiers', access: 'admin', request: {} },
  {
    service: 'NotificationService',
    method: 'SendNotification',
    access: 'admin',
    request: { event_type: 'test', title: '测试通知', body: '这是一条测试消息', recipient: 'ops@example.com', metadata: {}, channel_ids: [] },
  },
];
