import { actorOf, type Principal } from '../../auth/principal.ts';
import { escapeHtml } from '../../domain/markdown.ts';
import { roleAllows, type Role } from '../../domain/vocabulary.ts';
import { publishCommitted, requirePrincipal, services } from '../api/api-route.ts';
import type { ChangeContext, Committed } from '../change.ts';
import type { HeraldServices } from '../services.ts';
import { textOf, type FormInput } from './form-fields.ts';
import { formErrorOf, type FormError } from './form-state.ts';

// What every admin page's frontmatter needs: who is asking, what they may do, and one
// way to run a form's change (authorise, commit, publish, or turn the failure into a
// message beside the field).

export interface AdminPage {
  herald: HeraldServices;
  principal: Principal;
  canEdit: boolean;
  isAdmin: boolean;
}

export function adminPage(locals: App.Locals): AdminPage {
  const principal = requirePrincipal(locals, 'viewer');
  return {
    herald: services(locals),
    principal,
    canEdit: roleAllows(principal.role, 'editor'),
    isAdmin: roleAllows(principal.role, 'admin'),
  };
}

/** The role is checked on every submit, whatever the page showed. */
export function changeContext(locals: App.Locals, role: Role): ChangeContext {
  const principal = requirePrincipal(locals, role);
  const herald = services(locals);
  return { db: herald.db, actor: actorOf(principal), now: herald.now() };
}

/** How a change reached the public site, for the notice after a redirect. */
export type PublishNotice = 'published' | 'saved' | 'publish_failed';

/** Publishes each committed change that the public can see (the publisher merges them). */
export async function publishAll(
  herald: HeraldServices,
  committed: ReadonlyArray<Committed<unknown>>,
): Promise<PublishNotice> {
  const results = await Promise.all(committed.map((c) => publishCommitted(herald, c)));
  if (results.some((r) => r['herald-publish']?.startsWith('failed'))) return 'publish_failed';
  return committed.some((c) => c.scope) ? 'published' : 'saved';
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: FormError };

/** Runs a form's change; expected failures come back as a FormError (`what` names the item in its message), unexpected ones are logged too. */
export async function attempt<T>(
  herald: HeraldServices,
  what: string | (() => Promise<string>),
  action: () => Promise<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    const formError = formErrorOf(error, typeof what === 'string' ? what : await what().catch(() => 'item'));
    if (formError.status >= 500)
      herald.log.error('admin form change failed', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    return { ok: false, error: formError };
  }
}

export const NOTICES: Record<string, { text: string; warn?: boolean }> = {
  published: { text: 'Saved and published.' },
  saved: { text: 'Saved.' },
  publish_failed: {
    text: 'Saved, but the public page could not be updated; see the publish status above.',
    warn: true,
  },
  deleted: { text: 'Deleted.' },
  revoked: { text: 'Token revoked; scripts using it are refused from now on.' },
  webhook_removed: { text: 'Webhook removed.' },
  webhook_reenabled: { text: 'Webhook re-enabled: new events reach it again.' },
  webhook_test: { text: 'Test event queued; it shows below once sent.' },
};

/** The notice named in ?notice=, from a fixed list (never text from the URL). */
export function noticeOf(url: URL): { text: string; warn?: boolean } | undefined {
  const key = url.searchParams.get('notice');
  return key ? NOTICES[key] : undefined;
}

/**
 * The answer to a form posted with an action its page does not have (from an older version
 * of the page, or made by hand): 400, nothing changed, and the way back.
 */
export function unknownIntent(url: URL, form: FormInput): Response {
  const page = escapeHtml(url.pathname);
  const intent = textOf(form, 'intent');
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Unknown action</title><p>This form asked for "${escapeHtml(intent)}", which is not an action of this page; nothing was changed. <a href="${page}">Reload the page</a> and try again.</p></html>`;
  return new Response(body, { status: 400, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
