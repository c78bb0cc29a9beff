import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.ts';
import { SYSTEM_ACTOR } from '../../src/server/change.ts';
import { createUser, deleteUser, updateUser } from '../../src/server/users/manage-users.ts';
import { createTestDatabase, DRIVERS, type TestDatabase } from '../helpers/database.ts';

const NOW = new Date('2026-11-21T12:00:00Z');

describe.each(DRIVERS)('users on %s', (driver) => {
  let database: TestDatabase;
  let ids: { ada: string; bob: string };
  const ctx = () => ({ db: database.db, actor: SYSTEM_ACTOR, now: NOW });
  const adminCount = async () => (await database.db.select().from(users).where(eq(users.role, 'admin'))).length;

  beforeEach(async () => {
    database = await createTestDatabase(driver);
    const ada = await createUser(ctx(), {
      email: 'ada@example.com',
      name: 'Ada',
      role: 'admin',
      password: 'correct horse battery',
    });
    const bob = await createUser(ctx(), {
      email: 'bob@example.com',
      name: 'Bob',
      role: 'admin',
      password: 'correct horse battery',
    });
    ids = { ada: ada.value.id, bob: bob.value.id };
  });
  afterEach(() => database.destroy());

  it('keeps the last admin: neither demoted nor deleted', async () => {
    await updateUser(ctx(), ids.ada, { role: 'editor' });
    await expect(updateUser(ctx(), ids.bob, { role: 'viewer' })).rejects.toMatchObject({
      status: 409,
      code: 'last_admin',
    });
    await expect(deleteUser(ctx(), ids.bob, undefined)).rejects.toMatchObject({ status: 409, code: 'last_admin' });
    expect(await adminCount()).toBe(1);
  });

  if (driver === 'postgres') {
    // PGlite runs one transaction at a time; on PostgreSQL both changes can count the admins
    // before either commits. Holding the audit log makes both wait just before they commit.
    it('keeps one admin when two admins demote each other at the same moment', async () => {
      const holder = postgres(database.connectionUrl!, { max: 1, onnotice: () => {} });
      try {
        const held = holder.begin(async (sql) => {
          await sql`lock table audit_log in exclusive mode`;
          await new Promise((resolve) => setTimeout(resolve, 500));
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        const outcomes = await Promise.allSettled([
          updateUser(ctx(), ids.ada, { role: 'editor' }),
          updateUser(ctx(), ids.bob, { role: 'editor' }),
          held,
        ]);
        const refused = outcomes.slice(0, 2).filter((o) => o.status === 'rejected');
        expect(refused).toHaveLength(1);
        expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ status: 409, code: 'last_admin' });
        expect(await adminCount()).toBe(1);
      } finally {
        await holder.end();
      }
    });
  }
});
