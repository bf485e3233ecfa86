import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/common/secrets/secret-box.js';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import { appDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { signedWith } from '../support/webhook-signature.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql, http } from '../support/http-client.js';
import { startTestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const OPERATOR_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/**
 * A recipient's own webhook target is user-supplied: it gets its own signing secret (made by the
 * server, shown once, rotatable), never the operator interface's — a signature made with that one
 * could be replayed to the operator's own endpoint — and the operator's PLUGIN_HTTP_ALLOW does not
 * open private hosts to it (PERSONAL_TARGET_ALLOW does), neither when saved nor when sent. A user
 * whose URL is refused learns only that it is not an allowed address.
 */
describe('personal webhook targets', () => {
  let target: HttpTarget;
  beforeAll(async () => {
    target = await HttpTarget.start();
    for (const path of ['/ops', '/mine']) target.on('POST', path, { status: 204 });
  });
  afterAll(async () => {
    await target?.close();
  });

  const setUp = async (env: Record<string, string>) => {
    const app = await startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort, DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200', ...env });
    const client = new GrpcTestClient(app.grpcAddress);
    const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const def = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!;
    const created = await client.call(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: def.id, display_name: 'Ops webhook', config_json: JSON.stringify({ url: target.url('/ops'), secret: OPERATOR_SECRET, events: ['ticket_replied'] }) },
      app.tokens.admin,
    );
    if (created.error) throw new Error(created.error.message);
    client.close();
    return { app, db: appDatabase(app), bus: app.running.app.get(EventBus), ann: await app.tokens.sign({ sub: 'u-ann', role: 'user' }) };
  };
  const replied = (bus: EventBus, n: number) =>
    bus.publish({ eventType: 'ticket_replied', data: { ticket_id: `T-${n}`, subject: 'Disk full', creator_email: 'ann@example.test', creator_user_id: 'u-ann' } });
  const verifies = signedWith;

  describe('with PERSONAL_TARGET_ALLOW opening the test host', () => {
    let env: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      env = await setUp({ PERSONAL_TARGET_ALLOW: target.hostPort });
    });
    afterAll(async () => {
      await env?.app.close();
    });

    it('signs a personal target with its own secret, shown once; the same URL keeps it, a rotation replaces it, and it is never logged or answered again', async () => {
      const { app, db, bus, ann } = env;
      const saved = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [{ channel: 'webhook', target: target.url('/mine') }] } });
      expect(saved.status).toBe(200);
      const secret = saved.body.data.channels[0].signing_secret as string;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(secret).not.toBe(OPERATOR_SECRET);
      // Shown once: a read, and a save that sends back what was read, answer null and keep it.
      const read = await http(app.httpUrl, 'GET', '/me/notification-settings', { token: ann });
      expect(read.body.data.channels).toEqual([{ channel: 'webhook', enabled: true, target: `${new URL(target.url('/mine')).origin}/********`, signing_secret: null }]);
      const again = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: read.body.data.channels } });
      expect(again.body.data.channels[0].signing_secret).toBeNull();
      const mine = await graphql(app.httpUrl, '{ mySettings { channels { channel signingSecret } } }', {}, ann);
      expect(mine.body.data.mySettings.channels).toEqual([{ channel: 'webhook', signingSecret: null }]);

      const first = await replied(bus, 1);
      const delivered = await waitFor(async () => target.requests.find((r) => r.method === 'POST' && r.path === '/mine'));
      expect(verifies(delivered, secret)).toBe(true);
      expect(verifies(delivered, OPERATOR_SECRET)).toBe(false);
      const records = await db.query<{ id: string; target_secret: string }>('SELECT id, target_secret FROM notification_records WHERE event_id = $1 AND target IS NOT NULL', [first.eventId]);
      // Stored sealed, with the secret of when it was planned.
      expect(records.rows.map((r) => app.running.app.get(SecretBox).open(r.target_secret))).toEqual([secret]);
      await waitFor(async () => (await db.query('SELECT 1 FROM notification_attempts WHERE record_id = $1', [records.rows[0].id])).rows.length === 1);
      const logged = await db.query<{ text: string }>('SELECT request_payload::text || response_payload::text AS text FROM notification_attempts WHERE record_id = $1', [records.rows[0].id]);
      expect(logged.rows[0].text).not.toContain(secret.slice('whsec_'.length));

      // Rotation: a new secret, shown once, signs the records planned from then on.
      const rotated = await graphql(app.httpUrl, 'mutation { rotateMyWebhookSecret { channels { channel signingSecret } } }', {}, ann);
      const next = rotated.body.data.rotateMyWebhookSecret.channels[0].signingSecret as string;
      expect(next).toMatch(/^whsec_/);
      expect(next).not.toBe(secret);
      target.requests.length = 0;
      await replied(bus, 2);
      const second = await waitFor(async () => target.requests.find((r) => r.method === 'POST' && r.path === '/mine'));
      expect(verifies(second, next)).toBe(true);
      expect(verifies(second, secret)).toBe(false);

      // A changed URL gets a new secret too; no target: nothing to rotate.
      const moved = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [{ channel: 'webhook', target: `${target.url('/mine')}?v=2` }] } });
      expect(moved.body.data.channels[0].signing_secret).toMatch(/^whsec_/);
      expect(moved.body.data.channels[0].signing_secret).not.toBe(next);
      await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [] } });
      const nothing = await http(app.httpUrl, 'POST', '/me/notification-settings/webhook-secret', { token: ann });
      expect(nothing.status).toBe(409);
      expect(nothing.body.error.code).toBe('notif.no_webhook_target');
    });
  });

  describe('with PLUGIN_HTTP_ALLOW only', () => {
    let env: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      env = await setUp({});
    });
    afterAll(async () => {
      await env?.app.close();
    });

    it('refuses a personal target on a host only the operator allowed: a user is told it is not an allowed address, an admin why', async () => {
      const { app, ann } = env;
      const refused = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [{ channel: 'webhook', target: target.url('/mine') }] } });
      expect(refused.status).toBe(422);
      expect(refused.body.error.details.violations).toEqual([{ field: 'channels[0].target', message: 'is not an allowed address' }]);
      const internal = await http(app.httpUrl, 'PUT', '/me/notification-settings', { token: ann, body: { channels: [{ channel: 'chat', target: 'http://10.1.2.3/hook' }] } });
      expect(internal.body.error.details.violations).toEqual([{ field: 'channels[0].target', message: 'is not an allowed address' }]);
      const byAdmin = await http(app.httpUrl, 'PUT', '/users/u-ann/notification-settings', { token: app.tokens.admin, body: { channels: [{ channel: 'webhook', target: target.url('/mine') }] } });
      expect(byAdmin.status).toBe(422);
      expect(byAdmin.body.error.details.violations[0].message).toMatch(/blocked \(loopback\); refused unless PERSONAL_TARGET_ALLOW lists the host/);
    });

    it('refuses it when sent too: a target stored before the rule (or by hand) is vetted with PERSONAL_TARGET_ALLOW by the host', async () => {
      const { db, bus } = env;
      await db.query(
        `INSERT INTO notification_settings (subject_kind, subject, channels, muted_events) VALUES ('user', 'u-ann', $1::jsonb, '[]'::jsonb)
         ON CONFLICT (subject_kind, subject) DO UPDATE SET channels = EXCLUDED.channels`,
        [JSON.stringify([{ channel: 'webhook', enabled: true, target: target.url('/mine'), secret: `whsec_${randomBytes(24).toString('base64')}` }])],
      );
      target.requests.length = 0;
      const event = await replied(bus, 3);
      const row = await waitFor(async () => {
        const rows = await db.query<{ last_error_code: string | null; last_error_message: string | null }>(
          'SELECT last_error_code, last_error_message FROM notification_records WHERE event_id = $1 AND target IS NOT NULL',
          [event.eventId],
        );
        return rows.rows[0]?.last_error_code ? rows.rows[0] : undefined;
      });
      // The host refused the address (address_blocked), which the webhook notifier reports as a permanent invalid_url.
      expect(row.last_error_code).toBe('invalid_url');
      expect(row.last_error_message).toContain('refused unless PERSONAL_TARGET_ALLOW lists the host');
      expect(target.requests.filter((r) => r.path === '/mine')).toHaveLength(0);
    });
  });
});
