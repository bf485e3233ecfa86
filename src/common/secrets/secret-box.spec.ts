import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealed, parseKeyring, resolveKeyring, SecretBox } from './secret-box.js';

const entry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('SecretBox', () => {
  const [k1, k2] = [entry('k1'), entry('k2')];
  const box = new SecretBox(parseKeyring(`${k1},${k2}`));

  it('seals with the current key and a fresh IV each time, and opens what it sealed', () => {
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).toMatch(/^enc:v1:k1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('whsec_abc');
    expect(box.open(a)).toBe('whsec_abc');
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('ünïcødé 🔑'))).toBe('ünïcødé 🔑');
  });

  it('opens with whichever key of the keyring the value names; a value sealed with a key it lacks, or altered, does not open', () => {
    const old = new SecretBox(parseKeyring(k2)).seal('s');
    expect(box.open(old)).toBe('s');
    expect(box.isStale(old)).toBe(true);
    expect(box.isStale(box.seal('s'))).toBe(false);
    expect(() => new SecretBox(parseKeyring(entry('k3'))).open(old)).toThrow(/sealed with key "k2", which SECRETS_KEY does not hold/);
    const [prefix, body] = [old.slice(0, old.lastIndexOf(':') + 1), old.slice(old.lastIndexOf(':') + 1)];
    const flipped = Buffer.from(body, 'base64');
    flipped[0] ^= 1;
    expect(() => box.open(prefix + flipped.toString('base64'))).toThrow(/does not open: it was altered/);
    // Another key under the same id (a keyring mix-up) is caught by the authentication tag, too.
    expect(() => new SecretBox(parseKeyring(entry('k2'))).open(old)).toThrow(/does not open/);
  });

  it('passes a value stored before sealing through as it is, and null as null', () => {
    expect(isSealed('https://x.test/hook')).toBe(false);
    expect(box.open('https://x.test/hook')).toBe('https://x.test/hook');
    expect(box.isStale('https://x.test/hook')).toBe(true);
    expect(box.sealNullable(null)).toBeNull();
    expect(box.openNullable(undefined)).toBeNull();
  });

  it('parses SECRETS_KEY strictly, naming what is wrong and never the key', () => {
    expect(parseKeyring(` ${k1} , ${k2} `).map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(() => parseKeyring('')).toThrow(/at least one/);
    expect(() => parseKeyring(randomBytes(32).toString('base64'))).toThrow(/entry 1 must be "<id>:<base64 key>"/);
    expect(() => parseKeyring('k1:c2hvcnQ=')).toThrow(/key "k1" must be the base64 of 32 random bytes .* got 5 bytes/);
    expect(() => parseKeyring(`${k1},${k1}`)).toThrow(/listed twice/);
    expect(() => parseKeyring('bad id:x')).toThrow(/entry 1/);
  });

  it('without SECRETS_KEY, generates one key in the data directory (mode 0600) and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-box-'));
    try {
      const first = resolveKeyring(null, dir);
      expect(first.source).toBe('data_dir');
      expect(statSync(join(dir, 'secrets-key')).mode & 0o777).toBe(0o600);
      expect(resolveKeyring(null, dir).keys[0].key.equals(first.keys[0].key)).toBe(true);
      expect(readFileSync(join(dir, 'secrets-key'), 'utf8')).toMatch(/^local:/);
      expect(resolveKeyring(k1, dir).source).toBe('environment');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
