import { HttpTarget } from '../support/fake-servers/http-target.js';
import { graphql, http } from '../support/http-client.js';
import { LogCapture } from '../support/log-capture.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A plugin's log lines name the call they serve. The sandbox's worker threads outlive the call
 * that first needed one (here a GraphQL mutation that checks the new interface's config); a log
 * line a notifier writes while the dispatcher delivers an event must say `transport: internal`
 * and the dispatcher's operation, never that mutation's — nor its trace id.
 */
describe('log lines of a dispatcher send', () => {
  let app: TestApp;
  let target: HttpTarget;
  const logs = new LogCapture();

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort, DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200' }, { logs });
  });
  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  it('carry transport internal and the send operation, not those of the GraphQL call that spawned the worker', async () => {
    const plugins = await graphql(app.httpUrl, '{ plugins(pluginType: "notifier") { id pluginId } }', {}, app.tokens.admin);
    const webhook = (plugins.body.data.plugins as { id: string; pluginId: string }[]).find((p) => p.pluginId === 'webhook')!.id;
    const created = await graphql(
      app.httpUrl,
      'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }',
      { input: { pluginDefId: webhook, displayName: 'hook', config: { url: target.url('/hook'), secret: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}` } } },
      app.tokens.admin,
    );
    expect(created.body.errors).toBeUndefined();
    const mutationTraces = new Set(logs.lines.filter((l) => l.transport === 'graphql').map((l) => l.trace_id));
    expect(mutationTraces.size).toBeGreaterThan(0);

    const publisher = await app.tokens.withPermissions('events.publish');
    const published = await http(app.httpUrl, 'POST', '/events', {
      token: publisher,
      body: { event_type: 'order_paid', data: { order_id: 'o-1', customer_email: 'zoe@example.test', amount: '10.00', currency: 'USD' }, metadata: { event_id: 'evt-log-1', timestamp: new Date().toISOString(), source_service: 'billing' } },
    });
    expect(published.status).toBe(202);

    // The built-in webhook notifier logs "webhook answered" after each POST.
    const line = await waitFor(async () => logs.lines.find((l) => l.plugin === 'notifier/webhook' && l.msg === 'webhook answered'));
    expect(line).toMatchObject({ transport: 'internal', operation: 'send order_paid via webhook' });
    expect(mutationTraces.has(line.trace_id)).toBe(false);
    // Nothing the dispatcher loop writes claims to be the GraphQL call either.
    const dispatcherLines = logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('dispatcher'));
    for (const l of dispatcherLines) expect(l.transport).not.toBe('graphql');
  });
});
