import { AWKWARD_SECRETS } from '../../../test/support/awkward-secrets.js';
import { LogCapture } from '../../../test/support/log-capture.js';
import { createLogger } from '../../common/logging/logger.js';
import { runWithContext } from '../../common/logging/request-context.js';
import type { HostCallContext, HostLogEntry } from './host/host-api.types.js';
import { SECRET_MASK } from './plugin-config.service.js';
import { pluginLogSink } from './plugin-log-sink.js';
import { SecretScrubber } from './secret-scrubber.js';

const ctx: HostCallContext = { plugin: 'gateway/yipay', interfaceId: 'if-7', traceId: 'trace-7', fn: 'create_payment' };

function setup(secrets: string[]) {
  const capture = new LogCapture();
  const scrubber = new SecretScrubber();
  scrubber.set('if-7', secrets);
  const sink = pluginLogSink(createLogger('debug', capture).child({ component: 'plugin' }), scrubber);
  const write = (entry: Partial<HostLogEntry>) => sink({ level: 'info', message: '', fields: {}, context: ctx, ...entry });
  return { capture, write };
}

describe('pluginLogSink', () => {
  it.each(Object.entries(AWKWARD_SECRETS))('masks a %s secret in the message, field values and field keys, and keeps the line', (_name, secret) => {
    const { capture, write } = setup([secret]);
    write({ message: `calling with ${secret}!`, fields: { key: secret, nested: { list: [`x${secret}y`, 42] }, [secret]: 'used as a key' } });

    expect(capture.lines).toHaveLength(1);
    const line = capture.lines[0];
    expect(line.msg).toBe(`calling with ${SECRET_MASK}!`);
    expect(line.plugin_fields).toEqual({ key: SECRET_MASK, nested: { list: [`x${SECRET_MASK}y`, 42] }, [SECRET_MASK]: 'used as a key' });
  });

  it('never lets the raw or JSON-escaped spelling of a secret reach the log text', () => {
    const long = [AWKWARD_SECRETS.quote, AWKWARD_SECRETS.backslash, AWKWARD_SECRETS.pem, AWKWARD_SECRETS.unicode];
    const { capture, write } = setup(long);
    for (const secret of long) write({ level: 'warn', message: secret, fields: { s: secret, [secret]: secret } });
    expect(capture.lines).toHaveLength(long.length);
    const text = capture.text();
    for (const secret of long) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
  });

  it('names the call it serves from the entry’s origin, whatever async context the sink runs in', () => {
    const { capture, write } = setup([]);
    runWithContext({ traceId: 'stale-trace', transport: 'graphql', operation: 'mutation createPluginInterface', startedAt: 0 }, () =>
      write({ message: 'webhook answered', context: { ...ctx, origin: { transport: 'internal', operation: 'send order_paid via webhook' } } }),
    );
    expect(capture.lines[0]).toMatchObject({ trace_id: 'trace-7', transport: 'internal', operation: 'send order_paid via webhook' });
  });

  it('puts the plugin’s fields under plugin_fields: a plugin cannot forge the line’s own keys', () => {
    const { capture, write } = setup([]);
    const forged = {
      level: 'fatal',
      time: '1970-01-01T00:00:00.000Z',
      service: 'billing',
      pid: 1,
      hostname: 'elsewhere',
      msg: 'forged message',
      trace_id: 'forged-trace',
      plugin: 'notifier/other',
      interface_id: 'if-other',
      fn: 'send',
      component: 'auth',
    };
    write({ level: 'debug', message: 'real message', fields: forged });

    const line = capture.lines[0];
    expect(line).toMatchObject({
      level: 'debug',
      service: 'switchboard',
      msg: 'real message',
      trace_id: 'trace-7',
      plugin: 'gateway/yipay',
      interface_id: 'if-7',
      fn: 'create_payment',
      component: 'plugin',
    });
    expect(line.time).not.toBe(forged.time);
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
    expect(line.plugin_fields).toEqual(forged);
  });

  it('writes no plugin_fields when the plugin gave none, and no interface_id/trace_id when the call has none', () => {
    const { capture, write } = setup([]);
    write({ level: 'error', message: 'bare', context: { plugin: 'notifier/webhook', interfaceId: null, traceId: null, fn: 'send' } });
    const line = capture.lines[0];
    expect(line.level).toBe('error');
    expect(line).not.toHaveProperty('plugin_fields');
    expect(line).not.toHaveProperty('interface_id');
    expect(line).not.toHaveProperty('trace_id');
  });
});
