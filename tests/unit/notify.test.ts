import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { drainInLanes, retryAt } from '../../src/notify/outbox.ts';
import { signToken, verifyToken } from '../../src/notify/tokens.ts';
import { parseRetryAfter } from '../../src/notify/transport.ts';
import { verifyWebhookSignature } from '../../src/notify/webhook.ts';
import { parseSubscriberCsv } from '../../src/server/subscribers/admin-subscribers.ts';

const SECRET = 'test-secret';
const ID = 'abcdefabcdef';

describe('link tokens', () => {
  const token = signToken(SECRET, 'unsubscribe', ID);
  it.each([
    ['its own purpose', 'unsubscribe', token, ID],
    ['another purpose', 'confirm', token, null],
    ['another subscriber', 'unsubscribe', `bbbbbbbbbbbb.${token.split('.')[1]}`, null],
    ['a changed character', 'unsubscribe', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, null],
    ['another secret', 'unsubscribe', signToken('other', 'unsubscribe', ID), null],
    ['nothing', 'unsubscribe', null, null],
    ['garbage', 'unsubscribe', '../../etc', null],
  ] as const)('accepts %s only when valid', (_case, purpose, given, expected) => {
    expect(verifyToken(SECRET, purpose, given)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['seconds', '7', 7000],
    ['fractional seconds', '0.5', 500],
    ['an HTTP date', 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['absent', null, 1000],
    ['garbage', 'soon', 1000],
  ])('%s', (_case, header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
});

describe('the outbox driver', () => {
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('drains in lanes at once until each finds nothing due, counting only what was sent', async () => {
    const outcomes = ['sent', 'retry', 'sent', 'skipped', 'failed', 'sent', 'split', 'sent'];
    let inFlight = 0;
    let most = 0;
    const next = async () => {
      most = Math.max(most, ++inFlight);
      await after(2);
      inFlight--;
      return outcomes.shift() ?? 'none';
    };
    expect(await drainInLanes(next, { lanes: 3 })).toBe(4);
    expect(most).toBe(3);
    expect(outcomes).toEqual([]);
  });

  it('halts every lane after a throttled send: those in flight settle, none claims again', async () => {
    const outcomes = ['throttled', 'sent', 'sent', 'sent', 'sent', 'sent'];
    let calls = 0;
    const next = async () => {
      const outcome = outcomes[calls++] ?? 'none';
      await after(outcome === 'throttled' ? 1 : 10);
      return outcome;
    };
    expect(await drainInLanes(next, { lanes: 3 })).toBe(2);
    expect(calls).toBe(3);
  });

  it('claims nothing more once stop() says so', async () => {
    let calls = 0;
    const next = async () => (++calls, 'sent');
    expect(await drainInLanes(next, { lanes: 2, stop: () => calls >= 3 })).toBe(3);
    expect(calls).toBe(3);
  });

  const at = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['the first failed attempt', 1, new Date(at.getTime() + 1000)],
    ['a later one', 2, new Date(at.getTime() + 2000)],
    ['the last attempt', 3, null],
    ['an attempt past the last (the limit was lowered)', 4, null],
  ])('retries after a backoff, or fails for good after %s', (_case, attempts, expected) => {
    expect(retryAt({ id: 1, attempts }, { maxAttempts: 3, backoffMs: (attempt) => attempt * 1000 }, at)).toEqual(
      expected,
    );
  });
});

describe('verifyWebhookSignature', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const now = new Date('2026-01-01T00:00:00Z');
  const ts = String(now.getTime() / 1000);
  const body = '{"type":"email.bounced"}';
  const sign = (id: string, t: string, b: string) =>
    `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`${id}.${t}.${b}`)
      .digest('base64')}`;
  it.each([
    ['a good signature', { id: 'msg_1', timestamp: ts, signature: sign('msg_1', ts, body) }, body, null],
    [
      'one of several signatures',
      { id: 'msg_1', timestamp: ts, signature: `v1,AAAA ${sign('msg_1', ts, body)}` },
      body,
      null,
    ],
    [
      'a changed body',
      { id: 'msg_1', timestamp: ts, signature: sign('msg_1', ts, body) },
      '{"type":"email.sent"}',
      'invalid_signature',
    ],
    ['another id', { id: 'msg_2', timestamp: ts, signature: sign('msg_1', ts, body) }, body, 'invalid_signature'],
    [
      'an old timestamp (replay)',
      { id: 'msg_1', timestamp: String(Number(ts) - 600), signature: sign('msg_1', String(Number(ts) - 600), body) },
      body,
      'stale_signature',
    ],
    ['no headers', { id: null, timestamp: null, signature: null }, body, 'missing_signature'],
  ])('%s', (_case, headers, payload, code) => {
    const run = () => verifyWebhookSignature(secret, headers, payload, now);
    if (code === null) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ code }));
  });
});

describe('parseSubscriberCsv', () => {
  it.each([
    ['one per line', 'a@example.com\nB@Example.com\n', ['a@example.com', 'b@example.com'], []],
    [
      'with an email column',
      'name,email\nAnn,ann@example.com\nBob,"bob@example.com"',
      ['ann@example.com', 'bob@example.com'],
      [],
    ],
    ['duplicates and junk', 'x@example.com\nX@example.com\nnope\n', ['x@example.com'], ['nope']],
  ])('%s', (_case, csv, emails, invalid) => {
    expect(parseSubscriberCsv(csv)).toEqual({ emails, invalid });
  });
});
