import type { Role } from '../domain/vocabulary.ts';

/** Who is making an admin request. */
export type Principal =
  | { kind: 'user'; id: string; email: string; name: string; role: Role; sessionToken: string }
  | { kind: 'token'; id: string; name: string; role: Role };

export function actorOf(principal: Principal) {
  return principal.kind === 'user'
    ? { type: 'user' as const, id: principal.id, label: principal.email, role: principal.role }
    : { type: 'token' as const, id: principal.id, label: `token "${principal.name}"`, role: principal.role };
}
