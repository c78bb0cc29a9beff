import { createToken } from '../../src/server/tokens/manage-tokens.ts';
import { createUser } from '../../src/server/users/manage-users.ts';
import { SYSTEM_ACTOR } from '../../src/server/change.ts';
import type { Role } from '../../src/domain/vocabulary.ts';
import type { TestSite } from './site.ts';

export async function addUser(site: TestSite, email: string, role: Role, password = 'correct-horse-battery') {
  const { value } = await createUser(
    { db: site.database.db, actor: SYSTEM_ACTOR, now: new Date() },
    { email, name: email.split('@')[0]!, role, password },
  );
  return value;
}

export async function addToken(site: TestSite, role: Role, name = `${role} token`) {
  const { value } = await createToken({ db: site.database.db, actor: SYSTEM_ACTOR, now: new Date() }, { name, role });
  return value;
}

/** A small client for the admin API that authenticates with a bearer token. */
export function api(site: TestSite, token?: string) {
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${site.url}/api/admin/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => request('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) => request('PATCH', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => request('PUT', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => request('DELETE', path, undefined, headers),
  };
}
