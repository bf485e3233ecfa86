/**
 * Bank transfer gateway: no payment provider, no network. create_payment renders the transfer
 * instructions (bank, account holder, account number, amount and a payment reference built from the
 * order id) for the customer; the reference is returned as payment_reference so the admin can match
 * the incoming transfer on the bank statement.
 *
 * There is no callback: a bank does not tell us a transfer arrived. verify_callback therefore
 * always answers { valid: false } and the payment is confirmed by an admin in the billing system
 * after reading the statement. That is the honest contract: nothing that reaches the callback
 * endpoint can mark a bank-transfer order paid (docs/builtin-plugins.md, "gateway/bank_transfer").
 *
 * Deliberately not done here: bank statement import (CAMT/MT940), IBAN checksum validation, QR codes
 * (EPC/GiroCode), currency conversion.
 */
/* exported version, config_schema, health_check, create_payment, verify_callback */

function version() {
  return '1.0.0';
}

function config_schema() {
  return {
    type: 'object',
    title: 'Bank transfer',
    description: 'Shows bank transfer instructions; payments are confirmed manually.',
    required: ['bank_name', 'account_name', 'account_number'],
    properties: {
      bank_name: { type: 'string', minLength: 1, title: 'Bank name', description: 'e.g. "Example Bank, Berlin branch".' },
      account_name: { type: 'string', minLength: 1, title: 'Account holder', description: 'Name the customer must enter as the beneficiary.' },
      account_number: { type: 'string', minLength: 1, title: 'Account number / IBAN', description: 'Shown to customers as is.' },
      swift_code: { type: 'string', title: 'SWIFT / BIC', description: 'Optional, for international transfers.' },
      reference_format: {
        type: 'string',
        pattern: '\\{order_id\\}',
        default: 'ORDER-{order_id}',
        title: 'Payment reference format',
        description: 'What the customer writes in the transfer\'s reference field; {order_id} is replaced by the order id.',
      },
      note: { type: 'string', maxLength: 1000, title: 'Extra note', description: 'Appended to the instructions, e.g. "Allow 1-2 business days."' },
    },
  };
}

function health_check(config) {
  const problem = configProblem(config);
  return problem ? { healthy: false, error: problem } : { healthy: true };
}

function create_payment(config, params) {
  const problem = configProblem(config);
  if (problem) throw new Error('bank_transfer is not configured: ' + problem);
  const p = params && typeof params === 'object' ? params : {};
  if (p.order_id === undefined || p.order_id === null || String(p.order_id) === '') throw new Error('order_id is required');
  if (typeof p.amount !== 'string' || !/^\d+(\.\d+)?$/.test(p.amount)) throw new Error('amount must be a decimal string such as "12.50"');

  const reference = (config.reference_format || 'ORDER-{order_id}').split('{order_id}').join(String(p.order_id));
  const lines = [
    'Please transfer ' + p.amount + ' ' + String(p.currency || '').toUpperCase() + ' to:',
    'Bank: ' + config.bank_name,
    'Account holder: ' + config.account_name,
    'Account number: ' + config.account_number,
  ];
  if (config.swift_code) lines.push('SWIFT/BIC: ' + config.swift_code);
  lines.push('Reference: ' + reference);
  lines.push('Your order is processed once the transfer has been received and confirmed.');
  if (config.note) lines.push(String(config.note));
  return { instructions: lines.join('\n'), payment_reference: reference };
}

function verify_callback() {
  return { valid: false, reply: 'bank transfers are confirmed manually; callbacks are not accepted' };
}

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  for (const field of ['bank_name', 'account_name', 'account_number']) {
    if (typeof config[field] !== 'string' || config[field].trim() === '') return field + ' is not configured';
  }
  if (config.reference_format !== undefined && (typeof config.reference_format !== 'string' || config.reference_format.indexOf('{order_id}') < 0)) {
    return 'reference_format must contain {order_id}';
  }
  return null;
};
