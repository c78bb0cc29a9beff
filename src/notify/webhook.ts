import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, inArray, ne } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { subscribers } from '../db/schema.ts';
import { normalizeEmail } from '../domain/subscriptions.ts';
import { HttpError } from '../infra/errors.ts';
import { unstorableText } from '../infra/text-input.ts';

// Resend's webhooks (Svix-signed): a bounce or a complaint quarantines the address, so
// Herald stops mailing it. The signature is HMAC-SHA256 over "id.timestamp.body" with the
// base64 key after "whsec_"; a timestamp more than five minutes off is refused (replays).

const TOLERANCE_S = 5 * 60;

export function verifyWebhookSignature(
  secret: string,
  headers: { id: string | null; timestamp: string | null; signature: string | null },
  body: string,
  now: Date,
): void {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature)
    throw new HttpError(400, 'missing_signature', 'svix-id, svix-timestamp and svix-signature are required');
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt) || Math.abs(now.getTime() / 1000 - sentAt) > TOLERANCE_S)
    throw new HttpError(401, 'stale_signature', 'the webhook timestamp is too far from now');
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  // The header lists "v1,<base64>" entries separated by spaces (several during key rotation).
  const valid = signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) throw new HttpError(401, 'invalid_signature', 'the webhook signature does not match');
}

const QUARANTINING = new Set(['email.bounced', 'email.complained']);

/** Applies one verified event; answers how many subscribers it quarantined. */
export async function applyResendEvent(db: Database, body: string, now: Date): Promise<{ quarantined: number }> {
  let event: { type?: unknown; data?: { to?: unknown } };
  try {
    event = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (typeof event.type !== 'string' || !QUARANTINING.has(event.type)) return { quarantined: 0 };
  const to = Array.isArray(event.data?.to) ? event.data.to : typeof event.data?.to === 'string' ? [event.data.to] : [];
  // An address no column can hold (NUL, a lone surrogate) is no subscriber's: skipped, never sent to the database.
  const emails = to
    .filter((t): t is string => typeof t === 'string' && unstorableText(t) === null)
    .map((t) => normalizeEmail(t.replace(/^.*<([^>]+)>.*$/, '$1')));
  if (emails.length === 0) return { quarantined: 0 };
  const rows = await db
    .update(subscribers)
    .set({
      status: 'quarantined',
      quarantinedAt: now,
      quarantineReason: event.type === 'email.bounced' ? 'bounced' : 'complained (marked as spam)',
    })
    .where(and(inArray(subscribers.email, emails), ne(subscribers.status, 'quarantined')))
    .returning({ id: subscribers.id });
  return { quarantined: rows.length };
}
