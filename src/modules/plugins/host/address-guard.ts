import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { HostApiError } from './host-api.types.js';

/**
 * The SSRF guard for plugin HTTP. A script may name any URL, so before connecting the host
 * resolves the name itself and refuses when ANY address is internal (loopback, private,
 * link-local, metadata ...), unless the admin listed the host in PLUGIN_HTTP_ALLOW. The caller
 * then connects to exactly the addresses vetted here (see HostHttpClient): resolving again at
 * connect time would let a DNS-rebinding name pass the check with one answer and connect with
 * another.
 *
 * Deliberately not done: reverse lookups, per-plugin allowlists, wildcard entries.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests can play DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, order: 'verbatim' });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

export interface VettedTarget {
  /** As written in the URL (brackets removed for IPv6): sent in Host and used for TLS SNI. */
  hostname: string;
  port: number;
  /** Every address the name resolved to, all checked; the connection must use one of these. */
  addresses: ResolvedAddress[];
}

/** Ranges refused unless allowed, first match gives the reason. */
const BLOCKED_RANGES: readonly (readonly [cidr: string, reason: string])[] = [
  ['169.254.169.254/32', 'cloud metadata'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'discard-only'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const BLOCK_LISTS: readonly (readonly [BlockList, 'ipv4' | 'ipv6', string])[] = BLOCKED_RANGES.map(([cidr, reason]) => {
  const [network, prefix] = cidr.split('/') as [string, string];
  const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), type);
  return [list, type, reason] as const;
});

/** Names of cloud metadata services, refused before any lookup (they may resolve anywhere). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/**
 * Why an address may not be reached, or null when it is a public address. IPv6 forms that
 * carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are judged by that address,
 * so `::ffff:127.0.0.1` is loopback.
 */
export function blockedReason(address: string): string | null {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const type = version === 6 ? 'ipv6' : 'ipv4';
  for (const [list, listType, reason] of BLOCK_LISTS) {
    if (listType === type && list.check(address, type)) return reason;
  }
  if (version === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded !== null) {
      const reason = blockedReason(embedded);
      return reason === null ? null : `${reason} (IPv4 embedded in IPv6)`;
    }
  }
  return null;
}

function embeddedIpv4(address: string): string | null {
  const bytes = ipv6Bytes(address);
  if (bytes === null) return null;
  const prefixIs = (...head: number[]) => head.every((byte, i) => bytes[i] === byte);
  const v4 = (at: number, mask = 0) => [0, 1, 2, 3].map((i) => (bytes[at + i] ^ mask) & 0xff).join('.');
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12);
  if (zeros(0, 12)) return v4(12);
  if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12)) return v4(12);
  if (prefixIs(0x00, 0x64, 0xff, 0x9b) && zeros(4, 12)) return v4(12); // NAT64 64:ff9b::/96
  if (prefixIs(0x20, 0x02)) return v4(2); // 6to4 2002::/16
  if (prefixIs(0x20, 0x01, 0x00, 0x00)) return v4(12, 0xff); // Teredo: client address obfuscated
  return null;
}

/** 16 bytes of a valid IPv6 address (as accepted by net.isIP), zone id ignored. */
function ipv6Bytes(address: string): Uint8Array | null {
  let text = address.split('%')[0].toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const parts = tail.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
    const [a, b, c, d] = parts as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    const word = parseInt(group, 16);
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  }
  return bytes;
}

/** Canonical form for comparing host names and IPs: lower case, no brackets, no trailing dot. */
function canonicalHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) === 6) return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

interface AllowEntry {
  host: string;
  /** null: any port. */
  port: number | null;
}

/**
 * Parses one PLUGIN_HTTP_ALLOW entry: "name", "name:port", "1.2.3.4", "1.2.3.4:port", "::1",
 * "[::1]" or "[::1]:port". Throws a plain Error for a malformed entry (a configuration mistake).
 */
export function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim().toLowerCase();
  let host: string;
  let port: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const withPort = /^([^:]+):(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? null;
    if (isIP(host) !== 6) throw new Error(`PLUGIN_HTTP_ALLOW entry "${entry}": not an IPv6 address in brackets`);
  } else if (isIP(text) === 6) {
    host = text;
  } else if (withPort) {
    host = withPort[1]!;
    port = withPort[2]!;
  } else {
    host = text;
  }
  if (isIP(host) === 0 && !/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(host)) {
    throw new Error(`PLUGIN_HTTP_ALLOW entry "${entry}": expected a host name or IP, optionally with :port`);
  }
  const portNumber = port === null ? null : Number(port);
  if (portNumber !== null && (portNumber < 1 || portNumber > 65535)) {
    throw new Error(`PLUGIN_HTTP_ALLOW entry "${entry}": port out of range`);
  }
  return { host: canonicalHost(host), port: portNumber };
}

export class AddressGuard {
  private readonly allowList: AllowEntry[];

  /** Throws a plain Error when an allow entry is malformed. */
  /**
   * `allowSetting` names the setting the allowlist came from, in refusals ("refused unless
   * PERSONAL_TARGET_ALLOW lists the host").
   */
  constructor(
    allow: readonly string[],
    private readonly resolve: HostResolver = systemResolver,
    private readonly allowSetting = 'PLUGIN_HTTP_ALLOW',
  ) {
    this.allowList = allow.filter((entry) => entry.trim() !== '').map(parseAllowEntry);
  }

  /**
   * Matches the host as written in the URL, not the addresses it resolves to: allowing
   * "127.0.0.1:8080" does not let "localhost:8080" through, so an allow entry only opens what
   * the admin literally wrote.
   */
  allows(hostname: string, port: number): boolean {
    const host = canonicalHost(hostname);
    return this.allowList.some((entry) => entry.host === host && (entry.port === null || entry.port === port));
  }

  /**
   * The checks that need no DNS, for a URL saved now and fetched later (a recipient's own
   * webhook): a literal address in a blocked range, a cloud metadata name, or a name that is
   * loopback by definition (`localhost`, `*.localhost`). A name is not resolved: what it resolves
   * to at delivery is vetted then, by vet(). Throws HostApiError address_blocked.
   */
  vetWithoutLookup(url: URL): void {
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (this.allows(hostname, port)) return;
    const origin = `${url.protocol}//${url.host}`;
    const version = isIP(hostname);
    if (version !== 0) {
      const reason = blockedReason(hostname);
      if (reason !== null) throw this.blocked(`${origin} is blocked (${reason})`);
      return;
    }
    const host = canonicalHost(hostname);
    if (METADATA_NAMES.has(host)) throw this.blocked(`${origin} is blocked (cloud metadata)`);
    if (host === 'localhost' || host.endsWith('.localhost')) throw this.blocked(`${origin} is blocked (loopback)`);
  }

  /** Resolves and checks the URL's host. Throws HostApiError address_blocked or network_error. */
  async vet(url: URL): Promise<VettedTarget> {
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const origin = `${url.protocol}//${url.host}`;
    const allowed = this.allows(hostname, port);
    const version = isIP(hostname);
    if (!allowed && version === 0 && METADATA_NAMES.has(canonicalHost(hostname))) {
      throw this.blocked(`${origin} is blocked (cloud metadata)`);
    }
    const addresses = version !== 0 ? [{ address: hostname, family: version as 4 | 6 }] : await this.lookup(hostname, origin);
    if (!allowed) {
      for (const { address } of addresses) {
        const reason = blockedReason(address);
        if (reason !== null) {
          const via = version !== 0 ? '' : ` resolves to ${address} which`;
          throw this.blocked(`${origin}${via} is blocked (${reason})`);
        }
      }
    }
    return { hostname, port, addresses };
  }

  private blocked(what: string): HostApiError {
    return new HostApiError('address_blocked', `${what}; refused unless ${this.allowSetting} lists the host`);
  }

  private async lookup(hostname: string, origin: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(hostname);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new HostApiError('network_error', `could not resolve ${origin}`, { cause: typeof code === 'string' ? code : null });
    }
    if (addresses.length === 0) {
      throw new HostApiError('network_error', `could not resolve ${origin}: no addresses`, { cause: 'ENOTFOUND' });
    }
    return addresses;
  }
}


