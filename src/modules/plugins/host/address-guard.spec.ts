import { AddressGuard, blockedReason, parseAllowEntry, type HostResolver } from './address-guard.js';
import { HostApiError } from './host-api.types.js';

describe('blockedReason', () => {
  const blocked: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4 embedded in IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 embedded in IPv6)'],
    ['::ffff:a9fe:a9fe', 'cloud metadata (IPv4 embedded in IPv6)'],
    ['::ffff:10.0.0.1', 'private (IPv4 embedded in IPv6)'],
    ['64:ff9b::7f00:1', 'loopback (IPv4 embedded in IPv6)'],
    ['2002:c0a8:0101::1', 'private (IPv4 embedded in IPv6)'],
    ['::127.0.0.1', 'loopback (IPv4 embedded in IPv6)'],
  ];
  it.each(blocked)('%s is blocked (%s)', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(blockedReason(address)).toBeNull();
  });

  it('treats something that is not an IP as blocked', () => {
    expect(blockedReason('localhost')).toBe('not an IP address');
  });
});

describe('parseAllowEntry', () => {
  it.each([
    ['api.internal', { host: 'api.internal', port: null }],
    ['API.Internal:8080', { host: 'api.internal', port: 8080 }],
    ['10.0.0.5', { host: '10.0.0.5', port: null }],
    ['127.0.0.1:5432', { host: '127.0.0.1', port: 5432 }],
    ['::1', { host: '::1', port: null }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[0:0:0:0:0:0:0:1]', { host: '::1', port: null }],
    ['localhost.', { host: 'localhost', port: null }],
  ])('%s', (entry, expected) => {
    expect(parseAllowEntry(entry)).toEqual(expected);
  });

  it.each(['http://api.internal', 'api internal', 'host:99999', '[not-ip]:80', 'a/b'])('rejects %s', (entry) => {
    expect(() => parseAllowEntry(entry)).toThrow(/PLUGIN_HTTP_ALLOW entry/);
  });
});

describe('AddressGuard', () => {
  const dns = (table: Record<string, string[]>): HostResolver & { calls: string[] } => {
    const calls: string[] = [];
    const resolve = async (hostname: string) => {
      calls.push(hostname);
      const found = table[hostname];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return found.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
    };
    return Object.assign(resolve, { calls });
  };

  it('refuses a name when ANY of its addresses is internal', async () => {
    const guard = new AddressGuard([], dns({ 'mixed.example': ['93.184.216.34', '10.0.0.5'] }));
    await expect(guard.vet(new URL('http://mixed.example/'))).rejects.toMatchObject({ code: 'address_blocked', message: expect.stringContaining('10.0.0.5') });
  });

  it('returns every vetted address of a public name, with the port defaulted by scheme', async () => {
    const guard = new AddressGuard([], dns({ 'api.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] }));
    await expect(guard.vet(new URL('https://API.example/x'))).resolves.toEqual({
      hostname: 'api.example',
      port: 443,
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
    });
  });

  it('does not resolve IP literals or metadata names', async () => {
    const resolver = dns({ 'metadata.google.internal': ['93.184.216.34'] });
    const guard = new AddressGuard([], resolver);
    await expect(guard.vet(new URL('http://169.254.169.254/latest/meta-data/'))).rejects.toMatchObject({ code: 'address_blocked' });
    await expect(guard.vet(new URL('http://metadata.google.internal/computeMetadata/v1/'))).rejects.toMatchObject({
      code: 'address_blocked',
      message: expect.stringContaining('cloud metadata'),
    });
    await expect(guard.vet(new URL('http://[::ffff:169.254.169.254]/'))).rejects.toMatchObject({ code: 'address_blocked' });
    expect(resolver.calls).toEqual([]);
  });

  it('lets listed hosts through, matching name and port as written', async () => {
    const guard = new AddressGuard(['internal.example:8080', '127.0.0.1', '[::1]:9000'], dns({ 'internal.example': ['10.0.0.7'], localhost: ['127.0.0.1'] }));
    await expect(guard.vet(new URL('http://INTERNAL.example:8080/'))).resolves.toMatchObject({ addresses: [{ address: '10.0.0.7', family: 4 }] });
    await expect(guard.vet(new URL('http://internal.example:8081/'))).rejects.toMatchObject({ code: 'address_blocked' });
    await expect(guard.vet(new URL('http://127.0.0.1:1234/'))).resolves.toMatchObject({ hostname: '127.0.0.1', port: 1234 });
    await expect(guard.vet(new URL('http://[::1]:9000/'))).resolves.toMatchObject({ hostname: '::1', port: 9000 });
    await expect(guard.vet(new URL('http://[::1]:9001/'))).rejects.toMatchObject({ code: 'address_blocked' });
    // An allowed IP does not open the names that resolve to it.
    await expect(guard.vet(new URL('http://localhost:1234/'))).rejects.toMatchObject({ code: 'address_blocked' });
  });

  it('reports a resolution failure as network_error', async () => {
    const guard = new AddressGuard([], dns({}));
    const failure = guard.vet(new URL('http://nowhere.example/'));
    await expect(failure).rejects.toBeInstanceOf(HostApiError);
    await expect(failure).rejects.toMatchObject({ code: 'network_error', data: { cause: 'ENOTFOUND' } });
  });

  it('refuses to be built from a malformed allow entry', () => {
    expect(() => new AddressGuard(['https://x.example/'])).toThrow(/PLUGIN_HTTP_ALLOW entry "https:\/\/x.example\/"/);
  });
});
