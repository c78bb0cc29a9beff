import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// The subscribe form allows 10 requests an hour per client address: which address that is
// decides whether X-Forwarded-For can buy a client more. The test client connects from 127.0.0.1.

describe.each(DRIVERS)('the client address behind a reverse proxy on %s', (driver) => {
  let site: TestSite;
  /**
   * A site of its own for each setting (the limits are the server's); started in a hook, whose time limit is longer.
   */
  const withSite = (trustedProxies: string | undefined, tests: () => void) =>
    describe(`with HERALD_TRUSTED_PROXIES=${JSON.stringify(trustedProxies ?? '')}`, () => {
      beforeAll(async () => {
        site = await startTestSite(driver, trustedProxies === undefined ? {} : { trustedProxies });
      });
      afterAll(() => site.close());
      tests();
    });

  const subscribe = (email: string, forwardedFor: string) =>
    fetch(`${site.url}/subscribe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: SITE_URL,
        'x-forwarded-for': forwardedFor,
      },
      body: new URLSearchParams([['email', email]]).toString(),
      redirect: 'manual',
    });
  const statuses = async (count: number, forwardedFor: (i: number) => string) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++)
      seen.push((await subscribe(`reader-${i}-${Math.random()}@example.com`, forwardedFor(i))).status);
    return seen;
  };

  withSite(undefined, () => {
    it('ignores X-Forwarded-For without HERALD_TRUSTED_PROXIES, loopback included', async () => {
      expect(await statuses(12, (i) => `198.51.100.${i}`)).toEqual([...Array(10).fill(200), 429, 429]);
    });
  });

  withSite('10.0.0.0/8 fd00::/8', () => {
    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      expect(await statuses(11, (i) => `198.51.100.${i}`)).toEqual([...Array(10).fill(200), 429]);
    });
  });

  withSite('127.0.0.1, 10.0.0.0/8', () => {
    it('takes the client from a trusted proxy, and ignores the left-most values a client writes', async () => {
      expect(await statuses(10, () => '198.51.100.1')).toEqual(Array(10).fill(200));
      // The same client, claiming other addresses on the left: still the same client.
      const spoofed = await subscribe('spoofer@example.com', '203.0.113.7, 198.51.100.1');
      expect(spoofed.status).toBe(429);
      expect(Number(spoofed.headers.get('retry-after'))).toBeGreaterThan(0);
      // Behind a second trusted hop, too.
      expect((await subscribe('spoofer@example.com', '203.0.113.8, 198.51.100.1, 10.2.3.4')).status).toBe(429);
      // Another client behind the same proxy has its own allowance.
      expect((await subscribe('neighbour@example.com', '198.51.100.2')).status).toBe(200);
    });
  });
});
