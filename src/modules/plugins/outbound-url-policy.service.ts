import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { AddressGuard } from './host/address-guard.js';
import { HostApiError } from './host/host-api.types.js';

/**
 * The plugin HTTP client's SSRF policy (AddressGuard with PLUGIN_HTTP_ALLOW), for URLs other
 * modules accept from users and later hand to a plugin — a recipient's personal webhook — so they
 * are refused when saved, not only when sent. The same code and allowlist as at send time, where
 * the host checks again (the name may resolve elsewhere by then).
 */
@Injectable()
export class OutboundUrlPolicy {
  private readonly guard: AddressGuard;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.guard = new AddressGuard(config.plugins.httpAllow);
  }

  /** Why plugin HTTP may not reach this URL, or null when it may. */
  async problemWith(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
    if (parsed.username || parsed.password) return 'must not carry a user name or password';
    try {
      await this.guard.vet(parsed);
      return null;
    } catch (err) {
      if (err instanceof HostApiError) return err.message;
      throw err;
    }
  }
}
