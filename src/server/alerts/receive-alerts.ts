import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { hashSecret } from '../../auth/crypto.ts';
import { openSecret } from '../../auth/secret-box.ts';
import { alertSources } from '../../db/schema.ts';
import { AlertPayloadError, parseAlerts } from '../../domain/alerts.ts';
import { HttpError } from '../../infra/errors.ts';
import { isId } from '../../infra/ids.ts';
import type { HeraldServices } from '../services.ts';
import { ingestAlerts, sourceActor, type IngestResult } from './process-alerts.ts';

// POST /api/webhooks/alerts/<source id>: outside the admin API's sessions and tokens. The
// source's own token (Authorization: Bearer hrldal_…) is the credential; PagerDuty's posts
// must also carry a valid X-PagerDuty-Signature. Every refusal is a 4xx that changes nothing.

export interface AlertPost {
  authorization: string | null;
  /** X-PagerDuty-Signature: "v1=<hex>", several separated by commas while a secret rotates. */
  pagerDutySignature: string | null;
  body: string;
}

const tokenOf = (authorization: string | null) => /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Whether one of the header's v1 signatures is the HMAC-SHA256 of the body under the secret. */
export function validPagerDutySignature(secret: string, header: string | null, body: string): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(body, 'utf8').digest('hex');
  return header
    .split(',')
    .map((part) => part.trim())
    .some((part) => part.startsWith('v1=') && sameHex(part.slice(3), expected));
}

/** Authenticates, reads and applies one post; throws HttpError for every refusal. */
export async function receiveAlerts(herald: HeraldServices, sourceId: string, post: AlertPost): Promise<IngestResult> {
  const unknown = new HttpError(404, 'not_found', 'no alert source has this URL');
  if (!isId(sourceId)) throw unknown;
  const [source] = await herald.db.select().from(alertSources).where(eq(alertSources.id, sourceId));
  if (!source) throw unknown;
  const token = tokenOf(post.authorization);
  if (!token)
    throw new HttpError(401, 'unauthorized', 'send the source token as "Authorization: Bearer hrldal_…"', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  if (!sameHex(hashSecret(token), source.tokenHash) || source.revokedAt)
    throw new HttpError(401, 'unauthorized', 'the token is not valid for this alert source (revoked or mistyped?)', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  const waitMs = herald.alerts.limiter.take(source.id, herald.now().getTime());
  if (waitMs > 0)
    throw new HttpError(429, 'rate_limited', 'too many posts from this alert source; try again later', {
      headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
    });
  if (source.kind === 'pagerduty') {
    const key = herald.alerts.secretsKey;
    const secret = key && source.signingSecret ? openSecret(key, source.signingSecret, source.id) : null;
    if (secret === null)
      throw new HttpError(
        503,
        'secret_unavailable',
        "the source's signing secret cannot be read: HERALD_SECRETS_KEY is unset or changed since it was saved",
      );
    if (!validPagerDutySignature(secret, post.pagerDutySignature, post.body))
      throw new HttpError(401, 'invalid_signature', 'X-PagerDuty-Signature does not match the body');
  }
  let json: unknown;
  try {
    json = JSON.parse(post.body);
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
  const now = herald.now();
  let parsed;
  try {
    parsed = parseAlerts(source.kind, json, now);
  } catch (error) {
    if (error instanceof AlertPayloadError)
      throw new HttpError(422, 'invalid_field', error.message, error.field ? { field: error.field } : {});
    throw error;
  }
  return ingestAlerts(
    { db: herald.db, actor: sourceActor(source), now, origin: herald.publisher.instanceId },
    source,
    parsed,
  );
}
