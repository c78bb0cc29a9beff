import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { apiTokens } from '../db/schema.ts';
import type { Role } from '../domain/vocabulary.ts';
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

/** The token's identity if it is known, unrevoked and unexpired; records its use. */
export async function validateApiToken(db: Queryable, token: string, now: Date): Promise<TokenPrincipal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashSecret(token)), isNull(apiTokens.revokedAt)));
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
  // Last use only needs minute precision; skipping most writes keeps reads cheap.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return { id: row.id, name: row.name, role: row.role };
}
