import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn } from '../../src/auth/login.ts';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { localPublishGate } from '../../src/publish/coordinator.ts';
import { createServices } from '../../src/server/create-services.ts';
import { HttpError } from '../../src/infra/errors.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { addUser } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

const PASSWORD = 'correct-horse-battery';

describe.each(DRIVERS)('sign-in throttling under parallel guesses on %s', (driver) => {
  let site: TestSite;

  beforeAll(async () => {
    // The test client is the proxy: X-Forwarded-For says which client each request is for.
    site = await startTestSite(driver, { trustedProxies: '127.0.0.1' });
    await addUser(site, 'owner@example.com', 'admin', PASSWORD);
    await addUser(site, 'web@example.com', 'editor', PASSWORD);
    await addUser(site, 'form@example.com', 'editor', PASSWORD);
  });
  afterAll(() => site.close());

  it.each(['owner@example.com', 'nobody@example.com'])(
    'checks at most 5 passwords of 30 parallel wrong guesses for %s from one address',
    async (email) => {
      const herald = createServices({
        db: site.database.db,
        publisher: localPublishGate(site.publisher),
        siteUrl: SITE_URL,
        log: silentLogger,
      });
      let checks = 0;
      const countingCheck = (hash: string, password: string) => {
        checks += 1;
        return verifyPassword(hash, password);
      };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          logIn(herald, { email, password: `guess-${i}` }, '203.0.113.66', countingCheck),
        ),
      );
      const errors = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as HttpError) : null));
      expect(errors.every((e) => e instanceof HttpError)).toBe(true);
      expect(checks).toBeGreaterThan(0);
      expect(checks).toBeLessThanOrEqual(5);
      expect(errors.filter((e) => e!.status === 401)).toHaveLength(checks);
      const throttled = errors.filter((e) => e!.status === 429);
      expect(throttled).toHaveLength(30 - checks);
      for (const e of throttled) expect(Number(e!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Even the right password waits there, without a check.
      await expect(logIn(herald, { email, password: PASSWORD }, '203.0.113.66', countingCheck)).rejects.toMatchObject({
        status: 429,
      });
      expect(checks).toBeLessThanOrEqual(5);
      if (email === 'owner@example.com') {
        const session = await logIn(herald, { email, password: PASSWORD }, '198.51.100.1', countingCheck);
        expect(session.user.email).toBe(email);
      }
    },
  );

  const signIn = (email: string, password: string, client: string) =>
    fetch(`${site.url}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ email, password }),
    });

  it('answers 30 parallel guesses through the API with at most 5 refusals of the password and 429 with Retry-After for the rest; the owner elsewhere signs in', async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn('web@example.com', `guess-${i}`, '203.0.113.77')),
    );
    const statuses = responses.map((r) => r.status);
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - checked);
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await response.json()).error.code).toBe('too_many_attempts');
    }
    // The stranger's address waits; the owner's does not.
    expect((await signIn('web@example.com', PASSWORD, '203.0.113.77')).status).toBe(429);
    // A left-most address the stranger writes is not another client.
    expect((await signIn('web@example.com', PASSWORD, '198.51.100.9, 203.0.113.77')).status).toBe(429);
    const owner = await signIn('web@example.com', PASSWORD, '198.51.100.2');
    expect(owner.status).toBe(200);
  });

  it('says so on the sign-in page, with Retry-After', async () => {
    const post = (password: string, client: string) =>
      fetch(`${site.url}/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_URL, 'x-forwarded-for': client },
        body: new URLSearchParams({ email: 'form@example.com', password, next: '' }).toString(),
        redirect: 'manual',
      });
    const statuses = (await Promise.all(Array.from({ length: 8 }, (_, i) => post(`guess-${i}`, '203.0.113.88')))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    const page = await post(PASSWORD, '203.0.113.88');
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await page.text()).toMatch(/Too many failed sign-ins\. Try again in \d+ s\./);
    expect((await post(PASSWORD, '198.51.100.3')).status).toBe(303);
  });
});
