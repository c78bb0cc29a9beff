import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { apiTokens, users } from '../db/schema.ts';
import { lowerRole, type Role } from '../domain/vocabulary.ts';
import { generateSecret, hashSecret } from './crypto.ts';

/** Recognisable in logs and by secret scanners. */
export const TOKEN_PREFIX = 'hrld_';

export function generateApiToken(): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX}${generateSecret()}`;
  return { token, tokenHash: hashSecret(token) };
}

export interface TokenPrincipal {
  id: string;
  name: string;
  role: Role;
}

/**
 * A token acts for the user who created it and never above them: its role is capped by
 * their current role, and once they are removed it acts as nobody (null). Tokens made by
 * Herald itself (no creator) keep their own role.
 */
export function effectiveTokenRole(tokenRole: Role, createdBy: string | null, creatorRole: Role | null): Role | null {
  if (createdBy === null) return tokenRole;
  return creatorRole === null ? null : lowerRole(tokenRole, creatorRole);
}

/** The token's identity if it is known, unrevoked, unexpired and its creator still here; records its use. */
export async function validateApiToken(db: Queryable, token: string, now: Date): Promise<TokenPrincipal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select({ token: apiTokens, creatorRole: users.role })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.createdBy))
    .where(and(eq(apiTokens.tokenHash, hashSecret(token)), isNull(apiTokens.revokedAt)));
  if (!row || (row.token.expiresAt && row.token.expiresAt.getTime() <= now.getTime())) return null;
  const role = effectiveTokenRole(row.token.role, row.token.createdBy, row.creatorRole);
  if (!role) return null;
  // Last use only needs minute precision; skipping most writes keeps reads cheap.
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return { id: row.token.id, name: row.token.name, role };
}
