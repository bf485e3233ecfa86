import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One key of the keyring: its id (stored with every value it seals) and 32 bytes of AES-256 key. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

const PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets at rest: AES-256-GCM (Node's crypto) with a keyring. `seal` encrypts with the current
 * key (the first of SECRETS_KEY) into `enc:v1:<key id>:<iv>:<ciphertext+tag>` (base64), a fresh
 * random 96-bit IV each time; `open` decrypts with whichever key the value names, so keys rotate:
 * add a new key first, run `npm run secrets:rotate`, then drop the old one. A value that is not
 * sealed (written before encryption, or by an older replica during an upgrade) opens as itself.
 * The authentication tag makes a changed or truncated value fail to open instead of decrypting to
 * garbage. Pure apart from the IV's randomness.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keyring: readonly SecretKey[]) {
    if (keyring.length === 0) throw new Error('SecretBox needs at least one key');
    this.keys = new Map(keyring.map((k) => [k.id, k.key]));
    this.currentKeyId = keyring[0].id;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.currentKeyId}:${iv.toString('base64')}:${body.toString('base64')}`;
  }

  /** The plaintext of a sealed value; an unsealed value as it is. Throws when the key is unknown or the value was altered. */
  open(value: string): string {
    if (!isSealed(value)) return value;
    const [keyId, iv, body] = value.slice(PREFIX.length).split(':');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`a secret is sealed with key "${keyId}", which SECRETS_KEY does not hold (keys: ${[...this.keys.keys()].join(', ')})`);
    const bytes = Buffer.from(body ?? '', 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`a secret sealed with key "${keyId}" does not open: it was altered, or the key with that id is not the one that sealed it`);
    }
  }

  /** null and undefined as they are; a string sealed. */
  sealNullable(value: string | null | undefined): string | null {
    return value === null || value === undefined ? null : this.seal(value);
  }

  openNullable(value: string | null | undefined): string | null {
    return value === null || value === undefined ? null : this.open(value);
  }

  /** Whether `value` should be sealed again: not sealed, or sealed with another key than the current one. */
  isStale(value: string): boolean {
    return !value.startsWith(`${PREFIX}${this.currentKeyId}:`);
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/**
 * SECRETS_KEY: `<id>:<base64 of 32 bytes>`, comma-separated, the first the current one. Throws a
 * message naming what is wrong (never the key material).
 */
export function parseKeyring(text: string): SecretKey[] {
  const keys: SecretKey[] = [];
  for (const [i, entry] of text.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const at = entry.indexOf(':');
    const id = at < 0 ? '' : entry.slice(0, at);
    if (!KEY_ID.test(id)) throw new Error(`entry ${i + 1} must be "<id>:<base64 key>" with an id of 1 to 32 letters, digits, "_" or "-"`);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${id}" must be the base64 of 32 random bytes (e.g. openssl rand -base64 32), got ${key.length} bytes`);
    if (keys.some((k) => k.id === id)) throw new Error(`key id "${id}" is listed twice`);
    keys.push({ id, key });
  }
  if (keys.length === 0) throw new Error('must list at least one "<id>:<base64 key>"');
  return keys;
}

export interface ResolvedKeyring {
  keys: SecretKey[];
  source: 'environment' | 'data_dir';
}

/**
 * SECRETS_KEY when set. Otherwise a key generated once and kept in DATA_DIR/secrets-key (mode
 * 0600), id `local`: the embedded default and development. loadConfig refuses production with a
 * DATABASE_URL and no SECRETS_KEY (replicas on one database must share one keyring).
 */
export function resolveKeyring(secretsKey: string | null, dataDir: string): ResolvedKeyring {
  if (secretsKey !== null) return { keys: parseKeyring(secretsKey), source: 'environment' };
  const file = join(dataDir, 'secrets-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `local:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return { keys: parseKeyring(readFileSync(file, 'utf8').trim()), source: 'data_dir' };
}
