import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { generateApiToken } from '../../auth/api-tokens.ts';
import type { Queryable } from '../../db/client.ts';
import { apiTokens } from '../../db/schema.ts';
import { ROLES } from '../../domain/vocabulary.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { HttpError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';

export const TokenInput = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  role: z.enum(ROLES),
  expires_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).transform((s) => new Date(s)).nullable().optional(),
});
export type TokenInput = z.infer<typeof TokenInput>;

type TokenRow = typeof apiTokens.$inferSelect;

/** Never includes the token or its hash. */
export function tokenResource(t: TokenRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return { id: t.id, name: t.name, role: t.role, created_at: t.createdAt.toISOString(), expires_at: iso(t.expiresAt), last_used_at: iso(t.lastUsedAt), revoked_at: iso(t.revokedAt) };
}

export async function listTokens(db: Queryable) {
  return (await db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt))).map(tokenResource);
}

/** The token is in the answer once and never again. */
export function createToken(ctx: ChangeContext, input: TokenInput) {
  if (input.expires_at && input.expires_at.getTime() <= ctx.now.getTime()) {
    throw new HttpError(422, 'invalid_field', 'expires_at: must be in the future', { field: 'expires_at' });
  }
  return runChange(ctx, async (tx) => {
    const { token, tokenHash } = generateApiToken();
    const [row] = await tx
      .insert(apiTokens)
      .values({ id: newId(), name: input.name, role: input.role, tokenHash, createdBy: ctx.actor.id, createdAt: ctx.now, expiresAt: input.expires_at ?? null })
      .returning();
    const value = tokenResource(row!);
    return { value: { ...value, token }, audit: [{ action: 'token.create', entityType: 'token', entityId: row!.id, after: value }] };
  });
}

export function revokeToken(ctx: ChangeContext, id: string) {
  return runChange(ctx, async (tx) => {
    const [current] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update');
    if (!current) throw notFound('token', id);
    const [row] = await tx.update(apiTokens).set({ revokedAt: current.revokedAt ?? ctx.now }).where(eq(apiTokens.id, id)).returning();
    const value = tokenResource(row!);
    return { value, audit: [{ action: 'token.revoke', entityType: 'token', entityId: id, before: tokenResource(current), after: value }] };
  });
}
