import { asc, count, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords.ts';
import { invalidateUserSessions } from '../../auth/sessions.ts';
import type { Database, Queryable, Transaction } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { ROLES } from '../../domain/vocabulary.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { HttpError } from '../../infra/errors.ts';
import { newId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';
import { recappedTokensOf, revokeTokensOf } from '../tokens/manage-tokens.ts';
import { lockForChange, nextVersion } from '../versioning.ts';

const email = z
  .email('must be an email address')
  .max(254)
  .transform((e) => e.toLowerCase());
// Never stored as text, but a lone surrogate would hash as U+FFFD, the same as any other.
const password = text(200, { min: MIN_PASSWORD_LENGTH, trim: false });

export const UserInput = z.strictObject({
  email,
  name: text(120, { required: true }),
  role: z.enum(ROLES),
  password,
});
export type UserInput = z.infer<typeof UserInput>;

export const UserPatch = z.strictObject({
  name: text(120, { required: true }).optional(),
  role: z.enum(ROLES).optional(),
  password: password.optional(),
  version: z.number().int().positive().optional(),
});
export type UserPatch = z.infer<typeof UserPatch>;

type UserRow = typeof users.$inferSelect;

/** Never includes the password hash. */
export function userResource(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
    version: u.version,
  };
}

/**
 * The staff to tell of something (a reminder, a suggested incident): the users with these
 * emails, or every admin and editor when none is named. Ordered by email.
 */
export function staffUsers(db: Queryable, emails: readonly string[] = []) {
  return db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(
      emails.length > 0
        ? inArray(
            sql`lower(${users.email})`,
            emails.map((e) => e.toLowerCase()),
          )
        : inArray(users.role, ['admin', 'editor']),
    )
    .orderBy(asc(users.email));
}

/** Who may hold an incident role: the admins and editors, as [id, name] choices (the email when unnamed). */
export async function staffChoices(db: Queryable): Promise<Array<readonly [id: string, name: string]>> {
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(inArray(users.role, ['admin', 'editor']))
    .orderBy(asc(users.email));
  return rows.map((u) => [u.id, u.name ?? u.email] as const);
}

export async function listUsers(db: Queryable) {
  return (await db.select().from(users).orderBy(asc(users.email))).map(userResource);
}

async function emailTaken(db: Queryable, address: string): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, address));
  return row !== undefined;
}

export async function createUser(ctx: ChangeContext, input: UserInput) {
  const passwordHash = await hashPassword(input.password);
  return runChange(ctx, async (tx) => {
    if (await emailTaken(tx, input.email))
      throw new HttpError(409, 'email_taken', 'a user with this email exists already', { field: 'email' });
    const [row] = await tx
      .insert(users)
      .values({
        id: newId(),
        email: input.email,
        name: input.name,
        role: input.role,
        passwordHash,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    const value = userResource(row!);
    return { value, audit: [{ action: 'user.create', entityType: 'user', entityId: row!.id, after: value }] };
  });
}

/**
 * Locks every admin's row (in one order, so two such changes cannot deadlock) and counts
 * them: two admins demoting each other at the same moment then take turns, and the second
 * finds itself the last admin instead of both succeeding.
 */
async function lockAdmins(tx: Transaction): Promise<number> {
  return (
    await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).orderBy(asc(users.id)).for('update')
  ).length;
}

/** A password or role change ends all of the user's sessions; a role change caps (or uncaps) their API tokens. */
export async function updateUser(ctx: ChangeContext, id: string, patch: UserPatch) {
  const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
  return runChange(ctx, async (tx) => {
    const admins = patch.role && patch.role !== 'admin' ? await lockAdmins(tx) : null;
    const current = await lockForChange<UserRow>(tx, users, 'user', id, patch.version);
    if (admins !== null && current.role === 'admin' && admins <= 1) {
      throw new HttpError(409, 'last_admin', 'Herald needs at least one admin; make someone else admin first', {
        field: 'role',
      });
    }
    const [row] = await tx
      .update(users)
      .set({ name: patch.name, role: patch.role, passwordHash, updatedAt: ctx.now, version: nextVersion(users) })
      .where(eq(users.id, id))
      .returning();
    if (passwordHash || (patch.role && patch.role !== current.role)) await invalidateUserSessions(tx, id);
    const value = userResource(row!);
    const userEntry = {
      action: passwordHash ? 'user.password_reset' : 'user.update',
      entityType: 'user',
      entityId: id,
      before: userResource(current),
      after: value,
    };
    return { value, audit: [userEntry, ...(await recappedTokensOf(tx, current, row!))] };
  });
}

export function deleteUser(ctx: ChangeContext, id: string, version: number | undefined) {
  return runChange(ctx, async (tx) => {
    const admins = await lockAdmins(tx);
    const current = await lockForChange<UserRow>(tx, users, 'user', id, version);
    if (current.role === 'admin' && admins <= 1)
      throw new HttpError(409, 'last_admin', 'Herald needs at least one admin', { field: 'id' });
    // Sessions go with the row (cascade); API tokens are kept, revoked, so the list still shows them.
    const revoked = await revokeTokensOf(tx, current, ctx.now);
    await tx.delete(users).where(eq(users.id, id));
    return {
      value: null,
      audit: [{ action: 'user.delete', entityType: 'user', entityId: id, before: userResource(current) }, ...revoked],
    };
  });
}

/** At start: HERALD_ADMIN_EMAIL + HERALD_ADMIN_PASSWORD create the first admin when there is no user yet. */
export async function ensureFirstAdmin(
  db: Database,
  emailAddress: string,
  plainPassword: string,
  now: Date,
): Promise<'created' | 'exists'> {
  const [row] = await db.select({ n: count() }).from(users);
  if ((row?.n ?? 0) > 0) return 'exists';
  const input = UserInput.parse({ email: emailAddress, name: 'Admin', role: 'admin', password: plainPassword });
  await createUser(
    { db, now, actor: { type: 'system', id: null, label: 'Herald (HERALD_ADMIN_EMAIL)', role: 'admin' } },
    input,
  );
  return 'created';
}
