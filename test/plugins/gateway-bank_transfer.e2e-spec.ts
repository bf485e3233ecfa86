import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/** plugins/gateway/bank_transfer.js: instructions only, no network, no callback. */
describe('gateway/bank_transfer', () => {
  let plugin: PluginHarness;
  const config = {
    bank_name: 'Example Bank, Berlin',
    account_name: 'Acme Hosting GmbH',
    account_number: 'DE89 3704 0044 0532 0130 00',
    swift_code: 'COBADEFFXXX',
    reference_format: 'ACME-{order_id}',
    note: 'Allow 1-2 business days.',
  };

  beforeAll(async () => {
    // No allow list: any network use would fail.
    plugin = await loadPlugin('gateway/bank_transfer.js');
  });
  afterAll(async () => {
    await plugin?.close();
  });

  it('create_payment renders the transfer instructions and returns the reference', async () => {
    const result = await plugin.call('create_payment', config, { order_id: 'o-1001', amount: '12.50', currency: 'eur', subject: 'VPS S' });
    expect(result).toEqual({
      instructions: [
        'Please transfer 12.50 EUR to:',
        'Bank: Example Bank, Berlin',
        'Account holder: Acme Hosting GmbH',
        'Account number: DE89 3704 0044 0532 0130 00',
        'SWIFT/BIC: COBADEFFXXX',
        'Reference: ACME-o-1001',
        'Your order is processed once the transfer has been received and confirmed.',
        'Allow 1-2 business days.',
      ].join('\n'),
      payment_reference: 'ACME-o-1001',
    });
  });

  it('uses ORDER-{order_id} when no reference format is configured', async () => {
    const { bank_name, account_name, account_number } = config;
    const result = await plugin.call('create_payment', { bank_name, account_name, account_number }, { order_id: '77', amount: '5', currency: 'USD', subject: 'x' });
    expect(result.payment_reference).toBe('ORDER-77');
    expect(result.instructions).not.toContain('SWIFT');
  });

  it('create_payment refuses a missing order id, a bad amount and an incomplete config', async () => {
    await expect(plugin.call('create_payment', config, { amount: '1.00', currency: 'EUR' })).rejects.toMatchObject({
      code: 'plugins.script_error',
      message: expect.stringContaining('order_id is required'),
    });
    await expect(plugin.call('create_payment', config, { order_id: '1', amount: '12,50', currency: 'EUR' })).rejects.toMatchObject({
      code: 'plugins.script_error',
      message: expect.stringContaining('amount must be a decimal string'),
    });
    await expect(plugin.call('create_payment', { bank_name: 'B' }, { order_id: '1', amount: '1', currency: 'EUR' })).rejects.toMatchObject({
      code: 'plugins.script_error',
      message: expect.stringContaining('account_name is not configured'),
    });
  });

  it('verify_callback never validates anything: transfers are confirmed manually', async () => {
    const result = await plugin.call('verify_callback', config, {
      method: 'POST',
      query: { order_id: 'o-1001', status: 'paid' },
      body: '{"paid":true}',
      headers: { 'content-type': 'application/json' },
    });
    expect(result).toEqual({ valid: false, reply: 'bank transfers are confirmed manually; callbacks are not accepted' });
  });

  it('health_check reflects the configuration', async () => {
    expect(await plugin.call('health_check', config)).toEqual({ healthy: true });
    expect(await plugin.call('health_check', { ...config, account_number: ' ' })).toEqual({ healthy: false, error: 'account_number is not configured' });
    expect(await plugin.call('health_check', { ...config, reference_format: 'NO-PLACEHOLDER' })).toEqual({
      healthy: false,
      error: 'reference_format must contain {order_id}',
    });
  });
});
