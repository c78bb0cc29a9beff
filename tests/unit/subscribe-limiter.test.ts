import { describe, expect, it } from 'vitest';
import { SubscribeLimiter } from '../../src/server/subscribers/subscribe-limiter.ts';

const T0 = Date.parse('2026-12-01T12:00:00Z');

describe('the subscribe limiter', () => {
  it('refuses a client after its hourly requests, and counts an IPv6 client by its /64', () => {
    const limiter = new SubscribeLimiter({ perIp: 3 });
    for (let i = 1; i <= 3; i++)
      expect(limiter.check(`a${i}@example.com`, `2001:db8:5:6::${i}`, T0).ipBlockedForMs).toBe(0);
    // A fresh address in the same /64 is the same client...
    expect(limiter.check('a4@example.com', '2001:db8:5:6:1234::9', T0 + 1000).ipBlockedForMs).toBe(3_600_000 - 1000);
    // ...another /64 and an IPv4 client are not.
    expect(limiter.check('a5@example.com', '2001:db8:5:7::1', T0 + 1000).ipBlockedForMs).toBe(0);
    expect(limiter.check('a6@example.com', '198.51.100.1', T0 + 1000).ipBlockedForMs).toBe(0);
  });

  it('drops requests for one email past its hourly few, whichever client asks', () => {
    const limiter = new SubscribeLimiter({ perAddress: 2 });
    expect(limiter.check('ada@example.com', '198.51.100.1', T0).addressOverLimit).toBe(false);
    expect(limiter.check('ada@example.com', '198.51.100.2', T0).addressOverLimit).toBe(false);
    expect(limiter.check('ada@example.com', '198.51.100.3', T0).addressOverLimit).toBe(true);
    expect(limiter.check('ada@example.com', '198.51.100.3', T0 + 3_600_001).addressOverLimit).toBe(false);
  });
});
