import { createHmac } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession } from '../../src/auth/sessions.ts';
import { openApiDocument } from '../../src/server/api/openapi.ts';
import { UNSTORABLE_VALUE } from '../../src/infra/errors.ts';
import type { Logger } from '../../src/infra/log.ts';
import { requestSubscription } from '../../src/server/subscribers/manage-subscriptions.ts';
import { signToken, tokenSecret } from '../../src/notify/tokens.ts';
import {
  alertSources,
  apiTokens,
  componentGroups,
  components,
  incidents,
  incidentUpdates,
  maintenanceSeries,
  subscribers,
  templates,
  users,
  webhookEndpoints,
} from '../../src/db/schema.ts';
import { eq } from 'drizzle-orm';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Issue 13: whatever a client sends — NUL and other control characters, lone surrogates,
// over-long values, quotes and SQL, malformed ids — the answer is never a 5xx and the log
// shows no failure. Every operation of the OpenAPI document and every form of the admin and
// public pages is driven with generated hostile values (fixed seed, so a failure replays).

const RUNS = { pglite: 20, postgres: 5 } as const;
const SEED = 1313;
const WEBHOOK_SECRET = `whsec_${Buffer.from('hostile input test secret').toString('base64')}`;

// ---- hostile values ----------------------------------------------------------------

const LONG = 'x'.repeat(100_000);
const HOSTILE_TEXT = [
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(12),
  '\u0001',
  'tab\tand\u000bvertical',
  '\u001b[31mred',
  '\u007f',
  '\u0085',
  '\u009f',
  '\ud800',
  'a\udc00b',
  '\ud83d',
  '\udfff\ud800',
  LONG,
  'é'.repeat(20_000),
  '名'.repeat(5_000),
  "' OR '1'='1",
  "'; DROP TABLE components; --",
  'Robert"); DELETE FROM users; --',
  '%',
  '%00',
  '%ff',
  '\\',
  '\\u0000',
  '_%',
  '\u202eevil',
  '\ufeff',
  '\ufffe',
  '𝕳𝖊𝖗𝖆𝖑𝖉',
  '👩‍👩‍👧',
  '',
  ' ',
  '\r\n',
  '<script>alert(1)</script>',
  '{{page}}',
  '{{',
  'null',
  'true',
  '-1',
  '1e999',
  'NaN',
  '../../etc/passwd',
];
const withCharIn = (min: number, max: number) =>
  fc
    .tuple(fc.string({ maxLength: 4 }), fc.integer({ min, max }), fc.string({ maxLength: 4 }))
    .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b}`);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: withCharIn(0, 0x1f) },
  { weight: 2, arbitrary: withCharIn(0xd800, 0xdfff) },
  { weight: 1, arbitrary: withCharIn(0x7f, 0x9f) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 121, max: 60_000 }).map((n) => 'y'.repeat(n)) },
);
/** Hostile ids as they go into a URL path (raw percent sequences included: some cannot be encoded). */
const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%00',
    'abcdefabcde%00',
    '%ED%A0%80',
    '%FF',
    '%',
    'ABCDEFABCDEF',
    'zzzzzzzzzzzz',
    'abc',
    '1',
    '-1',
    "'%20OR%201=1--",
    '%2e%2e',
    'x'.repeat(5_000),
    '%E2%80%AE',
  ),
  hostileString.map((s) => encodeSegment(s)),
);
function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s) || '%20';
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as the UTF-8 bytes a client could still send
  }
}
/** Query strings, percent-encoded by hand so that invalid UTF-8 reaches the server too. */
const queryValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(encodeSegment),
  fc.constantFrom('%ED%A0%80', '%FF', '%', '%00', '1', '0', '100000000000000000000', 'true', 'incident'),
);

// ---- JSON Schema (as the OpenAPI document gives it) to arbitrary values -----------------

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/** Plausible values mixed with hostile ones in every slot, so a hostile value also gets past the fields before it. */
function arbitraryOf(schema: Schema, ids: string[]): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => arbitraryOf(s, ids)));
  if (schema.enum)
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString });
  switch (schema.type) {
    case 'string':
      return fc.oneof({ weight: 2, arbitrary: plausibleString(schema, ids) }, { weight: 1, arbitrary: hostileString });
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 100_000) }),
        fc.constantFrom(-1, 0, 0.5, 1e308, 2 ** 53 + 2, '1'),
      );
    case 'boolean':
      return fc.oneof(
        { weight: 4, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom('true', 1, null) },
      );
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, ids), { maxLength: 3 });
    case 'object': {
      if (schema.properties) {
        const model = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, arbitraryOf(s, ids)]));
        const known = fc.record(model, { requiredKeys: schema.required ?? [] });
        const extra = fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 1 });
        return fc.oneof(
          { weight: 5, arbitrary: known },
          { weight: 1, arbitrary: fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a })) },
        );
      }
      const value =
        typeof schema.additionalProperties === 'object'
          ? arbitraryOf(schema.additionalProperties, ids)
          : fc.jsonValue({ maxDepth: 1 });
      const key = schema.propertyNames
        ? (arbitraryOf(schema.propertyNames, ids) as fc.Arbitrary<string>).filter((k) => typeof k === 'string')
        : hostileString;
      return fc.dictionary(key, value, { maxKeys: 3 });
    }
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function plausibleString(schema: Schema, ids: string[]): fc.Arbitrary<string> {
  if (schema.pattern === '^[0-9a-z]{12}$') return fc.constantFrom(...ids);
  if (schema.format === 'date-time') return fc.constantFrom('2030-01-01T10:00:00Z', '2030-01-01T12:00:00+02:00');
  if (schema.format === 'email') return fc.integer({ min: 1, max: 1e6 }).map((n) => `person${n}@example.com`);
  if (schema.format === 'uri') return fc.constant('https://example.com/status');
  if (schema.pattern?.startsWith('^\\d{4}')) return fc.constant('2026-01-31');
  if (schema.pattern?.startsWith('^#')) return fc.constant('#123456');
  return fc.constantFrom('Plain words', 'Europe/Berlin', 'https://hooks.example.com/x', 'correct-horse-battery');
}

// ---- what the server logged --------------------------------------------------------

const logged: string[] = [];
const capturingLogger: Logger = {
  info() {},
  warn() {},
  error: (message, fields) => void logged.push(`${message} ${JSON.stringify(fields ?? {})}`),
};

interface Answer {
  status: number;
  text: string;
  contentType: string;
  location: string;
}

/** No 5xx, and nothing logged as a failure (our logger, or Astro's own on the console). */
function expectHandled(answer: Answer, what: string) {
  expect(answer.status, `${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(logged, `${what} logged a failure`).toEqual([]);
  if (answer.status >= 400 && answer.contentType.includes('json')) {
    const body = JSON.parse(answer.text);
    expect(typeof body.error?.code, `${what}: ${answer.text.slice(0, 300)}`).toBe('string');
  }
  // Refused by the database rather than by the boundary, which would have named the field.
  expect(
    answer.text.includes(UNSTORABLE_VALUE) || answer.text.includes('the database can store'),
    `${what} got past the boundary: ${answer.text.slice(0, 300)}`,
  ).toBe(false);
}

// ---- HTML forms --------------------------------------------------------------------

interface FormField {
  name: string;
  value: string;
  /** An unticked checkbox or radio button: sent only when a run ticks it. */
  unticked?: boolean;
}
/** One submit button of a rendered form: a form with several buttons is one of these per button. */
interface HtmlForm {
  method: string;
  action: string;
  /** What the page filled in, the button's name and value included. */
  fields: FormField[];
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? decode(m[1]!) : null;
};

/** Every form of a page, once per submit button, with the values the page filled in. */
function formsOf(html: string, pagePath: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const open = match[1]!;
    const inner = match[2]!;
    const method = (attr(open, 'method') ?? 'get').toLowerCase();
    const action = attr(open, 'action') || pagePath;
    const fields: FormField[] = [];
    for (const input of inner.matchAll(/<input\b[^>]*>/g)) {
      const tag = input[0];
      const name = attr(tag, 'name');
      const type = attr(tag, 'type') ?? 'text';
      if (!name || type === 'submit' || type === 'file') continue;
      const unticked = (type === 'checkbox' || type === 'radio') && !/\schecked\b/.test(tag);
      fields.push({
        name,
        value: attr(tag, 'value') ?? (type === 'checkbox' ? 'on' : ''),
        ...(unticked ? { unticked } : {}),
      });
    }
    for (const select of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = attr(select[1]!, 'name');
      if (!name) continue;
      const options = [...select[2]!.matchAll(/<option\b([^>]*)>/g)].map((o) => o[1]!);
      const chosen = options.find((o) => /\sselected\b/.test(o)) ?? options[0];
      fields.push({ name, value: chosen ? (attr(chosen, 'value') ?? '') : '' });
    }
    for (const area of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const name = attr(area[1]!, 'name');
      if (name) fields.push({ name, value: decode(area[2]!) });
    }
    const buttons = [...inner.matchAll(/<button\b([^>]*)>/g)].map((b) => b[1]!).filter((b) => attr(b, 'name'));
    if (buttons.length === 0) forms.push({ method, action, fields });
    for (const button of buttons)
      forms.push({
        method,
        action,
        fields: [...fields, { name: attr(button, 'name')!, value: attr(button, 'value') ?? '' }],
      });
  }
  return forms;
}

const withoutIds = (s: string) =>
  s.replace(/(^|[/=#-])[0-9a-z]{12}(?=$|[/.?&#])/g, '$1{id}').replace(/\.[A-Za-z0-9_-]{43}/g, '');
const formKey = (form: HtmlForm) =>
  `${form.method} ${withoutIds(form.action)} ${form.fields.find((f) => f.name === 'intent')?.value ?? ''}`;

/** The form's fields, each kept or made hostile, sometimes with a hostile field added. */
function hostileForm(form: HtmlForm): fc.Arbitrary<FormField[]> {
  const fields = form.fields.map((f): fc.Arbitrary<FormField | null> => {
    if (f.name === 'intent') return fc.constant(f);
    const hostile = hostileString.map((value) => ({ name: f.name, value }));
    if (f.unticked)
      return fc.oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant({ name: f.name, value: f.value }) },
        { weight: 1, arbitrary: hostile },
      );
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant(f) },
      { weight: 1, arbitrary: hostile },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  });
  const names = [...new Set(form.fields.map((f) => f.name.split('.')[0]!)), 'x'];
  const extra = fc.option(
    fc
      .tuple(fc.constantFrom(...names), hostileString, hostileString)
      .map(([prefix, key, value]) => ({ name: `${prefix}.${key}`, value })),
    { freq: 3 },
  );
  return fc
    .tuple(fc.tuple(...fields), extra)
    .map(([kept, added]) => [...kept.filter((f) => f !== null), ...(added ? [added] : [])]);
}

/** URL-encoded by hand: a lone surrogate goes as the bytes a client could send, not as U+FFFD. */
function formBody(fields: FormField[]): string {
  return fields.map((f) => `${encodeSegment(f.name)}=${encodeSegment(f.value)}`).join('&');
}

// ---- the admin pages on disk -----------------------------------------------------------

const ADMIN_PAGES_DIR = path.resolve(import.meta.dirname, '../../src/pages/admin');
function adminPagesOnDisk(): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        pages.push(
          `/admin/${path.relative(ADMIN_PAGES_DIR, full)}`
            .replace(/\.(astro|ts)$/, '')
            .replace(/\/index$/, '')
            .replace(/\[(\w+)\]/g, '{$1}'),
        );
    }
  };
  walk(ADMIN_PAGES_DIR);
  return pages;
}

const document = openApiDocument(SITE_URL) as unknown as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: { content: { 'application/json': { schema: Schema } } };
      }
    >
  >;
};
const operations = Object.entries(document.paths).flatMap(([apiPath, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ apiPath, method, op })),
);
const pathParamsOf = (apiPath: string) => [...apiPath.matchAll(/\{(\w+)\}/g)].map((m) => m[0]);

// ---- valid bodies, and the text fields in them ---------------------------------------

let emails = 0;
/** A value the schema accepts (required members only), for a body that is valid but for one field. */
function validOf(schema: Schema, name: string, ids: Record<string, string>): unknown {
  if (schema.anyOf)
    return validOf(
      schema.anyOf.find((s) => s.type !== 'null')!,
      name,
      ids,
    );
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.pattern === '^[0-9a-z]{12}$') return ids.components;
      if (schema.format === 'date-time') return '2030-01-01T10:00:00Z';
      if (schema.format === 'email') return `valid${++emails}@example.com`;
      if (schema.format === 'uri' || name === 'url') return 'https://hooks.example.com/valid';
      if (schema.pattern?.startsWith('^\\d{4}')) return '2026-01-31';
      if (schema.pattern?.startsWith('^#')) return '#123456';
      return (
        { password: 'correct-horse-battery', time_zone: 'Europe/Berlin', rrule: 'FREQ=WEEKLY;BYDAY=SU' }[name] ??
        'Plain words'
      );
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return (schema as { minItems?: number }).minItems ? [validOf(schema.items!, name, ids)] : [];
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, validOf(schema.properties![key]!, key, ids)]),
      );
  }
  throw new Error(`no valid value for ${name}: ${JSON.stringify(schema)}`);
}

/** Paths of the fields where a client sends text (strings other than a fixed choice), and their schemas' parents. */
function textFieldsOf(schema: Schema, prefix: string[] = []): string[][] {
  const fields: string[][] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const variants = child.anyOf ?? [child];
    const path = [...prefix, key];
    if (variants.some((v) => v.type === 'string' && !v.enum)) fields.push(path);
    for (const v of variants) {
      if (v.type === 'array' && v.items?.type === 'string' && !v.items.enum) fields.push([...path, '0']);
      if (v.type === 'object' && v.properties) fields.push(...textFieldsOf(v, path));
      if (v.type === 'object' && typeof v.additionalProperties === 'object' && v.propertyNames?.enum)
        fields.push(...textFieldsOf(v.additionalProperties, [...path, String(v.propertyNames.enum[0])]));
    }
  }
  return fields;
}

/** The body with `value` at `path`, the objects on the way made valid. */
function bodyWith(schema: Schema, path: string[], value: unknown, ids: Record<string, string>): unknown {
  const body = validOf(schema, '', ids) as Record<string, unknown>;
  let node: Record<string, unknown> = body;
  let nodeSchema: Schema | undefined = schema;
  path.slice(0, -1).forEach((key, i) => {
    const childSchema: Schema | undefined =
      nodeSchema?.properties?.[key] ??
      (typeof nodeSchema?.additionalProperties === 'object' ? nodeSchema.additionalProperties : undefined);
    const next = path[i + 1]!;
    node[key] ??= /^\d+$/.test(next) ? [] : childSchema?.properties ? validOf(childSchema, key, ids) : {};
    node = node[key] as Record<string, unknown>;
    nodeSchema = childSchema;
  });
  node[path.at(-1)!] = value;
  return body;
}

/** Text no database column can take, each refused naming its field. */
const UNSTORABLE = [
  ['NUL', 'a\u0000b'],
  ['a control character', 'a\u0001b'],
  ['a lone surrogate', 'a\ud800b'],
  ['100,000 characters', LONG],
] as const;
// A sign-in password is compared with a hash, never stored: any text is only a wrong password.
const NOT_STORED = new Set(['post /session password']);

/**
 * The public pages answered per request (their forms post to themselves): /subscribe and everything under
 * /subscriptions.
 */
const PUBLIC_FORM_PAGES = [
  '/subscribe',
  ...readdirSync(path.resolve(import.meta.dirname, '../../src/pages/subscriptions'))
    .sort()
    .map((name) => `/subscriptions/${name.replace(/\.astro$/, '')}`),
];
/** Query parameters pages read, besides those their GET forms name. */
const QUERY_NAMES = [
  'notice',
  'template',
  'lang',
  'next',
  'q',
  'status',
  'kind',
  'page',
  'before_id',
  'action',
  'entity_type',
  'entity_id',
  'actor_id',
  'limit',
  'after',
  'unresolved',
  'token',
  'remove',
  'language',
];

describe.each(DRIVERS)('hostile input on %s', (driver) => {
  const runs = RUNS[driver];
  let site: TestSite;
  let adminToken = '';
  let adminTokenId = '';
  let cookie = '';
  /** Valid ids of existing items, by the collection their path names. */
  const ids: Record<string, string> = {};
  /** A new subscriber's link tokens (the admin's hostile forms may have removed the last one). */
  const subscribe = async () => {
    const email = `reader-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    await requestSubscription(
      site.database.db,
      { email, scope: 'all', component_ids: [], group_ids: [], maintenance: true },
      new Date(),
    );
    return (await site.database.db.select().from(subscribers).where(eq(subscribers.email, email)))[0]!;
  };
  const subscriberTokens = async () => {
    const reader = await subscribe();
    const secret = await tokenSecret(site.database.db);
    return {
      confirm: signToken(secret, 'confirm', reader.id),
      manage: signToken(secret, 'manage', reader.id),
      unsubscribe: signToken(secret, 'unsubscribe', reader.id),
    };
  };

  /** Statuses seen per operation (HOSTILE_INPUT_DEBUG=1 prints them). */
  const seen = new Map<string, Record<number, number>>();
  let operation = '';
  const send = async (
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${site.url}${url}`, {
      method,
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
    });
    const counts = seen.get(operation) ?? {};
    counts[response.status] = (counts[response.status] ?? 0) + 1;
    seen.set(operation, counts);
    return {
      status: response.status,
      text: await response.text(),
      contentType: response.headers.get('content-type') ?? '',
      location: response.headers.get('location') ?? '',
    };
  };

  /** A Resend webhook call, signed with the site's secret or not. */
  const sendResendEvent = (body: string, signed = true) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(WEBHOOK_SECRET.slice(6), 'base64');
    const signature = signed
      ? `v1,${createHmac('sha256', key).update(`msg_1.${timestamp}.${body}`).digest('base64')}`
      : 'v1,AAAA';
    return send('POST', '/api/webhooks/resend', {
      headers: {
        'content-type': 'application/json',
        'svix-id': 'msg_1',
        'svix-timestamp': timestamp,
        'svix-signature': signature,
      },
      body,
    });
  };

  /** A hostile run may take the signed-in user's admin role or end their session: sign in again then. */
  const ensureSignedIn = async () => {
    const who = await send('GET', '/api/admin/v1/session', { headers: { cookie } });
    if (who.status === 200 && JSON.parse(who.text).principal.role === 'admin') return;
    const user = await addUser(site, `admin-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, 'admin');
    cookie = `herald_session=${(await createSession(site.database.db, user.id, new Date())).token}`;
  };

  /** One item of each kind for valid ids, made again when a hostile run removed it (and visitor webhooks on). */
  const ensureSeeded = async () => {
    const db = site.database.db;
    const admin = api(site, adminToken);
    const exists = async (
      table:
        | typeof components
        | typeof componentGroups
        | typeof incidents
        | typeof incidentUpdates
        | typeof templates
        | typeof maintenanceSeries
        | typeof alertSources
        | typeof users
        | typeof apiTokens
        | typeof webhookEndpoints
        | typeof subscribers,
      id: string | undefined,
    ) => id !== undefined && (await db.select({ id: table.id }).from(table).where(eq(table.id, id))).length > 0;
    if (!(await exists(componentGroups, ids['component-groups'])))
      ids['component-groups'] = (await admin.post('/component-groups', { name: 'Core' })).body.id;
    if (!(await exists(components, ids.components)))
      ids.components = (await admin.post('/components', { name: 'API', group_id: ids['component-groups'] })).body.id;
    if (!(await exists(incidents, ids.incidents)) || !(await exists(incidentUpdates, ids.updates))) {
      const incident = (
        await admin.post('/incidents', {
          name: 'Slow API',
          body: 'Looking.',
          components: { [ids.components!]: 'degraded_performance' },
        })
      ).body;
      ids.incidents = incident.id;
      ids.updates = incident.incident_updates[0].id;
    }
    if (!(await exists(incidents, ids.maintenance)))
      ids.maintenance = (
        await admin.post('/incidents', {
          kind: 'maintenance',
          name: 'Upgrade',
          body: 'Planned.',
          scheduled_for: '2030-01-01T10:00:00Z',
          scheduled_until: '2030-01-01T11:00:00Z',
        })
      ).body.id;
    if (!(await exists(incidents, ids.resolved)))
      ids.resolved = (await admin.post('/incidents', { name: 'Was down', body: 'Fixed.', status: 'resolved' })).body.id;
    if (!(await exists(templates, ids.templates)))
      ids.templates = (
        await admin.post('/templates', {
          name: 'Outage',
          status: 'investigating',
          title: 'Outage',
          body: 'We are looking at {{components}}.',
        })
      ).body.id;
    if (!(await exists(users, ids.users)))
      ids.users = (await addUser(site, `someone-${Date.now()}@example.com`, 'editor')).id;
    if (!(await exists(apiTokens, ids['api-tokens'])))
      ids['api-tokens'] = (await addToken(site, 'viewer', 'seeded')).id;
    if (!(await exists(webhookEndpoints, ids.webhooks)))
      ids.webhooks = (
        await admin.post('/webhooks', { url: 'https://hooks.example.com/seeded', events: ['incident.created'] })
      ).body.id;
    if (!(await exists(subscribers, ids.subscribers))) ids.subscribers = (await subscribe()).id;
    if (!(await exists(alertSources, ids['alert-sources']))) {
      const alertSource = (await admin.post('/alert-sources', { name: 'Prometheus', kind: 'generic' })).body;
      ids['alert-sources'] = alertSource.id;
      // A firing alert on a component: a suggested incident to publish or dismiss.
      const posted = await fetch(`${site.url}/api/webhooks/alerts/${alertSource.id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alertSource.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', labels: { component: ids.components } }),
      });
      ids.suggestions = ((await posted.json()) as { suggestions: string[] }).suggestions[0]!;
    }
    if (!(await exists(maintenanceSeries, ids['maintenance-series'])))
      ids['maintenance-series'] = (
        await admin.post('/maintenance-series', {
          name: 'Weekly',
          body: 'Planned.',
          rrule: 'FREQ=WEEKLY;BYDAY=SU',
          starts_at: '2030-01-06T02:00:00Z',
          duration_minutes: 60,
        })
      ).body.id;
    const settings = (await admin.get('/page')).body;
    if (!settings.visitor_webhooks) expect((await admin.patch('/page', { visitor_webhooks: true })).status).toBe(200);
    for (const [what, id] of Object.entries(ids)) expect(id, what).toMatch(/^[0-9a-z]{12}$/);
  };

  beforeAll(async () => {
    site = await startTestSite(driver, { log: capturingLogger, webhookSecret: WEBHOOK_SECRET });
    await site.publisher.publishAll();
    ({ token: adminToken, id: adminTokenId } = await addToken(site, 'admin'));
    await ensureSeeded();
    const boss = await addUser(site, 'boss@example.com', 'admin');
    cookie = `herald_session=${(await createSession(site.database.db, boss.id, new Date())).token}`;
    // From here on, anything the server logs as an error fails the test.
    vi.spyOn(console, 'error').mockImplementation(
      (...args: unknown[]) => void logged.push(`console.error ${args.map(String).join(' ')}`),
    );
  });
  beforeEach(() => ensureSeeded());
  afterEach(() => {
    logged.length = 0;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    if (process.env.HOSTILE_INPUT_DEBUG)
      for (const [name, counts] of seen) process.stdout.write(`${name}: ${JSON.stringify(counts)}\n`);
    await site?.close();
  });

  describe('every operation of the OpenAPI document', () => {
    it('is the document the server serves', async () => {
      const served = await send('GET', '/api/admin/v1/openapi.json');
      expect(JSON.parse(served.text).paths).toEqual(JSON.parse(JSON.stringify(document.paths)));
    });

    it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.apiPath}`, o] as const))(
      '%s answers hostile input with a 4xx, never a 5xx',
      async (_name, { apiPath, method, op }) => {
        const pathParams = [...apiPath.matchAll(/\{(\w+)\}/g)].map((m) => m[0]);
        // A path parameter's valid id is that of an item of the collection before it.
        const validIdFor = (param: string) => {
          const collection = apiPath
            .slice(0, apiPath.indexOf(param) - 1)
            .split('/')
            .pop()!;
          const id = ids[collection];
          if (!id) throw new Error(`no seeded item for ${param} in ${apiPath}: add one to the test`);
          return id;
        };
        operation = `${method.toUpperCase()} ${apiPath}`;
        const schema = op.requestBody?.content['application/json'].schema;
        const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const request = fc.record({
          signedIn: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          params: fc.tuple(
            ...pathParams.map((p) => fc.oneof(fc.constant(validIdFor(p)), fc.constant(ids.resolved!), hostileSegment)),
            fc.constant(''),
          ),
          body: schema
            ? fc.oneof(
                { weight: 8, arbitrary: arbitraryOf(schema, Object.values(ids)).map((b) => JSON.stringify(b)) },
                { weight: 1, arbitrary: fc.jsonValue().map((b) => JSON.stringify(b)) },
                {
                  weight: 1,
                  arbitrary: fc.constantFrom('{', '', '{"name":"\\u0000"}', '{"name":"\\ud800"}', '"\\u0000"'),
                },
              )
            : fc.constant(undefined),
          query: fc.array(fc.tuple(fc.constantFrom(...queryNames, ...QUERY_NAMES), queryValue), { maxLength: 3 }),
          ifMatch: fc.option(fc.constantFrom('"1"', 'W/"2"', 'abc', '"99999999999999999999"', '"-1"'), { freq: 4 }),
        });
        await fc.assert(
          fc.asyncProperty(request, async (r) => {
            let url = `/api/admin/v1${apiPath}`;
            pathParams.forEach((p, i) => (url = url.replace(p, r.params[i]!)));
            if (r.query.length) url += `?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
            const headers: Record<string, string> = {
              ...(r.signedIn ? { authorization: `Bearer ${adminToken}` } : {}),
              ...(r.ifMatch ? { 'if-match': r.ifMatch } : {}),
            };
            if (r.body !== undefined) headers['content-type'] = 'application/json';
            expectHandled(
              await send(method.toUpperCase(), url, { headers, body: r.body }),
              `${method.toUpperCase()} ${url.slice(0, 200)} ${r.body?.slice(0, 200) ?? ''}`,
            );
            logged.length = 0;
          }),
          { numRuns: runs, seed: SEED },
        );
      },
    );
  });

  describe('every form', () => {
    const pages = adminPagesOnDisk().flatMap((p) =>
      p.includes('{id}')
        ? ['incident', 'maintenance', 'resolved'].map((which) => ({ page: p, which }))
        : [{ page: p, which: '' }],
    );

    /** Forms already driven (the incident page shows the same forms for each kind). */
    const driven = new Set<string>();
    const fillPath = (page: string, which: string) =>
      page.replace('{id}', which === 'incident' ? ids.incidents! : ids[which]!);

    /** Drives the forms a page shows (and its query string) with hostile values. */
    const driveForms = async (pagePath: string, headers: () => Record<string, string>) => {
      operation = `GET ${withoutIds(pagePath)}`;
      const shown = await send('GET', pagePath, { headers: headers() });
      expectHandled(shown, `GET ${pagePath}`);
      const forms = new Map<string, HtmlForm>();
      for (const form of formsOf(shown.text, pagePath.split('?')[0]!)) {
        if (form.action.startsWith('/admin/logout')) continue; // would end the session the other forms need
        // would revoke the token the API runs use
        if (form.fields.some((f) => f.name === 'id' && f.value === adminTokenId)) continue;
        if (!forms.has(formKey(form)) && !driven.has(formKey(form))) forms.set(formKey(form), form);
      }
      for (const key of forms.keys()) driven.add(key);
      const getNames = [...forms.values()]
        .filter((f) => f.method === 'get')
        .flatMap((f) => f.fields.map((x) => x.name));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...getNames, ...QUERY_NAMES), queryValue), { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          async (query, keepQuery) => {
            // The page's own query (a link's token) kept or not, the hostile parameters after it.
            const base = keepQuery ? pagePath : pagePath.split('?')[0]!;
            const url = `${base}${base.includes('?') ? '&' : '?'}${query.map(([k, v]) => `${encodeSegment(k)}=${v}`).join('&')}`;
            expectHandled(await send('GET', url, { headers: headers() }), `GET ${url.slice(0, 300)}`);
          },
        ),
        { numRuns: Math.ceil(runs / 2), seed: SEED },
      );
      for (const form of forms.values()) {
        if (form.method !== 'post') continue;
        operation = `POST ${formKey(form)}`;
        await fc.assert(
          fc.asyncProperty(hostileForm(form), async (fields) => {
            const answer = await send('POST', form.action, {
              headers: { ...headers(), origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
              body: formBody(fields),
            });
            expectHandled(answer, `POST ${form.action} ${formBody(fields).slice(0, 300)}`);
            if (headers().cookie && (answer.status === 403 || answer.location.startsWith('/admin/login')))
              await ensureSignedIn();
          }),
          { numRuns: runs, seed: SEED },
        );
      }
      return forms.size;
    };

    it.each(pages.map((p) => [`${p.page}${p.which ? ` (${p.which})` : ''}`, p] as const))(
      'admin page %s',
      async (_name, { page, which }) => {
        const pagePath = fillPath(page, which);
        const signedIn = page !== '/admin/login';
        await ensureSignedIn();
        await driveForms(pagePath, (): Record<string, string> => (signedIn ? { cookie } : {}));
        // Anonymous visitors get the sign-in page, whatever they send.
        expectHandled(
          await send('POST', pagePath, {
            headers: { origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'intent=%00&name=%ED%A0%80',
          }),
          `anonymous POST ${pagePath}`,
        );
      },
    );

    it.each(PUBLIC_FORM_PAGES)('public page %s', async (page) => {
      const tokens: Record<string, string> = await subscriberTokens();
      const purpose = page.split('/').pop()!;
      const pagePath = purpose in tokens ? `${page}?token=${tokens[purpose]}` : page;
      expect(await driveForms(pagePath, () => ({}))).toBeGreaterThan(0);
      // The same forms posted with a hostile token.
      await fc.assert(
        fc.asyncProperty(
          queryValue,
          hostileString,
          fc.constantFrom('unsubscribe', 'save', 'remove', ''),
          async (token, value, intent) => {
            const url = `${page}?token=${token}&remove=${token}`;
            const fields = [
              { name: 'intent', value: intent },
              { name: 'component_ids', value },
              { name: 'group_ids', value },
              { name: 'scope', value: 'some' },
              { name: 'id', value },
              { name: 'token', value },
              { name: 'email', value },
              { name: 'url', value },
              { name: 'events', value },
            ];
            expectHandled(
              await send('POST', url, {
                headers: { origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
                body: formBody(fields),
              }),
              `POST ${url.slice(0, 200)}`,
            );
          },
        ),
        { numRuns: runs, seed: SEED },
      );
    });

    it('the Resend webhook', async () => {
      operation = 'POST /api/webhooks/resend';
      const event = fc.record({
        type: fc.oneof(fc.constantFrom('email.bounced', 'email.complained'), hostileString),
        data: fc.oneof(
          fc.record({
            to: fc.oneof(
              hostileString,
              fc.array(fc.oneof(hostileString, fc.constant('reader@example.com'), fc.jsonValue({ maxDepth: 1 })), {
                maxLength: 3,
              }),
            ),
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      });
      await fc.assert(
        fc.asyncProperty(event, fc.boolean(), async (payload, signed) => {
          const body = JSON.stringify(payload);
          expectHandled(await sendResendEvent(body, signed), `resend webhook ${body.slice(0, 300)}`);
        }),
        { numRuns: runs, seed: SEED },
      );
    });
  });

  describe('what bad input gets', () => {
    // Operations whose body carries text (PUT /components/{id}/automatic-status takes one boolean).
    const bodyOperations = operations
      .filter((o) => o.op.requestBody && textFieldsOf(o.op.requestBody.content['application/json'].schema).length > 0)
      .map((o) => [`${o.method.toUpperCase()} ${o.apiPath}`, o] as const);
    // Each path parameter is an item of the collection named before it (/alerts/suggestions/{id}: a suggestion).
    const fillPath = (apiPath: string) =>
      pathParamsOf(apiPath).reduce(
        (url, p) =>
          url.replace(
            p,
            p === '{updateId}'
              ? ids.updates!
              : ids[
                  apiPath
                    .slice(0, apiPath.indexOf(p) - 1)
                    .split('/')
                    .pop()!
                ]!,
          ),
        apiPath,
      );

    it.each(bodyOperations)(
      '%s refuses text the database cannot store with 422, naming the field',
      async (_name, { apiPath, method, op }) => {
        const schema = op.requestBody!.content['application/json'].schema;
        const fields = textFieldsOf(schema).filter((f) => !NOT_STORED.has(`${method} ${apiPath} ${f.join('.')}`));
        expect(fields.length, 'text fields').toBeGreaterThan(0);
        for (const field of fields) {
          for (const [what, value] of UNSTORABLE) {
            const body = bodyWith(schema, field, value, ids);
            const answer = await send(method.toUpperCase(), `/api/admin/v1${fillPath(apiPath)}`, {
              headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            expect(answer.status, `${field.join('.')} with ${what}: ${answer.text.slice(0, 300)}`).toBe(422);
            expect(JSON.parse(answer.text).error.field, `${field.join('.')} with ${what}`).toBe(field.join('.'));
          }
        }
      },
    );

    it.each(
      operations
        .filter((o) => o.apiPath.includes('{'))
        .map((o) => [`${o.method.toUpperCase()} ${o.apiPath}`, o] as const),
    )('%s answers 404 for a malformed id, as for an unknown one', async (_name, { apiPath, method, op }) => {
      for (const param of pathParamsOf(apiPath)) {
        // (A path that is not valid percent-encoding, such as a lone surrogate's bytes, is a 400 before any route.)
        for (const bad of [
          'abc',
          'ABCDEFABCDEF',
          '%00',
          'abcdefabcde%00',
          '%27%20OR%201%3D1--',
          '%EF%BF%BD',
          '%F0%9F%98%80',
          'x'.repeat(300),
          'zzzzzzzzzzzz',
        ]) {
          const url = `/api/admin/v1${fillPath(apiPath.replace(param, bad))}`;
          // A valid body, so that an unknown id is looked up (an invalid one is refused first).
          const schema = op.requestBody?.content['application/json'].schema;
          const answer = await send(method.toUpperCase(), url, {
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: schema
              ? JSON.stringify(validOf(schema, '', ids))
              : method === 'get' || method === 'delete'
                ? undefined
                : '{}',
          });
          expect(answer.status, `${url.slice(0, 100)}: ${answer.text.slice(0, 200)}`).toBe(404);
          expect(JSON.parse(answer.text).error.code).toBe('not_found');
        }
      }
    });

    it('skips addresses no column can hold in a signed Resend event', async () => {
      for (const to of [
        ['a\u0000b@example.com'],
        'x\ud800@example.com',
        ['nobody@example.com', 'b\u0001@example.com'],
      ]) {
        const answer = await sendResendEvent(JSON.stringify({ type: 'email.bounced', data: { to } }));
        expect([answer.status, JSON.parse(answer.text)], JSON.stringify(to)).toEqual([200, { quarantined: 0 }]);
      }
    });

    it('treats quotes and SQL in a search or filter as text: an ordinary, empty result', async () => {
      for (const query of [
        "action=' OR '1'='1",
        'entity_id=%27%3B%20DROP%20TABLE%20audit_log%3B--',
        'actor_id=%25',
        'entity_type=%5C',
      ]) {
        const answer = await send('GET', `/api/admin/v1/audit-log?${query}`, {
          headers: { authorization: `Bearer ${adminToken}` },
        });
        expect([answer.status, JSON.parse(answer.text)], query).toEqual([200, []]);
      }
      const search = await send('GET', `/admin/subscribers?q=${encodeURIComponent("' OR 1=1 --")}`, {
        headers: { cookie },
      });
      expect(search.status).toBe(200);
      expect(search.text).toContain('No subscribers match.');
    });

    it('refuses a value outside a fixed set, or text the database cannot compare, with 422 naming the parameter', async () => {
      for (const [url, field] of [
        ['/incidents?kind=bogus', 'kind'],
        ['/incidents?unresolved=maybe', 'unresolved'],
        ['/incidents?limit=ten', 'limit'],
        ['/audit-log?action=%00', 'action'],
        ['/audit-log?actor_id=a%01b', 'actor_id'],
      ] as const) {
        const answer = await send('GET', `/api/admin/v1${url}`, { headers: { authorization: `Bearer ${adminToken}` } });
        expect(answer.status, url).toBe(422);
        expect(JSON.parse(answer.text).error.field, url).toBe(field);
      }
      for (const [url, field] of [
        ['/admin/incidents/?kind=bogus', 'kind'],
        ['/admin/incidents/?filter=x', 'filter'],
        ['/admin/subscribers?status=bogus', 'status'],
        ['/admin/subscribers?q=a%00b', 'q'],
        ['/admin/audit?action=a%00b', 'action'],
      ] as const) {
        const answer = await send('GET', url, { headers: { cookie } });
        expect(answer.status, url).toBe(422);
        expect(answer.text, url).toMatch(new RegExp(`<(input|select)[^>]*name="${field}"[^>]*aria-invalid="true"`));
      }
    });

    it.each([
      ['/admin/components', 'create_component', 'name'],
      ['/admin/components', 'create_component', 'description'],
      ['/admin/templates', 'create', 'title'],
      ['/admin/templates', 'create', 'body'],
      ['/admin/settings', '', 'name'],
      ['/admin/tokens', 'create', 'name'],
      ['/admin/users', 'create', 'name'],
      ['/admin/webhooks', 'create', 'description'],
      ['/admin/incidents/new', 'publish', 'name'],
      ['/admin/incidents/new', 'publish', 'body'],
    ])(
      'the form on %s (%s) refuses text the database cannot store in %s, beside the field',
      async (page, intent, field) => {
        const form = formsOf((await send('GET', page, { headers: { cookie } })).text, page).find(
          (f) =>
            f.method === 'post' &&
            (f.fields.find((x) => x.name === 'intent')?.value ?? '') === intent &&
            f.fields.some((x) => x.name === field),
        )!;
        expect(form, `${page} ${intent}`).toBeDefined();
        const required: Record<string, () => string> = {
          name: () => 'Plain words',
          title: () => 'Plain words',
          body: () => 'Plain words',
          email: () => `form${++emails}@example.com`,
          password: () => 'correct-horse-battery',
          url: () => 'https://hooks.example.com/form',
        };
        const filled = form.fields
          .filter((f) => !f.unticked)
          .map((f) => (f.value === '' && required[f.name] ? { ...f, value: required[f.name]!() } : f));
        // A form cannot carry a lone surrogate: its UTF-8 decoding turns one into U+FFFD.
        for (const [what, value] of UNSTORABLE.filter(([what]) => what !== 'a lone surrogate')) {
          const fields = filled.map((f) => (f.name === field ? { ...f, value } : f));
          const answer = await send('POST', form.action, {
            headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
            body: formBody(fields),
          });
          expect(answer.status, `${field} with ${what}`).toBe(422);
          const tags = [...answer.text.matchAll(new RegExp(`<(input|textarea)[^>]*name="${field}"[^>]*>`, 'g'))].map(
            (m) => m[0],
          );
          expect(
            tags.filter((tag) => tag.includes('aria-invalid="true"')),
            `${field} with ${what}`,
          ).toHaveLength(1);
        }
      },
    );
  });
});
