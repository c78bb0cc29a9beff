import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { headerSafe, safeColor, type RenderedEmail } from './email-message.ts';
import { absoluteUrl, incidentUrl } from './site-url.ts';
import { formatDateTime } from './format.ts';
import { escapeHtml } from './markdown.ts';
import { formatMinutes, minutesBetween } from './reminders.ts';
import type { EventKind } from './vocabulary.ts';

// Emails to Herald's own users (not to subscribers), rendered from a message frozen in the
// staff outbox when it was written. Pure, like the subscriber emails: the same message and
// site always give the same email, so a retried send carries the same payload.

export const STAFF_MESSAGE_KINDS = ['overdue_reminder', 'alert_suggestion'] as const;
export type StaffMessageKind = (typeof STAFF_MESSAGE_KINDS)[number];

export interface OverdueReminderMessage {
  kind: 'overdue_reminder';
  page: { name: string; brandColor: string; timeZone: string };
  incident: { id: string; kind: EventKind; name: string };
  /** The promised "next update by" that passed. */
  dueAt: string;
  /** When the reminder was written: "overdue by" is measured to it. */
  remindedAt: string;
}

/** Monitoring prepared a suggested incident: the staff on call are told, with a link to it. */
export interface AlertSuggestionMessage {
  kind: 'alert_suggestion';
  page: { name: string; brandColor: string; timeZone: string };
  suggestion: { id: string; name: string };
  source: string;
  /** The affected components' names, and the alerts that fired (their names or labels). */
  components: string[];
  alerts: string[];
  at: string;
}

export type StaffEmailMessage = OverdueReminderMessage | AlertSuggestionMessage;

/** The admin's page of an incident, where Herald itself answers (HERALD_APP_URL). */
export function adminIncidentUrl(appUrl: string, incidentId: string): string {
  return absoluteUrl(appUrl, `/admin/incidents/${encodeURIComponent(incidentId)}/`);
}

function renderSuggestionEmail(message: AlertSuggestionMessage, appUrl: string): RenderedEmail {
  const { page, suggestion } = message;
  const link = absoluteUrl(appUrl, `/admin/alerts#suggestion-${encodeURIComponent(suggestion.id)}`);
  const at = formatDateTime(new Date(message.at), page.timeZone);
  const subject = `[${headerSafe(page.name, 80)}] Suggested incident: ${headerSafe(suggestion.name, 150)}`;
  const list = (items: string[]) => items.map((i) => `<li>${escapeHtml(i)}</li>`).join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="color-scheme" content="light dark"></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#111">
<div style="max-width:600px;margin:0 auto"><div style="border-top:4px solid ${safeColor(page.brandColor)};padding-top:12px;font-weight:600">${escapeHtml(page.name)} status · alert</div>
<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(suggestion.name)}</h1>
<p>${escapeHtml(message.source)} reported alerts at ${escapeHtml(at)}. Herald prepared an incident; nothing is public until someone publishes it.</p>
<p>Components:</p><ul>${list(message.components)}</ul>
<p>Alerts:</p><ul>${list(message.alerts)}</ul>
<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 16px;background:${safeColor(page.brandColor)};color:#fff;text-decoration:none;border-radius:6px">Review the suggested incident</a></p>
<hr style="border:0;border-top:1px solid #ddd;margin:24px 0"><div style="font-size:13px;color:#555">You receive this because you are an admin or editor of the ${escapeHtml(page.name)} status admin.</div></div></body></html>`;
  const text = [
    suggestion.name,
    '',
    `${message.source} reported alerts at ${at}. Herald prepared an incident; nothing is public until someone publishes it.`,
    '',
    'Components:',
    ...message.components.map((c) => `- ${c}`),
    '',
    'Alerts:',
    ...message.alerts.map((a) => `- ${a}`),
    '',
    `Review it: ${link}`,
    '',
    `You receive this because you are an admin or editor of the ${page.name} status admin.`,
    '',
  ].join('\n');
  return { subject, html, text, headers: {} };
}

export function renderStaffEmail(message: StaffEmailMessage, siteUrl: string, appUrl = siteUrl): RenderedEmail {
  if (message.kind === 'alert_suggestion') return renderSuggestionEmail(message, appUrl);
  const { page, incident } = message;
  const minutes = minutesBetween(new Date(message.dueAt), new Date(message.remindedAt));
  // The first reminder comes within a minute of the promise: "overdue by 0 minutes" says nothing.
  const overdue = minutes < 1 ? 'due now' : `overdue by ${formatMinutes(minutes)}`;
  const due = formatDateTime(new Date(message.dueAt), page.timeZone);
  const admin = adminIncidentUrl(appUrl, incident.id);
  const publicPage = incidentUrl(siteUrl, incident.id);
  const subject = `[${headerSafe(page.name, 80)}] Update ${overdue}: ${headerSafe(incident.name, 150)}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="color-scheme" content="light dark"></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#111">
<div style="max-width:600px;margin:0 auto"><div style="border-top:4px solid ${safeColor(page.brandColor)};padding-top:12px;font-weight:600">${escapeHtml(page.name)} status · reminder</div>
<h1 style="font-size:20px;margin:12px 0 4px">${escapeHtml(incident.name)}</h1>
<p>The next update was promised by <strong>${escapeHtml(due)}</strong> and is now <strong>${escapeHtml(overdue)}</strong>. The public page says so.</p>
<p><a href="${escapeHtml(admin)}" style="display:inline-block;padding:10px 16px;background:${safeColor(page.brandColor)};color:#fff;text-decoration:none;border-radius:6px">Post an update</a></p>
<p style="font-size:13px;color:#555">Public page: <a href="${escapeHtml(publicPage)}">${escapeHtml(publicPage)}</a></p>
<hr style="border:0;border-top:1px solid #ddd;margin:24px 0"><div style="font-size:13px;color:#555">You receive this because you worked on this ${incident.kind === 'maintenance' ? 'maintenance' : 'incident'} in the ${escapeHtml(page.name)} status admin. Reminders repeat until an update is posted or it is resolved.</div></div></body></html>`;
  const text = [
    `${incident.name}`,
    '',
    `The next update was promised by ${due} and is now ${overdue}. The public page says so.`,
    '',
    `Post an update: ${admin}`,
    `Public page: ${publicPage}`,
    '',
    `You receive this because you worked on this ${incident.kind === 'maintenance' ? 'maintenance' : 'incident'} in the ${page.name} status admin. Reminders repeat until an update is posted or it is resolved.`,
    '',
  ].join('\n');
  return { subject, html, text, headers: {} };
}

/**
 * One staff email per call, keyed by its row id. The "staff" part keeps these keys apart
 * from subscriber batches' keys, which hash delivery ids from another sequence.
 */
export function staffIdempotencyKey(staffMessageId: number): string {
  return `herald-staff-${encodeHexLowerCase(sha256(new TextEncoder().encode(`staff:${staffMessageId}`)))}`;
}
