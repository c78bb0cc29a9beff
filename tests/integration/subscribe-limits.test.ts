import { and, count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, notifications, subscribers } from '../../src/db/schema.ts';
import { DAILY_CONFIRMATIONS } from '../../src/server/subscribers/manage-subscriptions.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(DRIVERS)('daily subscribe limits on %s', (driver) => {
  let site: TestSite;
  let clock: Date;
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  beforeEach(async () => {
    clock = new Date('2026-12-01T08:00:00Z');
    // The test client is the proxy, so each request can come from its own client address.
    site = await startTestSite(driver, { now: () => clock, trustedProxies: '127.0.0.1' });
  });
  afterEach(() => site.close());

  const subscribe = (email: string, client: string) =>
    fetch(`${site.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_URL, 'x-forwarded-for': client },
      body: new URLSearchParams([['email', email]]).toString(),
      redirect: 'manual',
    });
  const confirmationsTo = async (email: string) => {
    const [row] = await site.database.db
      .select({ n: count() })
      .from(deliveries)
      .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
      .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
      .where(and(eq(subscribers.email, email), eq(notifications.kind, 'confirmation')));
    return row!.n;
  };

  it('sends one address at most a few confirmations a day, however many clients ask, and answers each the same', async () => {
    const fresh = await subscribe('fresh@example.com', '198.51.100.1');
    expect(fresh.status).toBe(200);
    const answer = await fresh.text();
    const first = clock.getTime();
    for (let i = 0; i < 8; i++) {
      // Past the cool-down and the hourly limit of the address, from a client never seen before.
      advance(61 * MINUTE);
      const response = await subscribe('target@example.com', `203.0.113.${i}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(answer);
    }
    expect(DAILY_CONFIRMATIONS).toBe(3);
    expect(await confirmationsTo('target@example.com')).toBe(DAILY_CONFIRMATIONS);
    // A day after the first of them, one more.
    clock = new Date(first + 61 * MINUTE + 24 * HOUR + MINUTE);
    expect((await subscribe('target@example.com', '203.0.113.99')).status).toBe(200);
    expect(await confirmationsTo('target@example.com')).toBe(DAILY_CONFIRMATIONS + 1);
  });

  it('refuses a client address after 50 requests in a day, even within its hourly limit', async () => {
    for (let hour = 0; hour < 5; hour++) {
      for (let i = 0; i < 10; i++)
        expect((await subscribe(`reader-${hour}-${i}@example.com`, '198.51.100.50')).status).toBe(200);
      advance(HOUR);
    }
    const refused = await subscribe('one-more@example.com', '198.51.100.50');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(18 * 3600);
    expect((await subscribe('one-more@example.com', '198.51.100.51')).status).toBe(200);
    advance(20 * HOUR);
    expect((await subscribe('next-day@example.com', '198.51.100.50')).status).toBe(200);
  });
});
