import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { AddressGuard } from './host/address-guard.js';
import { HostApiError } from './host/host-api.types.js';

/**
 * The plugin HTTP client's SSRF policy for URLs other modules accept from users and later hand to
 * a plugin as a personal target (a recipient's own webhook), so they are refused when saved, not
 * only when sent. The same code and allowlist as at send time (AddressGuard with
 * PERSONAL_TARGET_ALLOW: the operator's PLUGIN_HTTP_ALLOW is for the operator's own URLs), where
 * the host resolves the name and checks every address (no DNS at save time).
 */
@Injectable()
export class OutboundUrlPolicy {
  private readonly guard: AddressGuard;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.guard = new AddressGuard(config.plugins.personalTargetAllow, undefined, 'PERSONAL_TARGET_ALLOW');
  }

  /**
   * Why plugin HTTP may not reach this URL, or null when it may — without a DNS lookup: a request
   * that saves a URL does not wait on (or leak its host name to) a resolver. A host name passes
   * here and is resolved and vetted when the host fetches it. `detailed` false (a caller who is
   * not an admin): an address refusal says only that, not why nor what the operator allows.
   */
  problemWith(url: string, detailed: boolean): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
    if (parsed.username || parsed.password) return 'must not carry a user name or password';
    try {
      this.guard.vetWithoutLookup(parsed);
      return null;
    } catch (err) {
      if (err instanceof HostApiError) return detailed ? err.message : 'is not an allowed address';
      throw err;
    }
  }
}
