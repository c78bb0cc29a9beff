import { describe, expect, it } from 'vitest';
import { clientAddressOf, limitKey, plainAddress, TrustedProxies } from '../../src/infra/client-address.ts';
import { loadConfig } from '../../src/infra/config.ts';
import { StartupError } from '../../src/infra/startup-error.ts';

const PROXIES = new TrustedProxies('10.0.0.0/8, 192.0.2.7 fd00::/8,::1');

describe('the client address', () => {
  it.each([
    // [what, peer, X-Forwarded-For, trusted, client]
    [
      'ignores X-Forwarded-For without trusted proxies',
      '203.0.113.9',
      '198.51.100.1',
      new TrustedProxies(),
      '203.0.113.9',
    ],
    ['ignores it from a peer that is not trusted', '203.0.113.9', '198.51.100.1', PROXIES, '203.0.113.9'],
    ['does not trust loopback unless named', '127.0.0.1', '198.51.100.1', PROXIES, '127.0.0.1'],
    ['takes the address a trusted proxy saw', '10.1.2.3', '198.51.100.1', PROXIES, '198.51.100.1'],
    ['ignores what the client wrote left of it', '10.1.2.3', '1.1.1.1, 6.6.6.6, 198.51.100.1', PROXIES, '198.51.100.1'],
    [
      'walks past a chain of trusted proxies',
      '10.1.2.3',
      '6.6.6.6, 198.51.100.1, 192.0.2.7, 10.9.9.9',
      PROXIES,
      '198.51.100.1',
    ],
    ['reads repeated headers as one list', '10.1.2.3', ['6.6.6.6', '198.51.100.1'], PROXIES, '198.51.100.1'],
    ['uses the left-most when every hop is trusted', '10.1.2.3', '10.0.0.5, 192.0.2.7', PROXIES, '10.0.0.5'],
    ['stops at an entry that is not an address', '10.1.2.3', '198.51.100.1, unknown', PROXIES, '10.1.2.3'],
    ['keeps the peer when the header is absent', '10.1.2.3', undefined, PROXIES, '10.1.2.3'],
    ['matches an IPv4-mapped peer against IPv4 ranges', '::ffff:10.1.2.3', '198.51.100.1', PROXIES, '198.51.100.1'],
    ['gives an IPv4-mapped client as IPv4', '::ffff:203.0.113.9', undefined, new TrustedProxies(), '203.0.113.9'],
    ['trusts an IPv6 range', 'fd12::5', '2001:db8::1', PROXIES, '2001:db8::1'],
    ['trusts a named IPv6 loopback', '::1', '2001:DB8::2', PROXIES, '2001:db8::2'],
    [
      'strips ports and brackets from hops',
      '10.1.2.3',
      '[2001:db8::3]:443, 198.51.100.4:5678',
      PROXIES,
      '198.51.100.4',
    ],
  ] as const)('%s', (_what, peer, forwarded, trusted, client) => {
    expect(clientAddressOf(peer, forwarded as string | string[] | undefined, trusted)).toBe(client);
  });

  it('normalises addresses and refuses what is not one', () => {
    expect(plainAddress(' ::FFFF:192.0.2.1 ')).toBe('192.0.2.1');
    expect(plainAddress('[fe80::1%eth0]:80')).toBe('fe80::1');
    expect(plainAddress('example.com')).toBeNull();
  });
});

describe('limitKey: what per-client limits count by', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['2001:db8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
    ['64:ff9b:1:2::192.0.2.1', '64:ff9b:1:2::/64'],
    ['unknown', 'unknown'],
  ])('%s counts as %s', (address, key) => {
    expect(limitKey(address)).toBe(key);
  });
});

describe('HERALD_TRUSTED_PROXIES', () => {
  it('is empty by default: nobody is trusted', () => {
    expect(loadConfig({}, '/tmp').trustedProxies.size).toBe(0);
  });

  it('accepts addresses and ranges separated by spaces or commas, IPv4-mapped ones included', () => {
    const trusted = loadConfig(
      { HERALD_TRUSTED_PROXIES: ' 127.0.0.1,\t::ffff:172.16.0.0/108  2001:db8::/32 ' },
      '/tmp',
    ).trustedProxies;
    expect(trusted.size).toBe(3);
    expect(['127.0.0.1', '172.16.9.9', '::ffff:172.16.9.9', '2001:db8:1::1'].map((a) => trusted.has(a))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['127.0.0.2', '172.32.0.1', '2001:db9::1'].map((a) => trusted.has(a))).toEqual([false, false, false]);
  });

  it.each([
    ['10.0.0.0/33', /HERALD_TRUSTED_PROXIES "10\.0\.0\.0\/33" has a prefix longer than 32 bits/],
    ['10.0.0.1 proxy.internal', /HERALD_TRUSTED_PROXIES "proxy\.internal" is not an IP address or a CIDR range/],
    ['fd00::/129', /"fd00::\/129" has a prefix longer than 128 bits/],
    ['10.0.0.0/8/8', /"10\.0\.0\.0\/8\/8" is not an IP address/],
  ])('stops Herald at start naming a bad entry: %s', (value, message) => {
    let error: unknown;
    try {
      loadConfig({ HERALD_TRUSTED_PROXIES: value }, '/tmp');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/^invalid configuration: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
