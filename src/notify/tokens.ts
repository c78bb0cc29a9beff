import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { notifyState } from '../db/schema.ts';
import type { TokenPurpose } from '../domain/subscriptions.ts';

// Link tokens: "<subscriber id>.<HMAC-SHA256(secret, purpose, subscriber id)>". Nothing per
// token is stored; each is good for one subscriber and one purpose, and dies with the
// subscriber row (a removed address that subscribes again gets a new id, so new tokens).
// The secret lives in the database, created on first use, shared by every instance.

const secrets = new WeakMap<object, string>();

export async function tokenSecret(db: Queryable): Promise<string> {
  const cached = secrets.get(db);
  if (cached) return cached;
  let [row] = await db.select().from(notifyState).where(eq(notifyState.id, 1));
  if (!row) {
    await db
      .insert(notifyState)
      .values({ id: 1, tokenSecret: randomBytes(32).toString('base64url') })
      .onConflictDoNothing();
    [row] = await db.select().from(notifyState).where(eq(notifyState.id, 1));
  }
  secrets.set(db, row!.tokenSecret);
  return row!.tokenSecret;
}

function mac(secret: string, purpose: TokenPurpose, subscriberId: string): string {
  return createHmac('sha256', secret).update(`herald-subscriber-link\n${purpose}\n${subscriberId}`).digest('base64url');
}

export function signToken(secret: string, purpose: TokenPurpose, subscriberId: string): string {
  return `${subscriberId}.${mac(secret, purpose, subscriberId)}`;
}

/** The subscriber id the token was made for, or null when it is not a valid token for `purpose`. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string | null | undefined): string | null {
  if (!token) return null;
  const match = /^([0-9a-z]{12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const expected = Buffer.from(mac(secret, purpose, match[1]!));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1]! : null;
}

export interface SubscriberLinks {
  confirm: string;
  manage: string;
  unsubscribe: string;
}

/** A subscriber's links, to pages Herald answers itself (under HERALD_APP_URL). */
export function subscriberLinks(secret: string, appUrl: string, subscriberId: string): SubscriberLinks {
  const base = appUrl.replace(/\/+$/, '');
  const link = (path: string, purpose: TokenPurpose) =>
    `${base}/subscriptions/${path}?token=${signToken(secret, purpose, subscriberId)}`;
  return {
    confirm: link('confirm', 'confirm'),
    manage: link('manage', 'manage'),
    unsubscribe: link('unsubscribe', 'unsubscribe'),
  };
}
