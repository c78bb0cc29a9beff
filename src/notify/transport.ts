import type { Database } from '../db/client.ts';
import { mailbox } from '../db/schema.ts';

// Where emails go: Resend's batch endpoint (or anything speaking it at RESEND_BASE_URL),
// or, without an API key, the database mailbox shown in the admin.

export interface OutgoingEmail {
  /** The subscriber delivery, or the staff message, the email is for (one of the two). */
  deliveryId?: number;
  staffMessageId?: number;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export type SendResult =
  | { outcome: 'sent' }
  /** 429: try the same batch again after this long. */
  | { outcome: 'throttled'; retryAfterMs: number; error: string }
  /** Not going to work for these recipients, however often it is retried. */
  | { outcome: 'rejected'; error: string }
  /** Network, 5xx, bad credentials: worth retrying later, with the same key. */
  | { outcome: 'failed'; error: string };

export interface Transport {
  readonly kind: 'resend' | 'mailbox';
  send(emails: OutgoingEmail[], idempotencyKey: string): Promise<SendResult>;
}

/** Seconds or an HTTP date, as Retry-After allows; one second when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number {
  if (!header) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : 1000;
}

export function resendTransport(options: { apiKey: string; baseUrl: string; timeoutMs?: number }): Transport {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/emails/batch`;
  return {
    kind: 'resend',
    async send(emails, idempotencyKey) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify(
            emails.map((e) => ({
              from: e.from,
              to: [e.to],
              subject: e.subject,
              html: e.html,
              text: e.text,
              headers: e.headers,
            })),
          ),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        return { outcome: 'failed', error: `Resend unreachable: ${(error as Error).message}` };
      }
      const body = await response.text().catch(() => '');
      const detail = `Resend ${response.status}: ${body.slice(0, 300)}`;
      if (response.ok) return { outcome: 'sent' };
      if (response.status === 429)
        return {
          outcome: 'throttled',
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
          error: detail,
        };
      // Bad credentials or a clash of idempotency keys are Herald's problem, not the recipients'.
      if (response.status === 401 || response.status === 403 || response.status === 409 || response.status >= 500)
        return { outcome: 'failed', error: detail };
      return { outcome: 'rejected', error: detail };
    },
  };
}

/** Keeps emails in the database; a delivery (or staff message) lands there once, however often it is retried. */
export function mailboxTransport(db: Database): Transport {
  return {
    kind: 'mailbox',
    async send(emails) {
      await db
        .insert(mailbox)
        .values(
          emails.map((e) => ({
            deliveryId: e.deliveryId ?? null,
            staffMessageId: e.staffMessageId ?? null,
            to: e.to,
            subject: e.subject,
            html: e.html,
            text: e.text,
            headers: e.headers,
          })),
        )
        .onConflictDoNothing();
      return { outcome: 'sent' };
    },
  };
}
