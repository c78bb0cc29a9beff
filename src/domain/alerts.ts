import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { z } from 'zod';
import { stripControlCharacters } from './markdown.ts';
import type { ComponentStatus } from './vocabulary.ts';

// Alerts from monitoring: the payloads Herald reads (Prometheus Alertmanager's webhook, Grafana's,
// PagerDuty's V3 webhooks, and a documented generic shape), read into one normalised alert;
// which component an alert is about and which status its severity stands for. Pure.

export const ALERT_SOURCE_KINDS = ['alertmanager', 'pagerduty', 'generic'] as const;
export type AlertSourceKind = (typeof ALERT_SOURCE_KINDS)[number];

export const ALERT_STATUSES = ['firing', 'resolved', 'stale'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** A rule over an alert's labels: when it holds, the alert is about `component_id`. */
export interface AlertRule {
  label: string;
  op: 'equals' | 'regex';
  value: string;
  component_id: string;
}

/** One alert as Herald keeps it, whatever sent it. */
export interface NormalizedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When this firing episode started. */
  startsAt: Date;
  /** When it ended (resolved alerts only). */
  endsAt: Date | null;
  generatorUrl: string | null;
  dashboardUrl: string | null;
}

export class AlertPayloadError extends Error {
  readonly field: string | null;
  constructor(message: string, field: string | null = null) {
    super(message);
    this.name = 'AlertPayloadError';
    this.field = field;
  }
}

const MAX_ALERTS = 1000;
const MAX_LABELS = 64;
const MAX_TEXT = 4000;

// Text a label or annotation may hold: lone surrogates replaced, control characters dropped, length capped.
const clean = (value: string, max = MAX_TEXT) => stripControlCharacters(value.toWellFormed()).slice(0, max);

const stringMap = z
  .record(z.string(), z.unknown())
  .optional()
  .transform((record) => {
    const entries = Object.entries(record ?? {})
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      .slice(0, MAX_LABELS)
      .map(([k, v]) => [clean(k, 200), clean(String(v))] as const)
      .filter(([k]) => k !== '');
    return Object.fromEntries(entries) as Record<string, string>;
  });

const time = z
  .string()
  .optional()
  .nullable()
  .transform((value) => {
    if (!value) return null;
    const date = new Date(value);
    // Alertmanager says "0001-01-01T00:00:00Z" for "no end yet".
    return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 ? null : date;
  });

const url = z
  .string()
  .optional()
  .nullable()
  .transform((value) => (value && /^https?:\/\//i.test(value) ? clean(value, 2000) : null));

/** The fingerprint of an alert that has none: its labels, sorted, hashed. */
export function labelFingerprint(labels: Record<string, string>): string {
  const text = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return encodeHexLowerCase(sha256(new TextEncoder().encode(text))).slice(0, 16);
}

const fingerprintOf = (given: string | null | undefined, labels: Record<string, string>) =>
  given && given.trim() !== '' ? clean(given.trim(), 200) : labelFingerprint(labels);

// Alertmanager ("version": "4") and Grafana ("version": "1", with dashboardURL, panelURL, values…).
const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap,
  startsAt: time,
  endsAt: time,
  generatorURL: url,
  fingerprint: z.string().optional().nullable(),
  dashboardURL: url,
  panelURL: url,
});
const AlertmanagerPayload = z.object({
  version: z.string().optional(),
  alerts: z.array(AlertmanagerAlert).max(MAX_ALERTS),
  commonLabels: stringMap,
  externalURL: url,
});

// PagerDuty V3: https://developer.pagerduty.com/docs/webhooks-overview
const PagerDutyPayload = z.object({
  event: z.object({
    event_type: z.string(),
    occurred_at: time,
    data: z.object({
      id: z.string(),
      title: z.string().optional().nullable(),
      html_url: url,
      status: z.string().optional().nullable(),
      urgency: z.string().optional().nullable(),
      incident_key: z.string().optional().nullable(),
      service: z.object({ summary: z.string().optional().nullable(), id: z.string().optional() }).optional().nullable(),
      priority: z.object({ summary: z.string().optional().nullable() }).optional().nullable(),
      created_at: time,
    }),
  }),
});

// The words other systems use (Datadog's $ALERT_TRANSITION, Zabbix's PROBLEM and OK), as Herald's two.
const GENERIC_STATUS_WORDS: Record<string, 'firing' | 'resolved'> = {
  firing: 'firing',
  triggered: 'firing',
  're-triggered': 'firing',
  alert: 'firing',
  problem: 'firing',
  resolved: 'resolved',
  recovered: 'resolved',
  ok: 'resolved',
};

// Herald's generic shape: {"alerts": [...]} or one alert.
const GenericAlert = z.object({
  fingerprint: z.string().max(200).optional().nullable(),
  status: z.string({ error: 'must be "firing" or "resolved"' }).transform((word, ctx) => {
    const status = GENERIC_STATUS_WORDS[word.trim().toLowerCase()];
    if (!status) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be "firing" or "resolved" (or Triggered, Recovered, PROBLEM, OK)',
      });
      return z.NEVER;
    }
    return status;
  }),
  labels: stringMap,
  annotations: stringMap,
  starts_at: time,
  ends_at: time,
  url: url,
});
const GenericList = z.object({ alerts: z.array(GenericAlert).max(MAX_ALERTS) });

function zodProblem(error: z.ZodError): AlertPayloadError {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : null;
  return new AlertPayloadError(`${field ?? 'the body'} ${issue.message}`, field);
}

/**
 * The alerts a payload carries, in the order sent. `now` stands in for times a payload leaves
 * out. Throws AlertPayloadError (a 422) for a body not of the source's kind.
 */
export function parseAlerts(kind: AlertSourceKind, body: unknown, now: Date): NormalizedAlert[] {
  if (kind === 'alertmanager') {
    const parsed = AlertmanagerPayload.safeParse(body);
    if (!parsed.success) throw zodProblem(parsed.error);
    return parsed.data.alerts.map((a) => {
      const labels = { ...a.labels };
      return {
        fingerprint: fingerprintOf(a.fingerprint, labels),
        status: a.status,
        labels,
        annotations: a.annotations,
        startsAt: a.startsAt ?? now,
        endsAt: a.status === 'resolved' ? (a.endsAt ?? now) : null,
        generatorUrl: a.generatorURL,
        dashboardUrl: a.dashboardURL ?? a.panelURL,
      };
    });
  }
  if (kind === 'pagerduty') {
    const parsed = PagerDutyPayload.safeParse(body);
    if (!parsed.success) throw zodProblem(parsed.error);
    const { event } = parsed.data;
    const type = event.event_type;
    // Only an incident's start and end move an alert; acknowledgements, notes and the rest do not.
    if (type !== 'incident.triggered' && type !== 'incident.resolved' && type !== 'incident.reopened') return [];
    const d = event.data;
    const labels: Record<string, string> = Object.fromEntries(
      Object.entries({
        alertname: d.title ?? undefined,
        service: d.service?.summary ?? undefined,
        severity: d.urgency ?? undefined,
        priority: d.priority?.summary ?? undefined,
        incident_key: d.incident_key ?? undefined,
      })
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
        .map(([k, v]) => [k, clean(v)]),
    );
    const at = event.occurred_at ?? now;
    const resolved = type === 'incident.resolved';
    return [
      {
        fingerprint: clean(d.id, 200),
        status: resolved ? 'resolved' : 'firing',
        labels,
        annotations: d.title ? { summary: clean(d.title) } : {},
        startsAt: resolved ? (d.created_at ?? at) : type === 'incident.reopened' ? at : (d.created_at ?? at),
        endsAt: resolved ? at : null,
        generatorUrl: d.html_url,
        dashboardUrl: null,
      },
    ];
  }
  // A list under "alerts", or one alert alone: each read with its own schema, so a refusal names the field.
  const isList = typeof body === 'object' && body !== null && 'alerts' in body;
  const parsed = isList ? GenericList.safeParse(body) : GenericAlert.safeParse(body);
  if (!parsed.success) throw zodProblem(parsed.error);
  const list = 'alerts' in parsed.data ? parsed.data.alerts : [parsed.data];
  return list.map((a) => ({
    fingerprint: fingerprintOf(a.fingerprint, a.labels),
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.starts_at ?? now,
    endsAt: a.status === 'resolved' ? (a.ends_at ?? now) : null,
    generatorUrl: a.url,
    dashboardUrl: null,
  }));
}

/** Severity label values and the component status each stands for, unless a source says otherwise. */
export const DEFAULT_SEVERITIES: Readonly<Record<string, ComponentStatus>> = {
  critical: 'major_outage',
  error: 'partial_outage',
  high: 'partial_outage',
  warning: 'degraded_performance',
};
/** An alert whose severity no mapping names. */
export const UNMAPPED_SEVERITY_STATUS: ComponentStatus = 'partial_outage';

export function severityStatus(
  labels: Record<string, string>,
  overrides: Readonly<Record<string, ComponentStatus>>,
): ComponentStatus {
  const severity = (labels.severity ?? '').toLowerCase();
  return overrides[severity] ?? DEFAULT_SEVERITIES[severity] ?? UNMAPPED_SEVERITY_STATUS;
}

/**
 * The component an alert is about: the source's rules first (in order), then a `component`
 * label naming a component's id or its name (case-insensitive); null when none matches.
 */
export function matchComponent(
  labels: Record<string, string>,
  rules: readonly AlertRule[],
  components: ReadonlyArray<{ id: string; name: string }>,
): string | null {
  const known = new Set(components.map((c) => c.id));
  for (const rule of rules) {
    const value = labels[rule.label];
    if (value === undefined || !known.has(rule.component_id)) continue;
    if (rule.op === 'equals' ? value === rule.value : safeRegex(rule.value)?.test(value)) return rule.component_id;
  }
  const named = labels.component?.trim();
  if (!named) return null;
  const byId = components.find((c) => c.id === named);
  if (byId) return byId.id;
  const lower = named.toLowerCase();
  return components.find((c) => c.name.toLowerCase() === lower)?.id ?? null;
}

/** A rule's pattern, anchored as Prometheus anchors its regex matchers; null when it does not compile. */
export function safeRegex(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return null;
  }
}

const STATUS_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function worseStatus(a: ComponentStatus | undefined, b: ComponentStatus): ComponentStatus {
  return a === undefined || STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/**
 * What a new notification does to a stored alert of the same fingerprint, so that a late or
 * replayed one never undoes a newer one: a firing that started before the stored episode ended
 * is old news; a resolve of an episode older than the stored one is too.
 */
export function applies(
  stored: { status: AlertStatus; startsAt: Date; endsAt: Date | null } | null,
  incoming: NormalizedAlert,
): boolean {
  if (!stored) return true;
  if (incoming.status === 'firing') {
    if (stored.status === 'resolved' && stored.endsAt && incoming.startsAt <= stored.endsAt) return false;
    return true;
  }
  // A resolve: of this episode (or a later one) only.
  if (incoming.endsAt && incoming.endsAt < stored.startsAt) return false;
  return stored.status !== 'resolved' || (stored.endsAt?.getTime() ?? 0) !== incoming.endsAt?.getTime();
}
