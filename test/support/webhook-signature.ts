import { Webhook } from 'standardwebhooks';
import type { RecordedRequest } from './fake-servers/http-target.js';

/** Whether a recorded webhook request carries a valid Standard Webhooks signature made with `secret` (whsec_…). */
export function signedWith(request: RecordedRequest, secret: string): boolean {
  try {
    new Webhook(secret.slice('whsec_'.length)).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}
