import { AppError, type ErrorDetails } from '../../common/errors/app-error.js';
import { SECRET_MASK } from './plugin-config.service.js';

/**
 * Remembers the secret config values of each cache key (interface) in use, and masks every one of
 * them in text. Used on plugin log lines and plugin error messages.
 */
export class SecretScrubber {
  private readonly byKey = new Map<string, string[]>();
  private all: string[] = [];

  set(key: string, secrets: string[]): void {
    const previous = this.byKey.get(key);
    if (previous && previous.length === secrets.length && previous.every((s, i) => s === secrets[i])) return;
    if (secrets.length === 0) this.byKey.delete(key);
    else this.byKey.set(key, secrets);
    // Longest first, so a secret containing another is masked whole.
    this.all = [...new Set([...this.byKey.values()].flat())].sort((a, b) => b.length - a.length);
  }

  delete(key: string): void {
    this.set(key, []);
  }

  /** Interim (the full deep scrubber lands with issue 7 §3): message and JSON-able details. */
  scrubError(error: AppError): AppError {
    return new AppError(error.code, this.scrub(error.message), error.details === null ? null : (this.scrubValue(error.details) as ErrorDetails), { cause: error });
  }

  scrubValue(value: unknown): unknown {
    if (this.all.length === 0 || value === null || value === undefined) return value;
    return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? this.scrub(v) : v))) as unknown;
  }

  scrub = (text: string): string => {
    let out = text;
    for (const secret of this.all) if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    return out;
  };
}
