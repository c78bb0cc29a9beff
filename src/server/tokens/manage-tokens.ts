import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { effectiveTokenRole, generateApiToken } from '../../auth/api-tokens.ts';
import type { Queryable, Transaction } from '../../db/client.ts';
import { apiTokens, users } from '../../db/schema.ts';
import { ROLES } from '../../domain/vocabulary.ts';
import { runChange, type Actor, type AuditEntry, type ChangeContext } from '../change.ts';
import { HttpError, notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';

export const TokenInput = z.strictObject({
  name: text(120, { required: true }),
  role: z.enum(ROLES),
  expires_at: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 time' })
    .transform((s) => new Date(s))
    .nullable()
    .optional(),
});
export type TokenInput = z.infer<typeof TokenInput>;

const time = z.iso.datetime();

/** A token as the API and the admin page show it: never the token or its hash. */
export const TokenResource = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES).describe('the role the token was given'),
  effective_role: z
    .enum(ROLES)
    .nullable()
    .describe(
      "the role it acts with: the lower of its role and its creator's current role; null once its creator is removed",
    ),
  created_by: z
    .object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() })
    .nullable()
    .describe(
      'the user whose token it is (name and email null once they are removed); null for a token made by Herald itself',
    ),
  created_at: time,
  expires_at: time.nullable(),
  last_used_at: time.nullable(),
  revoked_at: time.nullable(),
});
export type TokenResource = z.infer<typeof TokenResource>;
export const CreatedTokenResource = TokenResource.extend({
  token: z.string().describe('the token itself; shown in this answer only'),
});

type TokenRow = typeof apiTokens.$inferSelect;
type UserRow = typeof users.$inferSelect;
type Creator = Pick<UserRow, 'name' | 'email' | 'role'>;
interface TokenWithCreator {
  token: TokenRow;
  /** Null when Herald made the token, or when its creator is removed. */
  creator: Creator | null;
}

export function tokenResource({ token: t, creator }: TokenWithCreator): TokenResource {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    effective_role: effectiveTokenRole(t.role, t.createdBy, creator?.role ?? null),
    created_by:
      t.createdBy === null ? null : { id: t.createdBy, name: creator?.name ?? null, email: creator?.email ?? null },
    created_at: t.createdAt.toISOString(),
    expires_at: iso(t.expiresAt),
    last_used_at: iso(t.lastUsedAt),
    revoked_at: iso(t.revokedAt),
  };
}

function tokensWithCreator(db: Queryable, where?: SQL): Promise<TokenWithCreator[]> {
  return db
    .select({ token: apiTokens, creator: { name: users.name, email: users.email, role: users.role } })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.createdBy))
    .where(where)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function listTokens(db: Queryable): Promise<TokenResource[]> {
  return (await tokensWithCreator(db)).map(tokenResource);
}

/**
 * The user a new token belongs to: the signed-in user, or the user behind the token that
 * makes it (so a token cannot mint one that outlives its own creator); none for Herald itself.
 */
async function ownerOf(tx: Transaction, actor: Actor): Promise<string | null> {
  if (actor.type === 'system') return null;
  if (actor.type === 'user') return actor.id;
  const [maker] = await tx
    .select({ createdBy: apiTokens.createdBy })
    .from(apiTokens)
    .where(eq(apiTokens.id, actor.id ?? ''));
  if (!maker) throw new HttpError(401, 'invalid_token', 'the API token is unknown, revoked or expired');
  return maker.createdBy;
}

/** The token is in the answer once and never again. */
export function createToken(ctx: ChangeContext, input: TokenInput) {
  if (input.expires_at && input.expires_at.getTime() <= ctx.now.getTime()) {
    throw new HttpError(422, 'invalid_field', 'expires_at: must be in the future', { field: 'expires_at' });
  }
  return runChange(ctx, async (tx) => {
    const { token, tokenHash } = generateApiToken();
    const createdBy = await ownerOf(tx, ctx.actor);
    const id = newId();
    await tx.insert(apiTokens).values({
      id,
      name: input.name,
      role: input.role,
      tokenHash,
      createdBy,
      createdAt: ctx.now,
      expiresAt: input.expires_at ?? null,
    });
    const value = tokenResource((await tokensWithCreator(tx, eq(apiTokens.id, id)))[0]!);
    return {
      value: { ...value, token },
      audit: [{ action: 'token.create', entityType: 'token', entityId: id, after: value }],
    };
  });
}

export function revokeToken(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    if (!isId(id)) throw notFound('token', id);
    const [current] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update');
    if (!current) throw notFound('token', id);
    const [before] = await tokensWithCreator(tx, eq(apiTokens.id, id));
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: current.revokedAt ?? ctx.now })
      .where(eq(apiTokens.id, id))
      .returning();
    const value = tokenResource({ token: row!, creator: before!.creator });
    return {
      value,
      audit: [
        { action: 'token.revoke', entityType: 'token', entityId: id, before: tokenResource(before!), after: value },
      ],
    };
  });
}

/** Part of removing a user: revokes their live tokens and returns the audit entries saying so. */
export async function revokeTokensOf(tx: Transaction, creator: UserRow, now: Date): Promise<AuditEntry[]> {
  const live = await tokensWithCreator(tx, and(eq(apiTokens.createdBy, creator.id), isNull(apiTokens.revokedAt)));
  if (live.length === 0) return [];
  const revoked = await tx
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.createdBy, creator.id), isNull(apiTokens.revokedAt)))
    .returning();
  const byId = new Map(revoked.map((row) => [row.id, row]));
  return live.map((before) => ({
    action: 'token.revoke',
    entityType: 'token',
    entityId: before.token.id,
    before: tokenResource(before),
    after: tokenResource({ token: byId.get(before.token.id) ?? before.token, creator: null }),
  }));
}

/**
 * Part of a user's role change: their tokens' rows stay as they are (the cap is applied at
 * every request), but each live token whose effective role moves gets an audit entry, so
 * the log says what the change did to them.
 */
export async function recappedTokensOf(tx: Transaction, before: UserRow, after: UserRow): Promise<AuditEntry[]> {
  if (before.role === after.role) return [];
  const live = await tx
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.createdBy, after.id), isNull(apiTokens.revokedAt)));
  const entries: AuditEntry[] = [];
  for (const token of live) {
    const was = tokenResource({ token, creator: before });
    const is = tokenResource({ token, creator: after });
    if (was.effective_role !== is.effective_role)
      entries.push({ action: 'token.recap', entityType: 'token', entityId: token.id, before: was, after: is });
  }
  return entries;
}
