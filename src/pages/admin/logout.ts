import type { APIRoute } from 'astro';
import { clearedSessionCookie, invalidateSession } from '../../auth/sessions.ts';
import { services } from '../../server/api/api-route.ts';

/** Ends the session on the server and clears the cookie. */
export const POST: APIRoute = async ({ locals }) => {
  const herald = services(locals);
  const principal = locals.principal;
  if (principal?.kind === 'user') await invalidateSession(herald.db, principal.sessionToken);
  return new Response(null, {
    status: 303,
    headers: { location: '/admin/login', 'set-cookie': clearedSessionCookie(herald.secureCookies) },
  });
};
