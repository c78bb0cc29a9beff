import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { sessions, users } from '../db/schema.ts';
import type { Role } from '../domain/vocabulary.ts';
import { generateSecret, hashSecret } from './crypto.ts';

// Sessions as lucia-auth.com designs them: the cookie holds a random token, the database
// only its SHA-256; sessions slide forward while used and expire after 30 idle days.

export const SESSION_COOKIE = 'herald_session';
const DAY = 86_400_000;
const SESSION_LIFETIME = 30 * DAY;
const RENEW_WHEN_LEFT = 15 * DAY;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface ValidSession {
  sessionId: string;
  expiresAt: Date;
  user: SessionUser;
  /** True when the expiry moved: the cookie must be sent again. */
  renewed: boolean;
}

export async function createSession(
  db: Queryable,
  userId: string,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateSecret();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME);
  await db.insert(sessions).values({ id: hashSecret(token), userId, expiresAt, createdAt: now });
  return { token, expiresAt };
}

export async function validateSessionToken(db: Queryable, token: string, now: Date): Promise<ValidSession | null> {
  const sessionId = hashSecret(token);
  const [row] = await db
    .select({ expiresAt: sessions.expiresAt, id: users.id, email: users.email, name: users.name, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId));
  if (!row) return null;
  if (now.getTime() >= row.expiresAt.getTime()) {
    await db.delete(sessions).where(eq(sessions.id, sessionId));
    return null;
  }
  let expiresAt = row.expiresAt;
  const renewed = expiresAt.getTime() - now.getTime() < RENEW_WHEN_LEFT;
  if (renewed) {
    expiresAt = new Date(now.getTime() + SESSION_LIFETIME);
    await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId));
  }
  return { sessionId, expiresAt, renewed, user: { id: row.id, email: row.email, name: row.name, role: row.role } };
}

export async function invalidateSession(db: Queryable, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, hashSecret(token)));
}

/** Every session of a user ends: on a password or role change, or removal. */
export async function invalidateUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join(
    '; ',
  );
}
