import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../db/schema.ts';
import { HttpError } from '../infra/errors.ts';
import type { HeraldServices } from '../server/services.ts';
import { storable } from '../infra/text-input.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { createSession, type SessionUser } from './sessions.ts';

export const LoginInput = z.strictObject({
  email: z
    .string()
    .trim()
    .max(254)
    .check(storable)
    .transform((e) => e.toLowerCase()),
  password: z.string().max(200),
});
export type LoginInput = z.infer<typeof LoginInput>;

const WRONG = () => new HttpError(401, 'invalid_credentials', 'the email or the password is wrong');

/**
 * Checks the password and opens a session. An unknown email and a wrong password get
 * the same answer in about the same time; repeated failures per email and client address
 * (and per address, and per email across addresses) wait, with 429 and Retry-After, before
 * any password is checked (see throttle.ts). `checkPassword` is replaceable for tests that
 * count the checks.
 */
export async function logIn(
  herald: HeraldServices,
  input: LoginInput,
  clientAddress: string,
  checkPassword: (hash: string, password: string) => Promise<boolean> = verifyPassword,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  const now = herald.now();
  // Before the first await: parallel attempts each see the slots taken by the others.
  const admission = herald.throttle.admit(input.email, clientAddress, now.getTime());
  if (!admission.admitted) {
    const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
    throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${seconds} s`, {
      headers: { 'retry-after': String(seconds) },
    });
  }
  const { attempt } = admission;
  try {
    const [user] = await herald.db.select().from(users).where(eq(users.email, input.email));
    const valid = await checkPassword(user?.passwordHash ?? (await decoyHash()), input.password);
    if (!user || !valid) {
      attempt.failed(herald.now().getTime());
      throw WRONG();
    }
    attempt.succeeded(herald.now().getTime());
    const session = await createSession(herald.db, user.id, now);
    return { ...session, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
  } finally {
    attempt.abandon();
  }
}
