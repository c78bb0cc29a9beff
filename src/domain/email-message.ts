import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { escapeHtml, markdownToText, renderMarkdown } from './markdown.ts';
import { localeFor, type Locale } from './i18n/translator.ts';
import { incidentUrl } from './site-url.ts';
import { formatMinutes } from './reminders.ts';
import type { ComponentStatus, EventKind, EventStatus, Language } from './vocabulary.ts';

// The emails Herald sends, rendered from a message frozen in the outbox when the change was
// committed. Pure: the same message, site and links always give the same email, which is
// what lets a retried batch carry the same payload under the same idempotency key.

export interface EmailPage {
  name: string;
  brandColor: string;
  timeZone: string;
  /** The language of the page's unprefixed URLs (absent in messages frozen before languages: English). */
  defaultLanguage?: Language;
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
  const flat = text
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A brand colour safe to put in a style attribute or a CSS custom property (anything else falls back to Herald's blue);
 * emails and pages share it.
 */
export const safeColor = (color: string) => (/^#[0-9a-fA-F]{3,8}$/.test(color) ? color : '#2563eb');

/** "1 hour 30 minutes" in English (as staff emails word it), Intl's words in other languages. */
function durationText(minutes: number, locale: Locale): string {
  if (locale.language === 'en') return formatMinutes(minutes);
  const whole = Math.max(0, Math.round(minutes));
  const parts = { days: Math.floor(whole / 1440), hours: Math.floor((whole % 1440) / 60), minutes: whole % 60 };
  const DurationFormat = (
    Intl as unknown as { DurationFormat: new (locale: string, options: object) => { format(d: object): string } }
  ).DurationFormat;
  return new DurationFormat(locale.language, { style: 'long' }).format(whole === 0 ? { minutes: 0 } : parts);
}

function subjectOf(message: EmailMessage, locale: Locale): string {
  const { t } = locale;
  const page = headerSafe(message.page.name, 80);
  if (message.kind === 'confirmation') return t('email.confirmSubject', { name: page });
  const name = headerSafe(message.incident.name, 150);
  if (message.kind === 'postmortem') return t('email.postmortemSubject', { name: page, incident: name });
  if (message.kind === 'maintenance_reminder')
    return t('email.maintenanceSubject', {
      name: page,
      time: durationText(message.startsInMinutes, locale),
      incident: name,
    });
  return t('email.updateSubject', { name: page, incident: name, status: locale.eventStatus(message.update.status) });
}

function layout(page: EmailPage, inner: string, footer: string, locale: Locale): string {
  const brand = safeColor(page.brandColor);
  return `<!doctype html><html lang="${locale.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="color-scheme" content="light dark"></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#111">
<div style="max-width:600px;margin:0 auto"><div style="border-top:4px solid ${brand};padding-top:12px;font-weight:600">${escapeHtml(locale.t('email.pageStatus', { name: page.name }))}</div>
${inner}
<hr style="border:0;border-top:1px solid #ddd;margin:24px 0"><div style="font-size:13px;color:#555">${footer}</div></div></body></html>`;
}

/** The email in the recipient's language (the one they subscribed in). */
export function renderEmail(
  message: EmailMessage,
  siteUrl: string,
  links: RecipientLinks,
  language: Language = 'en',
): RenderedEmail {
  const locale = localeFor(language, message.page.defaultLanguage ?? 'en');
  const { t } = locale;
  const labelled = (label: string, value: string) => `${label}${t('email.colon')}${value}`;
  const subject = subjectOf(message, locale);
  const headers = {
    'List-Unsubscribe': `<${links.unsubscribe}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
  const page = message.page;
  if (message.kind === 'confirmation') {
    const confirm = links.confirm ?? links.manage;
    const html = layout(
      page,
      `<h1 style="font-size:20px">${escapeHtml(t('email.confirmHeading'))}</h1>
<p>${escapeHtml(t('email.confirmBody', { name: page.name }))}</p>
<p><a href="${escapeHtml(confirm)}" style="display:inline-block;padding:10px 16px;background:${safeColor(page.brandColor)};color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(t('email.confirmButton'))}</a></p>
<p>${escapeHtml(t('email.notYou'))}</p>`,
      `<a href="${escapeHtml(links.unsubscribe)}">${escapeHtml(t('email.stop'))}</a>`,
      locale,
    );
    const text = `${t('email.confirmText', { name: page.name })}\n${confirm}\n\n${t('email.notYou')}\n\n${labelled(t('email.stop'), links.unsubscribe)}\n`;
    return { subject, html, text, headers };
  }
  if (message.kind === 'maintenance_reminder')
    return renderMaintenanceReminder(message, siteUrl, links, subject, headers, locale);
  const link = incidentUrl(siteUrl, message.incident.id, locale);
  const when = locale.dateTime(new Date(message.update.displayAt), page.timeZone);
  const status = message.kind === 'postmortem' ? t('incident.postmortem') : locale.eventStatus(message.update.status);
  const next = message.nextUpdateAt ? locale.dateTime(new Date(message.nextUpdateAt), page.timeZone) : null;
  const componentRows = message.components
    .map((c) => `<li>${escapeHtml(c.name)}: <strong>${escapeHtml(locale.componentStatus(c.status))}</strong></li>`)
    .join('');
  const html = layout(
    page,
    `<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(message.incident.name)}</h1>
<p style="margin:0 0 12px;color:#555"><strong>${escapeHtml(status)}</strong> · ${escapeHtml(when)}</p>
<div>${renderMarkdown(message.update.body)}</div>
${componentRows ? `<p style="margin-bottom:4px"><strong>${escapeHtml(t('email.affected'))}</strong></p><ul>${componentRows}</ul>` : ''}
${next ? `<p>${escapeHtml(t('email.nextUpdate', { time: next }))}</p>` : ''}
<p><a href="${escapeHtml(link)}">${escapeHtml(t('email.view'))}</a></p>`,
    `${escapeHtml(t('email.why', { name: page.name }))} <a href="${escapeHtml(links.manage)}">${escapeHtml(t('email.manage'))}</a> · <a href="${escapeHtml(links.unsubscribe)}">${escapeHtml(t('email.unsubscribe'))}</a>`,
    locale,
  );
  const componentLines = message.components
    .map((c) => `- ${labelled(c.name, locale.componentStatus(c.status))}`)
    .join('\n');
  const text = [
    message.incident.name,
    `${status} · ${when}`,
    '',
    markdownToText(message.update.body),
    ...(componentLines ? ['', labelled(t('email.affected'), '').trimEnd(), componentLines] : []),
    ...(next ? ['', t('email.nextUpdate', { time: next })] : []),
    ...closingLines(locale, link, links),
  ].join('\n');
  return { subject, html, text, headers };
}

/** The last lines of a subscriber email's text part: where to read more, how to change or stop. */
function closingLines(locale: Locale, link: string, links: RecipientLinks): string[] {
  const { t } = locale;
  const labelled = (label: string, value: string) => `${label}${t('email.colon')}${value}`;
  return [
    '',
    labelled(t('email.view'), link),
    '',
    labelled(t('email.manage'), links.manage),
    labelled(t('email.unsubscribe'), links.unsubscribe),
    '',
  ];
}

function renderMaintenanceReminder(
  message: MaintenanceReminderEmailMessage,
  siteUrl: string,
  links: RecipientLinks,
  subject: string,
  headers: Record<string, string>,
  locale: Locale,
): RenderedEmail {
  const { t } = locale;
  const labelled = (label: string, value: string) => `${label}${t('email.colon')}${value}`;
  const page = message.page;
  const link = incidentUrl(siteUrl, message.incident.id, locale);
  const startsIn = durationText(message.startsInMinutes, locale);
  const start = locale.dateTime(new Date(message.scheduledFor), page.timeZone);
  const window = message.scheduledUntil
    ? `${start} – ${locale.dateTime(new Date(message.scheduledUntil), page.timeZone)}`
    : start;
  const componentRows = message.components.map((c) => `<li>${escapeHtml(c.name)}</li>`).join('');
  const html = layout(
    page,
    `<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(message.incident.name)}</h1>
<p style="margin:0 0 12px"><strong>${escapeHtml(t('email.maintenanceStarts', { time: startsIn }))}</strong></p>
<p>${escapeHtml(t('email.window', { window }))}</p>
${componentRows ? `<p style="margin-bottom:4px"><strong>${escapeHtml(t('email.affected'))}</strong></p><ul>${componentRows}</ul>` : ''}
<p><a href="${escapeHtml(link)}">${escapeHtml(t('email.view'))}</a></p>`,
    `${escapeHtml(t('email.whyMaintenance', { name: page.name }))} <a href="${escapeHtml(links.manage)}">${escapeHtml(t('email.manage'))}</a> · <a href="${escapeHtml(links.unsubscribe)}">${escapeHtml(t('email.unsubscribe'))}</a>`,
    locale,
  );
  const text = [
    message.incident.name,
    t('email.maintenanceStarts', { time: startsIn }),
    '',
    t('email.window', { window }),
    ...(message.components.length
      ? ['', labelled(t('email.affected'), '').trimEnd(), ...message.components.map((c) => `- ${c.name}`)]
      : []),
    ...closingLines(locale, link, links),
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
