import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { ROLES } from '../../domain/vocabulary.ts';
import type { Actor } from '../change.ts';
import { HttpError } from '../../infra/errors.ts';
import { createUser, updateUser, UserInput, UserPatch } from './manage-users.ts';

// What `npm run user` does, wherever it runs: in the server (embedded database) or in the
// command itself (PostgreSQL, or no server running).

export const UserCommand = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('create'),
    email: z.string(),
    name: z.string().optional(),
    role: z.enum(ROLES),
    password: z.string().optional(),
  }),
  z.strictObject({ action: z.literal('reset-password'), email: z.string(), password: z.string().optional() }),
]);
export type UserCommand = z.infer<typeof UserCommand>;

const CLI_ACTOR: Actor = { type: 'system', id: null, label: 'npm run user', role: 'admin' };

/** Runs the command; returns the password to hand over (generated when none was given). */
export async function runUserCommand(
  db: Database,
  command: UserCommand,
  now: Date,
): Promise<{ email: string; password: string; generated: boolean }> {
  const password = command.password ?? randomBytes(12).toString('base64url');
  const ctx = { db, actor: CLI_ACTOR, now };
  if (command.action === 'create') {
    const input = UserInput.parse({
      email: command.email,
      name: command.name ?? command.email.split('@')[0],
      role: command.role,
      password,
    });
    await createUser(ctx, input);
    return { email: input.email, password, generated: !command.password };
  }
  const email = command.email.toLowerCase();
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) throw new HttpError(404, 'not_found', `no user with email ${email}`, { field: 'email' });
  await updateUser(ctx, user.id, UserPatch.parse({ password }));
  return { email, password, generated: !command.password };
}
