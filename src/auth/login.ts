import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../db/schema.ts';
import { HttpError } from '../server/errors.ts';
import type { HeraldServices } from '../server/services.ts';
import { storable } from '../server/text-input.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { createSession, type SessionUser } from './sessions.ts';

export const LoginInput = z.strictObject({
  email: z.string().trim().max(254).check(storable).transform((e) => e.toLowerCase()),
  password: z.string().max(200),
});
export type LoginInput = z.infer<typeof LoginInput>;

const WRONG = () => new HttpError(401, 'invalid_credentials', 'the email or the password is wrong');

/**
 * Checks the password and opens a session. An unknown email and a wrong password get
 * the same answer in about the same time; repeated failures per account and per client
 * address are slowed down (429 with Retry-After).
 */
export async function logIn(herald: HeraldServices, input: LoginInput, clientAddress: string): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  const now = herald.now();
  const keys = [
    { key: `account:${input.email}`, free: 5 },
    { key: `ip:${clientAddress}`, free: 20 },
  ];
  const wait = herald.throttle.retryAfter(keys, now.getTime());
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
  }
  const [user] = await herald.db.select().from(users).where(eq(users.email, input.email));
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
  if (!user || !valid) {
    herald.throttle.recordFailure(keys, now.getTime());
    throw WRONG();
  }
  herald.throttle.recordSuccess(keys);
  const session = await createSession(herald.db, user.id, now);
  return { ...session, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
