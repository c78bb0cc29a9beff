import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  formatSignatureHeader,
  parseSignatureHeader,
  signedContent,
  SIGNATURE_TOLERANCE_S,
} from '../domain/webhooks.ts';

// The HMAC half of the signature scheme documented in src/domain/webhooks.ts. The key is
// the endpoint's secret as text, so a receiver needs nothing but the string it was shown.

export function generateWebhookSecret(): string {
  return `hrldwh_${randomBytes(32).toString('base64url')}`;
}

function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(signedContent(timestamp, body)).digest('hex');
}

/** The Herald-Signature header for `body` sent at `now`. */
export function signWebhook(secret: string, body: string, now: Date): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return formatSignatureHeader(timestamp, signatureOf(secret, timestamp, body));
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** What a receiver does: the signature must match the exact body, and the time must be recent. */
export function verifyHeraldSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  now: Date,
  toleranceS = SIGNATURE_TOLERANCE_S,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'missing' };
  if (Math.abs(now.getTime() / 1000 - parsed.timestamp) > toleranceS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signatureOf(secret, parsed.timestamp, body), 'hex');
  const match = parsed.signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return match ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/**
 * The token in a visitor's removal link (`meta.unsubscribe`): keyed with the endpoint's own
 * secret, so only whoever receives its webhooks can remove it.
 */
export function removalToken(secret: string, endpointId: string): string {
  return createHmac('sha256', secret).update(`remove:${endpointId}`).digest('hex').slice(0, 32);
}

export function isRemovalToken(secret: string, endpointId: string, token: string): boolean {
  const expected = Buffer.from(removalToken(secret, endpointId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The link that removes a visitor's webhook, on Herald itself (HERALD_APP_URL). */
export function removalUrl(appUrl: string, endpointId: string, secret: string): string {
  return `${appUrl.replace(/\/+$/, '')}/subscriptions/webhook?remove=${endpointId}&token=${removalToken(secret, endpointId)}`;
}
