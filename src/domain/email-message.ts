import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { formatDateTime } from './format.ts';
import { escapeHtml, markdownToText, renderMarkdown } from './markdown.ts';
import { formatMinutes } from './reminders.ts';
import { COMPONENT_STATUS_LABELS, EVENT_STATUS_LABELS, type ComponentStatus, type EventKind, type EventStatus } from './vocabulary.ts';

// The emails Herald sends, rendered from a message frozen in the outbox when the change was
// committed. Pure: the same message, site and links always give the same email, which is
// what lets a retried batch carry the same payload under the same idempotency key.

export interface EmailPage {
  name: string;
  brandColor: string;
  timeZone: string;
}

export interface EventEmailMessage {
  kind: 'event_update' | 'postmortem';
  page: EmailPage;
  incident: { id: string; kind: EventKind; name: string };
  update: { status: EventStatus; body: string; displayAt: string };
  /** The components the event affects, with their status when the update was posted. */
  components: Array<{ id: string; groupId: string | null; name: string; status: ComponentStatus }>;
  nextUpdateAt: string | null;
}

export interface ConfirmationEmailMessage {
  kind: 'confirmation';
  page: EmailPage;
}

/** Sent once, a configured time before a scheduled maintenance window opens. */
export interface MaintenanceReminderEmailMessage {
  kind: 'maintenance_reminder';
  page: EmailPage;
  incident: { id: string; kind: EventKind; name: string };
  scheduledFor: string;
  scheduledUntil: string | null;
  /** Measured when the reminder was queued: "starts in 1 hour". */
  startsInMinutes: number;
  components: Array<{ id: string; groupId: string | null; name: string; status: ComponentStatus }>;
}

export type EmailMessage = EventEmailMessage | ConfirmationEmailMessage | MaintenanceReminderEmailMessage;

/** Per-recipient links (absolute URLs carrying that recipient's tokens). */
export interface RecipientLinks {
  confirm?: string;
  manage: string;
  unsubscribe: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * Text that goes into a header: no CR, LF or any other control or line-separator character
 * (each would let user input start a header of its own), whitespace collapsed, bounded.
 */
export function headerSafe(text: string, max = 200): string {
  const flat = text.replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const safeColor = (color: string) => (/^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '#2563eb');
const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

export function incidentUrl(siteUrl: string, incidentId: string): string {
  return new URL(`incidents/${encodeURIComponent(incidentId)}/`, withSlash(siteUrl)).toString();
}

function subjectOf(message: EmailMessage): string {
  const page = headerSafe(message.page.name, 80);
  if (message.kind === 'confirmation') return `[${page}] Confirm your subscription to status updates`;
  const name = headerSafe(message.incident.name, 150);
  if (message.kind === 'postmortem') return `[${page}] Postmortem: ${name}`;
  if (message.kind === 'maintenance_reminder') return `[${page}] Scheduled maintenance starts in ${formatMinutes(message.startsInMinutes)}: ${name}`;
  return `[${page}] ${name}: ${EVENT_STATUS_LABELS[message.update.status]}`;
}

function layout(page: EmailPage, inner: string, footer: string): string {
  const brand = safeColor(page.brandColor);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="color-scheme" content="light dark"></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#111">
<div style="max-width:600px;margin:0 auto"><div style="border-top:4px solid ${brand};padding-top:12px;font-weight:600">${escapeHtml(page.name)} status</div>
${inner}
<hr style="border:0;border-top:1px solid #ddd;margin:24px 0"><div style="font-size:13px;color:#555">${footer}</div></div></body></html>`;
}

export function renderEmail(message: EmailMessage, siteUrl: string, links: RecipientLinks): RenderedEmail {
  const subject = subjectOf(message);
  const headers = {
    'List-Unsubscribe': `<${links.unsubscribe}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
  const page = message.page;
  if (message.kind === 'confirmation') {
    const confirm = links.confirm ?? links.manage;
    const html = layout(
      page,
      `<h1 style="font-size:20px">Confirm your subscription</h1>
<p>Someone (hopefully you) asked to receive ${escapeHtml(page.name)} status updates at this address.</p>
<p><a href="${escapeHtml(confirm)}" style="display:inline-block;padding:10px 16px;background:${safeColor(page.brandColor)};color:#fff;text-decoration:none;border-radius:6px">Confirm subscription</a></p>
<p>If it wasn't you, ignore this email: nothing will be sent unless the subscription is confirmed.</p>`,
      `<a href="${escapeHtml(links.unsubscribe)}">Don't email me again</a>`,
    );
    const text = `Confirm your subscription to ${page.name} status updates:\n${confirm}\n\nIf it wasn't you, ignore this email: nothing will be sent unless the subscription is confirmed.\n\nDon't email me again: ${links.unsubscribe}\n`;
    return { subject, html, text, headers };
  }
  if (message.kind === 'maintenance_reminder') return renderMaintenanceReminder(message, siteUrl, links, subject, headers);
  const link = incidentUrl(siteUrl, message.incident.id);
  const when = formatDateTime(new Date(message.update.displayAt), page.timeZone);
  const status = message.kind === 'postmortem' ? 'Postmortem' : EVENT_STATUS_LABELS[message.update.status];
  const next = message.nextUpdateAt ? formatDateTime(new Date(message.nextUpdateAt), page.timeZone) : null;
  const componentRows = message.components
    .map((c) => `<li>${escapeHtml(c.name)}: <strong>${escapeHtml(COMPONENT_STATUS_LABELS[c.status])}</strong></li>`)
    .join('');
  const html = layout(
    page,
    `<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(message.incident.name)}</h1>
<p style="margin:0 0 12px;color:#555"><strong>${escapeHtml(status)}</strong> · ${escapeHtml(when)}</p>
<div>${renderMarkdown(message.update.body)}</div>
${componentRows ? `<p style="margin-bottom:4px"><strong>Affected components</strong></p><ul>${componentRows}</ul>` : ''}
${next ? `<p>Next update by ${escapeHtml(next)}.</p>` : ''}
<p><a href="${escapeHtml(link)}">View on the status page</a></p>`,
    `You receive this because you subscribed to ${escapeHtml(page.name)} status updates. <a href="${escapeHtml(links.manage)}">Manage your subscription</a> · <a href="${escapeHtml(links.unsubscribe)}">Unsubscribe</a>`,
  );
  const componentLines = message.components.map((c) => `- ${c.name}: ${COMPONENT_STATUS_LABELS[c.status]}`).join('\n');
  const text = [
    message.incident.name,
    `${status} · ${when}`,
    '',
    markdownToText(message.update.body),
    ...(componentLines ? ['', 'Affected components:', componentLines] : []),
    ...(next ? ['', `Next update by ${next}.`] : []),
    '',
    `View on the status page: ${link}`,
    '',
    `Manage your subscription: ${links.manage}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
  ].join('\n');
  return { subject, html, text, headers };
}

function renderMaintenanceReminder(message: MaintenanceReminderEmailMessage, siteUrl: string, links: RecipientLinks, subject: string, headers: Record<string, string>): RenderedEmail {
  const page = message.page;
  const link = incidentUrl(siteUrl, message.incident.id);
  const startsIn = formatMinutes(message.startsInMinutes);
  const start = formatDateTime(new Date(message.scheduledFor), page.timeZone);
  const window = message.scheduledUntil ? `${start} – ${formatDateTime(new Date(message.scheduledUntil), page.timeZone)}` : start;
  const componentRows = message.components.map((c) => `<li>${escapeHtml(c.name)}</li>`).join('');
  const html = layout(
    page,
    `<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(message.incident.name)}</h1>
<p style="margin:0 0 12px"><strong>Scheduled maintenance starts in ${escapeHtml(startsIn)}.</strong></p>
<p>Window: ${escapeHtml(window)}</p>
${componentRows ? `<p style="margin-bottom:4px"><strong>Affected components</strong></p><ul>${componentRows}</ul>` : ''}
<p><a href="${escapeHtml(link)}">View on the status page</a></p>`,
    `You receive this because you subscribed to ${escapeHtml(page.name)} status updates, maintenance included. <a href="${escapeHtml(links.manage)}">Manage your subscription</a> · <a href="${escapeHtml(links.unsubscribe)}">Unsubscribe</a>`,
  );
  const text = [
    message.incident.name,
    `Scheduled maintenance starts in ${startsIn}.`,
    '',
    `Window: ${window}`,
    ...(message.components.length ? ['', 'Affected components:', ...message.components.map((c) => `- ${c.name}`)] : []),
    '',
    `View on the status page: ${link}`,
    '',
    `Manage your subscription: ${links.manage}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
  ].join('\n');
  return { subject, html, text, headers };
}

/**
 * The provider de-duplicates calls by this key: derived from the batch's delivery row ids
 * (order-independent), so the same rows always give the same key, and other rows another.
 */
export function batchIdempotencyKey(deliveryIds: readonly number[]): string {
  const ids = [...deliveryIds].sort((a, b) => a - b).join(',');
  return `herald-${encodeHexLowerCase(sha256(new TextEncoder().encode(ids)))}`;
}
