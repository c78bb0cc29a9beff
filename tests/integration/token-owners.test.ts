import { readFileSync } from 'node:fs';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, users } from '../../src/db/schema.ts';
import type { Role } from '../../src/domain/vocabulary.ts';
import { createToken } from '../../src/server/tokens/manage-tokens.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { createTestDatabase, DRIVERS } from '../helpers/database.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

// A token acts for the user who created it: never above their current role, and not at all
// once they are removed.

describe.each(DRIVERS)('API tokens and their creators on %s', (driver) => {
  let site: TestSite;
  let boss: ReturnType<typeof api>;

  beforeAll(async () => {
    site = await startTestSite(driver);
    await site.publisher.publishAll();
    boss = api(site, (await addToken(site, 'admin', 'boss token')).token);
  });
  afterAll(() => site.close());

  /** A user and a token they created themselves (as the admin page does it). */
  async function userWithToken(email: string, userRole: Role, tokenRole: Role) {
    const user = await addUser(site, email, userRole);
    const actor = { type: 'user' as const, id: user.id, label: email, role: userRole };
    const { value } = await createToken(
      { db: site.database.db, actor, now: new Date() },
      { name: `${email} script`, role: tokenRole },
    );
    return { user, token: value, client: api(site, value.token) };
  }
  const listed = async (id: string) => (await boss.get('/api-tokens')).body.find((t: { id: string }) => t.id === id);

  it('names the creator of each token in the list', async () => {
    const { user, token } = await userWithToken('ada@example.com', 'admin', 'editor');
    expect(await listed(token.id)).toMatchObject({
      role: 'editor',
      effective_role: 'editor',
      created_by: { id: user.id, name: 'ada', email: 'ada@example.com' },
    });
    const made = (await boss.get('/api-tokens')).body.find((t: { name: string }) => t.name === 'boss token');
    expect(made).toMatchObject({ created_by: null, effective_role: 'admin' });
  });

  it('shows on the tokens page whose each token is, and what a capped one acts as', async () => {
    const { token } = await userWithToken('page-owner@example.com', 'editor', 'admin');
    await addUser(site, 'page-admin@example.com', 'admin');
    const login = await fetch(`${site.url}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'page-admin@example.com', password: 'correct-horse-battery' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${site.url}/admin/tokens`, { headers: { cookie } })).text();
    const row = (name: string) => page.split('<tr>').find((r) => r.includes(`<td>${name}</td>`)) ?? '';
    expect(row(token.name)).toContain('page-owner@example.com');
    expect(row(token.name)).toMatch(/acts as Editor/);
    expect(row('boss token')).toContain('<td>Herald</td>');
  });

  it('revokes the tokens of a removed user: they answer 401 at once, and the audit log says so', async () => {
    const { user, token, client } = await userWithToken('leaver@example.com', 'admin', 'admin');
    expect((await client.get('/components')).status).toBe(200);
    expect((await boss.delete(`/users/${user.id}`)).status).toBe(204);
    const refused = await client.get('/components');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('invalid_token');
    expect(await listed(token.id)).toMatchObject({
      revoked_at: expect.any(String),
      effective_role: null,
      created_by: { id: user.id, name: null, email: null },
    });
    const log = (await boss.get(`/audit-log?entity_type=token&entity_id=${token.id}`)).body;
    expect(log[0]).toMatchObject({
      action: 'token.revoke',
      actor: { label: 'token "boss token"' },
      before: { revoked_at: null },
      after: { revoked_at: expect.any(String) },
    });
  });

  it('caps the tokens of a user whose role is lowered, and lifts the cap when it is raised again', async () => {
    const { user, token, client } = await userWithToken('demoted@example.com', 'admin', 'admin');
    expect((await client.post('/components', { name: 'Made while admin' })).status).toBe(201);
    const lowered = await boss.patch(`/users/${user.id}`, { role: 'viewer' });
    expect(lowered.status).toBe(200);
    expect((await client.get('/components')).status).toBe(200);
    const write = await client.post('/components', { name: 'Made as a viewer' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('forbidden');
    expect((await client.get('/users')).status).toBe(403);
    expect(await listed(token.id)).toMatchObject({ role: 'admin', effective_role: 'viewer', revoked_at: null });
    const log = (await boss.get(`/audit-log?entity_type=token&entity_id=${token.id}`)).body;
    expect(log[0]).toMatchObject({
      action: 'token.recap',
      before: { effective_role: 'admin' },
      after: { effective_role: 'viewer' },
    });

    expect((await boss.patch(`/users/${user.id}`, { role: 'editor' })).status).toBe(200);
    expect((await client.post('/components', { name: 'Made as an editor' })).status).toBe(201);
    expect((await client.get('/users')).status).toBe(403);
  });

  it('gives a token made with a token to the user behind it, so it goes with them', async () => {
    const { user, client } = await userWithToken('maker@example.com', 'admin', 'admin');
    const child = await client.post('/api-tokens', { name: 'Child', role: 'editor' });
    expect(child.status).toBe(201);
    expect(child.body.created_by).toEqual({ id: user.id, name: 'maker', email: 'maker@example.com' });
    const childClient = api(site, child.body.token);
    expect((await childClient.get('/components')).status).toBe(200);
    expect((await boss.delete(`/users/${user.id}`)).status).toBe(204);
    expect((await childClient.get('/components')).status).toBe(401);
  });

  it('never lets a token act whose creator is gone, even when the row went some other way', async () => {
    const { user, client } = await userWithToken('vanished@example.com', 'editor', 'editor');
    expect((await client.get('/components')).status).toBe(200);
    await site.database.db.delete(users).where(eq(users.id, user.id));
    expect((await client.get('/components')).status).toBe(401);
  });

  it('describes the creator in the OpenAPI document', async () => {
    const document = await (await fetch(`${site.url}/api/admin/v1/openapi.json`)).json();
    const list = document.paths['/api-tokens'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(list.items.properties)).toEqual(
      expect.arrayContaining(['created_by', 'effective_role', 'role']),
    );
    expect(list.items.properties.created_by.anyOf[0].properties).toHaveProperty('email');
    const created = document.paths['/api-tokens'].post.responses['201'].content['application/json'].schema;
    expect(created.properties).toHaveProperty('token');
  });
});

describe.each(DRIVERS)('migration 0008 on %s', (driver) => {
  it('gives tokens made with tokens to the user behind them and revokes those of users removed before', async () => {
    const database = await createTestDatabase(driver);
    try {
      const db = database.db;
      const now = new Date('2026-11-01T00:00:00Z');
      await db.insert(users).values({
        id: 'user00000001',
        email: 'kept@example.com',
        name: 'Kept',
        passwordHash: 'x',
        role: 'admin',
        createdAt: now,
        updatedAt: now,
      });
      const token = (id: string, createdBy: string | null) => ({
        id,
        name: id,
        tokenHash: `hash-${id}`,
        role: 'admin' as const,
        createdBy,
        createdAt: now,
      });
      // As Herald wrote them before: created_by was whatever made the token, a user's or a token's id.
      await db
        .insert(apiTokens)
        .values([
          token('tokenuser001', 'user00000001'),
          token('tokenchild01', 'tokenuser001'),
          token('tokengrand01', 'tokenchild01'),
          token('tokenherald1', null),
          token('tokenbyherld', 'tokenherald1'),
          token('tokengone001', 'user00000002'),
          token('tokengonekid', 'tokengone001'),
        ]);
      const migration = readFileSync(
        path.resolve(import.meta.dirname, '../../src/db/migrations/0008_attribute_api_tokens_to_users.sql'),
        'utf8',
      );
      for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));
      const rows = await db
        .select({ id: apiTokens.id, createdBy: apiTokens.createdBy, revokedAt: apiTokens.revokedAt })
        .from(apiTokens)
        .orderBy(asc(apiTokens.id));
      expect(rows.map((r) => [r.id, r.createdBy, r.revokedAt !== null])).toEqual([
        ['tokenbyherld', null, false],
        ['tokenchild01', 'user00000001', false],
        ['tokengone001', 'user00000002', true],
        ['tokengonekid', 'user00000002', true],
        ['tokengrand01', 'user00000001', false],
        ['tokenherald1', null, false],
        ['tokenuser001', 'user00000001', false],
      ]);
    } finally {
      await database.destroy();
    }
  });
});
