import { isClosedStatus, type ComponentTransition } from './incident-lifecycle.ts';
import { findIncident, overallStatus, publicComponents, type Snapshot } from './snapshot.ts';
import { absoluteUrl } from './site-url.ts';
import { componentJson, incidentJson } from './statuspage-json.ts';
import type { EventKind, EventStatus } from './vocabulary.ts';

// Webhook subscribers: the events they may ask for, the JSON they get (Statuspage's
// webhook shape), how it is signed, and which targets Herald refuses to call. Pure: the
// HMAC itself and DNS live in src/notify (the domain imports no node: module).

export const WEBHOOK_EVENTS = [
  'incident.created',
  'incident.updated',
  'incident.resolved',
  'maintenance.scheduled',
  'maintenance.started',
  'maintenance.updated',
  'maintenance.completed',
  'component.updated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEvent, string> = {
  'incident.created': 'Incident opened',
  'incident.updated': 'Incident updated',
  'incident.resolved': 'Incident resolved',
  'maintenance.scheduled': 'Maintenance scheduled',
  'maintenance.started': 'Maintenance started',
  'maintenance.updated': 'Maintenance updated',
  'maintenance.completed': 'Maintenance completed',
  'component.updated': 'Component status changed',
};

/** The event an update is, from the status before it (null: it opened the event) and after. */
export function webhookEventOfUpdate(kind: EventKind, previous: EventStatus | null, status: EventStatus): WebhookEvent {
  if (kind === 'incident') {
    if (previous === null) return 'incident.created';
    return isClosedStatus(status) && !isClosedStatus(previous) ? 'incident.resolved' : 'incident.updated';
  }
  if (status === 'completed' && previous !== 'completed') return 'maintenance.completed';
  if (previous === null) return status === 'scheduled' ? 'maintenance.scheduled' : 'maintenance.started';
  if (status === 'in_progress' && previous === 'scheduled') return 'maintenance.started';
  return 'maintenance.updated';
}

// ---------------------------------------------------------------------------------------
// Payloads. A delivery's body is frozen when the change commits, but SITE_URL and
// HERALD_APP_URL are configuration the use cases do not see: payloads are built against
// these placeholders and bindPayloadToSite() puts the real URLs in at send time (in named
// fields only, so no user text is ever rewritten). ".invalid" is reserved (RFC 2606): it
// can never be real.

export const SITE_PLACEHOLDER = 'https://herald-site.invalid';
/** Where Herald itself answers (its pages for subscribers), which may be apart from the site. */
export const APP_PLACEHOLDER = 'https://herald-app.invalid';
export const PAGE_ID_PLACEHOLDER = 'herald-page-id';
const SITE_FIELDS = new Set(['shortlink', 'documentation', 'unsubscribe']);

export interface WebhookMeta {
  /** Where the subscriber can stop the webhook, when Herald offers them a page for it. */
  unsubscribe: string | null;
}

function metaJson(snapshot: Snapshot, meta: WebhookMeta) {
  return { unsubscribe: meta.unsubscribe, documentation: absoluteUrl(snapshot.page.appUrl, '/subscriptions/webhook') };
}

function pageJson(snapshot: Snapshot) {
  const status = overallStatus(snapshot);
  return { id: snapshot.page.id, status_indicator: status.indicator, status_description: status.description };
}

/** Statuspage's incident webhook: meta, page (with the overall status) and the incident with its updates. */
export function incidentWebhookPayload(
  snapshot: Snapshot,
  incidentId: string,
  meta: WebhookMeta = { unsubscribe: null },
) {
  const incident = findIncident(snapshot, incidentId);
  if (!incident) return null;
  return { meta: metaJson(snapshot, meta), page: pageJson(snapshot), incident: incidentJson(snapshot, incident) };
}

/** Statuspage's component webhook; null for a component the public does not see. */
export function componentWebhookPayload(
  snapshot: Snapshot,
  change: { id: string; transition: ComponentTransition; at: Date },
  meta: WebhookMeta = { unsubscribe: null },
) {
  const component = publicComponents(snapshot).find((c) => c.id === change.transition.id);
  if (!component) return null;
  return {
    meta: metaJson(snapshot, meta),
    page: pageJson(snapshot),
    component_update: {
      created_at: change.at.toISOString(),
      new_status: change.transition.newStatus,
      old_status: change.transition.oldStatus,
      id: change.id,
      component_id: component.id,
    },
    component: componentJson(snapshot, component),
  };
}

/** What "Send test event" sends: the page as it is, and a message saying it is a test. */
export function testWebhookPayload(snapshot: Snapshot, meta: WebhookMeta = { unsubscribe: null }) {
  return {
    meta: metaJson(snapshot, meta),
    page: pageJson(snapshot),
    test: { message: `A test event from ${snapshot.page.name}'s status page. Nothing has changed.` },
  };
}

/**
 * Replaces the placeholders of a frozen payload with the site it is sent from, and gives
 * `meta.unsubscribe` the endpoint's own removal link when it has one (visitors' endpoints).
 */
export function bindPayloadToSite(
  payload: unknown,
  site: { siteUrl: string; appUrl?: string; pageId: string; unsubscribeUrl?: string | null },
): unknown {
  const base = site.siteUrl.replace(/\/+$/, '');
  const appBase = (site.appUrl ?? site.siteUrl).replace(/\/+$/, '');
  const walk = (value: unknown, key: string | null, parent: string | null): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, null, key ?? parent));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k, key)]));
    }
    if (key === 'unsubscribe' && parent === 'meta' && site.unsubscribeUrl) return site.unsubscribeUrl;
    if (typeof value !== 'string' || key === null) return value;
    if (value === PAGE_ID_PLACEHOLDER && (key === 'page_id' || (key === 'id' && parent === 'page'))) return site.pageId;
    if (SITE_FIELDS.has(key) && value.startsWith(SITE_PLACEHOLDER)) return base + value.slice(SITE_PLACEHOLDER.length);
    if (SITE_FIELDS.has(key) && value.startsWith(APP_PLACEHOLDER)) return appBase + value.slice(APP_PLACEHOLDER.length);
    return value;
  };
  return walk(payload, null, null);
}

// ---------------------------------------------------------------------------------------
// Signature: `Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
// The timestamp is signed with the body, so a receiver that refuses old timestamps
// refuses replays. Several v1 entries may appear (secret rotation); one must match.

export const SIGNATURE_HEADER = 'Herald-Signature';
export const EVENT_HEADER = 'Herald-Event';
export const DELIVERY_HEADER = 'Herald-Delivery';
export const WEBHOOK_USER_AGENT = 'Herald-Webhooks';
export const SIGNATURE_TOLERANCE_S = 5 * 60;

export function signedContent(timestamp: number, body: string): string {
  return `${timestamp}.${body}`;
}

export function formatSignatureHeader(timestamp: number, hexSignature: string): string {
  return `t=${timestamp},v1=${hexSignature}`;
}

/** The timestamp and v1 signatures of a header; null when it is not one of ours. */
export function parseSignatureHeader(
  header: string | null | undefined,
): { timestamp: number; signatures: string[] } | null {
  if (!header) return null;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

// ---------------------------------------------------------------------------------------
// Targets. Herald calls URLs that anyone with a form may have typed: it must not become a
// way into the machine's own network (loopback, private ranges, the cloud metadata service
// at 169.254.169.254). Public means: globally routable unicast.

export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'documentation'
  | 'reserved'
  | 'unique-local';

export const ADDRESS_KIND_LABELS: Record<AddressKind, string> = {
  public: 'public',
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  shared: 'shared (carrier-grade NAT)',
  'link-local': 'link-local',
  metadata: 'cloud metadata',
  multicast: 'multicast',
  documentation: 'documentation',
  reserved: 'reserved',
  'unique-local': 'unique local',
};

/** Four bytes, or null when `text` is not a dotted-quad IPv4 address. */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** Eight 16-bit groups, or null when `text` is not an IPv6 address (a zone "%eth0" is ignored). */
export function parseIPv6(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!s.includes(':')) return null;
  const tail: number[] = [];
  const dotted = s.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]!);
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    s = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = Array.from({ length: 8 - known }, () => 0);
  return [
    ...head.map((g) => parseInt(g, 16)),
    ...(halves.length === 2 ? zeros : []),
    ...rest.map((g) => parseInt(g, 16)),
    ...tail,
  ];
}

function inV4(bytes: number[], prefix: [number, number, number, number], bits: number): boolean {
  const value = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value(bytes) & mask) >>> 0 === (value(prefix) & mask) >>> 0;
}

const V4_RANGES: Array<[[number, number, number, number], number, AddressKind]> = [
  [[169, 254, 169, 254], 32, 'metadata'],
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function classifyV4(bytes: number[]): AddressKind {
  return V4_RANGES.find(([prefix, bits]) => inV4(bytes, prefix, bits))?.[2] ?? 'public';
}

function classifyV6(g: number[]): AddressKind {
  const embeddedV4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) reach the IPv4 address.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4(embeddedV4(g[6]!, g[7]!));
  if (zeroUpTo(6)) {
    const kind = classifyV4(embeddedV4(g[6]!, g[7]!));
    return kind === 'public' ? 'reserved' : kind;
  }
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) lead to the IPv4 address they embed.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return classifyV4(embeddedV4(g[6]!, g[7]!));
  if (g[0] === 0x2002) return classifyV4(embeddedV4(g[1]!, g[2]!));
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
  if (g[0] === 0x3fff && g[1]! < 0x1000) return 'documentation';
  // 2001::/23: IETF protocol assignments (Teredo, benchmarking, ORCHID...).
  if (g[0] === 0x2001 && g[1]! < 0x0200) return 'reserved';
  // Only 2000::/3 is global unicast.
  if ((g[0]! & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** What kind of address an IP literal is; null when `ip` is not an IP address. */
export function classifyAddress(ip: string): AddressKind | null {
  const v4 = parseIPv4(ip);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(ip);
  return v6 ? classifyV6(v6) : null;
}

export const MAX_WEBHOOK_URL_LENGTH = 2000;
/** Names that resolve inside the machine or its network by convention. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|lan|intranet)\.?$/i;

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * The checks a webhook URL passes before it is stored: https, no credentials, and a host
 * that is not a private address or a local name. Names are resolved again at each send
 * (DNS can change), see src/notify/webhook-target.ts.
 */
export function checkWebhookUrl(raw: string, options: { allowPrivate: boolean }): UrlCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'is required' };
  if (text.length > MAX_WEBHOOK_URL_LENGTH)
    return { ok: false, message: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'must be an absolute URL such as https://example.com/hooks/status' };
  }
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:')) {
    return {
      ok: false,
      message: options.allowPrivate ? 'must start with https:// or http://' : 'must start with https://',
    };
  }
  if (url.username || url.password)
    return {
      ok: false,
      message: 'must not contain a user name or password; put a secret in the path or verify the signature',
    };
  url.hash = '';
  if (!options.allowPrivate) {
    const host = url.hostname;
    const kind = classifyAddress(host);
    if (kind !== null && kind !== 'public')
      return { ok: false, message: `must not point to a ${ADDRESS_KIND_LABELS[kind]} address (${host})` };
    if (kind === null && (LOCAL_NAME.test(host) || !host.includes('.')))
      return { ok: false, message: `must name a public host, not "${host}"` };
  }
  return { ok: true, url: url.toString() };
}

// ---------------------------------------------------------------------------------------
// Retries: 30 s, 2 min, 10 min, 1 h, then every 6 h, each ±20 % so that receivers coming
// back up are not hit by every sender at once. After MAX attempts (about 19 hours) the
// delivery fails and the endpoint is quarantined until an admin re-enables it.

const BACKOFF_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];
export const WEBHOOK_MAX_ATTEMPTS = 8;

/** The wait after failed attempt number `attempt` (1-based); `random` in [0, 1). */
export function webhookBackoffMs(attempt: number, random: number): number {
  const base = BACKOFF_MS[Math.min(Math.max(attempt, 1), BACKOFF_MS.length) - 1]!;
  return Math.round(base * (0.8 + 0.4 * random));
}
