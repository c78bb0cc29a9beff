import type { APIRoute } from 'astro';
import { logIn, LoginInput } from '../../../../auth/login.ts';
import { clearedSessionCookie, invalidateSession, sessionCookie } from '../../../../auth/sessions.ts';
import { json, readJsonBody, requirePrincipal, services } from '../../../../server/api/api-route.ts';
import { requestClientAddress } from '../../../../infra/client-address.ts';
import { errorResponse } from '../../../../infra/errors.ts';

/** Signs in a script or the admin form: sets the session cookie. */
export const POST: APIRoute = async ({ request, locals }) => {
  try {
    const herald = services(locals);
    const input = LoginInput.parse(await readJsonBody(request));
    const session = await logIn(herald, input, requestClientAddress(locals));
    return json({ user: session.user, expires_at: session.expiresAt.toISOString() }, 200, {
      'set-cookie': sessionCookie(session.token, session.expiresAt, herald.secureCookies),
    });
  } catch (error) {
    return errorResponse(error);
  }
};

export const GET: APIRoute = ({ locals }) => {
  try {
    const principal = requirePrincipal(locals, 'viewer');
    const { sessionToken: _secret, ...visible } =
      principal.kind === 'user' ? principal : { ...principal, sessionToken: undefined };
    return json({ principal: visible });
  } catch (error) {
    return errorResponse(error);
  }
};

/** Signs out: the session ends on the server, the cookie is cleared. */
export const DELETE: APIRoute = async ({ locals }) => {
  try {
    const principal = requirePrincipal(locals, 'viewer');
    const herald = services(locals);
    if (principal.kind === 'user') await invalidateSession(herald.db, principal.sessionToken);
    return new Response(null, { status: 204, headers: { 'set-cookie': clearedSessionCookie(herald.secureCookies) } });
  } catch (error) {
    return errorResponse(error);
  }
};
