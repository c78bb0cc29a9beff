import type { AstroGlobal } from 'astro';
import type { Principal } from '../../auth/principal.ts';
import { roleAllows, type Role } from '../../domain/vocabulary.ts';
import type { ChangeContext, Committed } from '../change.ts';
import type { HeraldServices } from '../services.ts';
import {
  adminPage,
  attempt,
  changeContext,
  NOTICES,
  noticeOf,
  publishAll,
  unknownIntent,
  type PublishNotice,
} from './admin-page.ts';
import { submittedValues, textOf, type FormInput } from './form-fields.ts';
import { FormState } from './form-state.ts';

// The counterpart of apiRoute for the admin's HTML forms. Every admin page that changes
// something is: load what it shows; on POST, pick the action the form's `intent` names from
// one table, check that action's role, run its use case, publish after commit, then either
// redirect with a notice (303, so a reload never posts twice) or show the page again with the
// form as the user sent it and the error beside its field. After a version conflict the form
// keeps the user's input but carries the version now stored, so submitting again applies it.
// Pages declare a loader and a table of actions; none reads the request's form data itself.

/** What a page may see of the request: the Astro global, narrowed to what this needs. */
export type AdminAstro = Pick<AstroGlobal, 'locals' | 'request' | 'url' | 'params' | 'redirect' | 'response'>;

/** Who is asking, for the loader and the page. */
export interface AdminViewer {
  herald: HeraldServices;
  principal: Principal;
  canEdit: boolean;
  isAdmin: boolean;
  /** The page's own role is met (otherwise the page answers 403 and shows why). */
  allowed: boolean;
  url: URL;
  method: string;
  params: Record<string, string | undefined>;
}

/** A posted form, read with the helpers of form-fields.ts. */
export type PostedForm = FormInput & Pick<FormData, 'keys'>;

/** What an action gets: the change context for its role, the posted form and its `id` field. */
export interface ActionContext {
  herald: HeraldServices;
  change: ChangeContext;
  /** The posted form: read it with the helpers of form-fields.ts and the page's formTo* parsers. */
  fields: PostedForm;
  /** The form's hidden `id` field ("" when it has none). */
  id: string;
  /** The page's route parameters (`[id]` in its path). */
  params: Record<string, string | undefined>;
}

/** A change is done: publish what it affects, then redirect to `to` (default: this page) with a notice. */
export interface Redirect {
  committed: Committed<unknown> | ReadonlyArray<Committed<unknown>>;
  /** A fixed notice (a key of NOTICES), or one chosen from how publishing went; without it, how publishing went. */
  notice?: keyof typeof NOTICES | ((published: PublishNotice) => keyof typeof NOTICES);
  /** Path, with an optional #fragment; ?notice= goes before the fragment. */
  to?: string;
}

/** Stay on the page and show what the action produced (a secret shown once, a preview, a count). */
export interface Show<R> {
  show: R;
  status?: number;
  notice?: { text: string; warn?: boolean };
  /** Show the form again as it was sent (a preview), instead of blank. */
  keepInput?: boolean;
}

export interface FormAction<R> {
  /** The least role that may submit this action; checked on every submit, whatever the page showed. */
  role: Role;
  /**
   * What the action changes, for its messages ("Someone else changed this component…"); may depend on what the page is
   * about.
   */
  what?: string | ((page: { herald: HeraldServices; params: Record<string, string | undefined> }) => Promise<string>);
  /**
   * Which form on the page this action's form is (its FormState key); default "<intent>-<id>", or "<intent>" without an
   * id.
   */
  key?: (id: string, fields: PostedForm) => string;
  run: (ctx: ActionContext) => Promise<Redirect | Show<R>>;
}

export interface AdminFormOptions<V, R> {
  /** The least role that may see the page (default viewer). Below it: 403 and nothing posted is run. */
  role?: Role;
  /** What the page's forms change, for their messages (an action may say otherwise). */
  what: string;
  /** The view the page renders; it runs after any submit, so it shows what is stored now. */
  loader: (viewer: AdminViewer) => Promise<V>;
  /** Every action of the page, by the `intent` its submit button sends. */
  actions: Record<string, FormAction<R>>;
  /** The version stored now of what a refused form changed, for conflict recovery. */
  currentVersion?: (view: V, refused: { intent: string; id: string; fields: PostedForm }) => number | undefined;
  /** Fields never sent back into the page (passwords). */
  neverShown?: readonly string[];
}

export interface AdminForm<V, R> extends AdminViewer {
  view: V;
  /** The intent of the form just submitted and not redirected, if any. */
  intent: string | null;
  /** What an action that stays on the page produced. */
  result: R | null;
  /** The notice to show: from the action just run, or named in ?notice=. */
  notice: { text: string; warn?: boolean } | undefined;
  /** The form `key` as the user sent it when its submit was refused or previewed, else one filled with `values`. */
  form: (key: string, values?: ConstructorParameters<typeof FormState>[1]) => FormState;
  /** `form` for the form of `intent` about item `id` ("" for none), under the actions' default key. */
  formFor: (intent: string, id: string, values?: ConstructorParameters<typeof FormState>[1]) => FormState;
  /** The form `key` if its submit was refused (for an error summary), else null. */
  refused: (key: string) => FormState | null;
}

const defaultKey = (intent: string) => (id: string) => (id ? `${intent}-${id}` : intent);

function withNotice(to: string, notice: string): string {
  const hash = to.indexOf('#');
  const [path, fragment] = hash < 0 ? [to, ''] : [to.slice(0, hash), to.slice(hash)];
  return `${path}${path.includes('?') ? '&' : '?'}notice=${notice}${fragment}`;
}

export async function adminForm<V, R = never>(
  Astro: AdminAstro,
  options: AdminFormOptions<V, R>,
): Promise<Response | AdminForm<V, R>> {
  const base = adminPage(Astro.locals);
  const allowed = roleAllows(base.principal.role, options.role ?? 'viewer');
  const viewer: AdminViewer = { ...base, allowed, url: Astro.url, method: Astro.request.method, params: Astro.params };
  if (!allowed) Astro.response.status = 403;

  let intent: string | null = null;
  let result: R | null = null;
  let notice = noticeOf(Astro.url);
  let submitted: FormState | null = null;
  let refused: { id: string; fields: PostedForm } | null = null;
  if (allowed && Astro.request.method === 'POST') {
    const fields = await Astro.request.formData();
    const posted = textOf(fields, 'intent');
    const action = Object.hasOwn(options.actions, posted) ? options.actions[posted] : undefined;
    if (!action) return unknownIntent(Astro.url, fields);
    intent = posted;
    const id = textOf(fields, 'id');
    // Asked only when a message needs it (a refused submit): it may cost a query.
    const what = async () =>
      typeof action.what === 'function'
        ? action.what({ herald: base.herald, params: Astro.params })
        : (action.what ?? options.what);
    const outcome = await attempt(base.herald, what, async () => {
      const change = changeContext(Astro.locals, action.role);
      const done = await action.run({ herald: base.herald, change, fields, id, params: Astro.params });
      if ('show' in done) return done;
      const committed = Array.isArray(done.committed) ? done.committed : [done.committed as Committed<unknown>];
      const published = await publishAll(base.herald, committed);
      const chosen = typeof done.notice === 'function' ? done.notice(published) : (done.notice ?? published);
      return { to: withNotice(done.to ?? Astro.url.pathname, chosen) };
    });
    const values = submittedValues(fields);
    for (const name of options.neverShown ?? []) delete values[name];
    const key = (action.key ?? defaultKey(posted))(id, fields);
    if (outcome.ok) {
      const done = outcome.value;
      if ('to' in done) return Astro.redirect(done.to, 303);
      result = done.show;
      if (done.status) Astro.response.status = done.status;
      if (done.notice) notice = done.notice;
      if (done.keepInput) submitted = new FormState(key, values);
    } else {
      Astro.response.status = outcome.error.status;
      submitted = new FormState(key, values, outcome.error);
      refused = { id, fields };
    }
  }

  const view = await options.loader(viewer);
  if (submitted?.error?.code === 'version_conflict' && intent !== null && refused) {
    const version = options.currentVersion?.(view, { intent, ...refused });
    if (version !== undefined) submitted = submitted.with({ version });
  }
  const shown = submitted;
  const form = (key: string, values?: ConstructorParameters<typeof FormState>[1]) =>
    shown?.key === key ? shown : new FormState(key, values);
  return {
    ...viewer,
    view,
    intent,
    result,
    notice,
    form,
    formFor: (intent, id, values) => form(defaultKey(intent)(id), values),
    refused: (key) => (shown?.key === key && shown.error ? shown : null),
  };
}
