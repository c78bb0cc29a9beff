import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

async function logIn(site: TestSite, email: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${site.url}/api/admin/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });
}

const cookieOf = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!;

describe('admin sessions', () => {
  let site: TestSite;

  beforeAll(async () => {
    site = await startTestSite('pglite', { siteUrl: 'https://status.example.com' });
    await site.publisher.publishAll();
    await addUser(site, 'lead@example.com', 'editor');
    await addUser(site, 'boss@example.com', 'admin');
  });
  afterAll(() => site.close());

  it('signs in with a session cookie that is HttpOnly, SameSite=Lax and Secure on an https site', async () => {
    const response = await logIn(site, 'Lead@Example.com', 'correct-horse-battery');
    expect(response.status).toBe(200);
    expect((await response.json()).user).toMatchObject({ email: 'lead@example.com', role: 'editor' });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^herald_session=[a-z2-7]{32}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Secure');
    const me = await fetch(`${site.url}/api/admin/v1/session`, { headers: { cookie: cookieOf(response) } });
    expect((await me.json()).principal).toMatchObject({ kind: 'user', email: 'lead@example.com' });
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const unknown = await logIn(site, 'nobody@example.com', 'correct-horse-battery');
    const wrong = await logIn(site, 'lead@example.com', 'not-the-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.text()).toBe(await wrong.text());
  });

  it('slows down repeated failures for an email from one client address with 429 and Retry-After', async () => {
    await addUser(site, 'target@example.com', 'viewer');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let attempt = 0; attempt < 7; attempt++) {
      // Without HERALD_TRUSTED_PROXIES, X-Forwarded-For is the client's own word: the same client still.
      last = await logIn(site, 'target@example.com', `guess-${attempt}`, { 'x-forwarded-for': `10.0.0.${attempt}` });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json()).error.code).toBe('too_many_attempts');
    // Even the right password waits.
    expect((await logIn(site, 'target@example.com', 'correct-horse-battery')).status).toBe(429);
  });

  it('ends the session on sign-out', async () => {
    const cookie = cookieOf(await logIn(site, 'lead@example.com', 'correct-horse-battery'));
    const out = await fetch(`${site.url}/api/admin/v1/session`, {
      method: 'DELETE',
      headers: { cookie, origin: 'https://status.example.com' },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${site.url}/api/admin/v1/components`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const cookie = cookieOf(await logIn(site, 'lead@example.com', 'correct-horse-battery'));
    const forged = await fetch(`${site.url}/api/admin/v1/components`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Evil' }),
    });
    expect(forged.status).toBe(403);
    expect((await forged.json()).error.code).toBe('cross_origin');
    const genuine = await fetch(`${site.url}/api/admin/v1/components`, {
      method: 'POST',
      headers: { cookie, origin: 'https://status.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Genuine' }),
    });
    expect(genuine.status).toBe(201);
  });

  it("ends all of a user's sessions when their role or password changes", async () => {
    const user = await addUser(site, 'temp@example.com', 'editor');
    const admin = api(site, (await addToken(site, 'admin')).token);
    const first = cookieOf(await logIn(site, 'temp@example.com', 'correct-horse-battery'));
    const second = cookieOf(await logIn(site, 'temp@example.com', 'correct-horse-battery'));
    expect((await admin.patch(`/users/${user.id}`, { role: 'viewer' })).status).toBe(200);
    for (const cookie of [first, second])
      expect((await fetch(`${site.url}/api/admin/v1/session`, { headers: { cookie } })).status).toBe(401);

    const third = cookieOf(await logIn(site, 'temp@example.com', 'correct-horse-battery'));
    expect((await admin.patch(`/users/${user.id}`, { password: 'another-long-password' })).status).toBe(200);
    expect((await fetch(`${site.url}/api/admin/v1/session`, { headers: { cookie: third } })).status).toBe(401);
    expect((await logIn(site, 'temp@example.com', 'another-long-password')).status).toBe(200);

    expect((await admin.delete(`/users/${user.id}`)).status).toBe(204);
    expect((await logIn(site, 'temp@example.com', 'another-long-password')).status).toBe(401);
  });

  it('accepts Statuspage\'s "Authorization: OAuth <key>" header', async () => {
    const { token } = await addToken(site, 'viewer');
    const response = await fetch(`${site.url}/api/admin/v1/components`, {
      headers: { authorization: `OAuth ${token}` },
    });
    expect(response.status).toBe(200);
  });

  it('keeps at least one admin', async () => {
    const admin = api(site, (await addToken(site, 'admin')).token);
    const users = (await admin.get('/users')).body as Array<{ id: string; role: string }>;
    const admins = users.filter((u) => u.role === 'admin');
    expect(admins).toHaveLength(1);
    const response = await admin.patch(`/users/${admins[0]!.id}`, { role: 'editor' });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('last_admin');
  });
});
