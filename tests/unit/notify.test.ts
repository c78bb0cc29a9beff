import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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

describe('verifyWebhookSignature', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const now = new Date('2026-01-01T00:00:00Z');
  const ts = String(now.getTime() / 1000);
  const body = '{"type":"email.bounced"}';
  const sign = (id: string, t: string, b: string) => `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${t}.${b}`).digest('base64')}`;
  it.each([
    ['a good signature', { id: 'msg_1', timestamp: ts, signature: sign('msg_1', ts, body) }, body, null],
    ['one of several signatures', { id: 'msg_1', timestamp: ts, signature: `v1,AAAA ${sign('msg_1', ts, body)}` }, body, null],
    ['a changed body', { id: 'msg_1', timestamp: ts, signature: sign('msg_1', ts, body) }, '{"type":"email.sent"}', 'invalid_signature'],
    ['another id', { id: 'msg_2', timestamp: ts, signature: sign('msg_1', ts, body) }, body, 'invalid_signature'],
    ['an old timestamp (replay)', { id: 'msg_1', timestamp: String(Number(ts) - 600), signature: sign('msg_1', String(Number(ts) - 600), body) }, body, 'stale_signature'],
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
    ['with an email column', 'name,email\nAnn,ann@example.com\nBob,"bob@example.com"', ['ann@example.com', 'bob@example.com'], []],
    ['duplicates and junk', 'x@example.com\nX@example.com\nnope\n', ['x@example.com'], ['nope']],
  ])('%s', (_case, csv, emails, invalid) => {
    expect(parseSubscriberCsv(csv)).toEqual({ emails, invalid });
  });
});
