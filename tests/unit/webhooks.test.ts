import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  APP_PLACEHOLDER,
  bindPayloadToSite,
  checkWebhookUrl,
  classifyAddress,
  componentWebhookPayload,
  incidentWebhookPayload,
  PAGE_ID_PLACEHOLDER,
  parseIPv6,
  parseSignatureHeader,
  SITE_PLACEHOLDER,
  webhookBackoffMs,
  webhookEventOfUpdate,
  type AddressKind,
} from '../../src/domain/webhooks.ts';
import {
  isRemovalToken,
  removalToken,
  removalUrl,
  signWebhook,
  verifyHeraldSignature,
} from '../../src/notify/webhook-signature.ts';
import { makeComponent, makeIncident, makePage, makeSnapshot, makeUpdate } from './fixtures.ts';

describe('classifyAddress', () => {
  it.each<[string, AddressKind | null]>([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:0a00:0001::1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:81c::200e', 'public'],
    ['example.com', null],
    ['1.2.3', null],
    ['256.1.1.1', null],
    ['1::2::3', null],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it('reads every IPv6 spelling to the same groups', () => {
    expect(parseIPv6('2001:db8:0:0:0:0:0:1')).toEqual(parseIPv6('2001:db8::1'));
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  const strict = { allowPrivate: false };
  const dev = { allowPrivate: true };
  it.each([
    [
      'a public https URL',
      'https://hooks.example.com/status?x=1',
      strict,
      { ok: true, url: 'https://hooks.example.com/status?x=1' },
    ],
    [
      'drops the fragment',
      'https://hooks.example.com/a#frag',
      strict,
      { ok: true, url: 'https://hooks.example.com/a' },
    ],
    ['empty', '  ', strict, { ok: false, message: 'is required' }],
    [
      'not a URL',
      'hooks.example.com/status',
      strict,
      { ok: false, message: 'must be an absolute URL such as https://example.com/hooks/status' },
    ],
    ['http', 'http://hooks.example.com/', strict, { ok: false, message: 'must start with https://' }],
    [
      'ftp even in development',
      'ftp://hooks.example.com/',
      dev,
      { ok: false, message: 'must start with https:// or http://' },
    ],
    [
      'credentials',
      'https://user:pw@hooks.example.com/',
      strict,
      { ok: false, message: expect.stringContaining('must not contain a user name or password') },
    ],
    [
      'loopback',
      'https://127.0.0.1/',
      strict,
      { ok: false, message: 'must not point to a loopback address (127.0.0.1)' },
    ],
    [
      'loopback spelt in hex',
      'https://0x7f.0.0.1/',
      strict,
      { ok: false, message: 'must not point to a loopback address (127.0.0.1)' },
    ],
    [
      'loopback as one number',
      'https://2130706433/',
      strict,
      { ok: false, message: 'must not point to a loopback address (127.0.0.1)' },
    ],
    [
      'metadata',
      'https://169.254.169.254/latest/meta-data/',
      strict,
      { ok: false, message: 'must not point to a cloud metadata address (169.254.169.254)' },
    ],
    ['private', 'https://10.0.0.1/', strict, { ok: false, message: 'must not point to a private address (10.0.0.1)' }],
    [
      'IPv6 loopback',
      'https://[::1]:8443/',
      strict,
      { ok: false, message: 'must not point to a loopback address ([::1])' },
    ],
    [
      'IPv4-mapped IPv6',
      'https://[::ffff:10.1.2.3]/',
      strict,
      { ok: false, message: expect.stringContaining('private address') },
    ],
    ['localhost', 'https://localhost/', strict, { ok: false, message: 'must name a public host, not "localhost"' }],
    [
      'a .localhost name',
      'https://api.localhost/',
      strict,
      { ok: false, message: 'must name a public host, not "api.localhost"' },
    ],
    [
      'an internal name',
      'https://metadata.google.internal/',
      strict,
      { ok: false, message: expect.stringContaining('must name a public host') },
    ],
    [
      'a single label',
      'https://intranet/',
      strict,
      { ok: false, message: expect.stringContaining('must name a public host') },
    ],
    [
      'too long',
      `https://hooks.example.com/${'a'.repeat(2000)}`,
      strict,
      { ok: false, message: 'must be at most 2000 characters' },
    ],
    [
      'loopback http in development',
      'http://127.0.0.1:8080/hook',
      dev,
      { ok: true, url: 'http://127.0.0.1:8080/hook' },
    ],
  ])('%s', (_case, url, options, expected) => {
    expect(checkWebhookUrl(url, options)).toEqual(expected);
  });
});

describe('webhookEventOfUpdate', () => {
  it.each([
    ['incident', null, 'investigating', 'incident.created'],
    ['incident', 'investigating', 'identified', 'incident.updated'],
    ['incident', 'monitoring', 'resolved', 'incident.resolved'],
    ['incident', 'resolved', 'resolved', 'incident.updated'],
    ['incident', 'resolved', 'investigating', 'incident.updated'],
    ['maintenance', null, 'scheduled', 'maintenance.scheduled'],
    ['maintenance', null, 'in_progress', 'maintenance.started'],
    ['maintenance', 'scheduled', 'scheduled', 'maintenance.updated'],
    ['maintenance', 'scheduled', 'in_progress', 'maintenance.started'],
    ['maintenance', 'in_progress', 'verifying', 'maintenance.updated'],
    ['maintenance', 'verifying', 'completed', 'maintenance.completed'],
  ] as const)('%s from %s to %s is %s', (kind, previous, status, event) => {
    expect(webhookEventOfUpdate(kind, previous, status)).toBe(event);
  });
});

describe('signatures', () => {
  const secret = 'hrldwh_test-secret';
  const body = '{"incident":{"name":"Checkout errors"}}';
  const now = new Date('2026-03-01T12:00:00Z');
  const header = signWebhook(secret, body, now);

  it('signs "<t>.<body>" with HMAC-SHA256 in the documented header shape', () => {
    const t = Math.floor(now.getTime() / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(parseSignatureHeader(header)).toEqual({ timestamp: t, signatures: [header.split('v1=')[1]] });
  });

  it.each([
    ['the signed body, in time', secret, header, body, now, { ok: true }],
    ['four minutes later', secret, header, body, new Date(now.getTime() + 4 * 60_000), { ok: true }],
    [
      'a rotated secret listed beside',
      secret,
      `${signWebhook('old', body, now)},v1=${header.split('v1=')[1]}`,
      body,
      now,
      { ok: true },
    ],
    ['a changed body', secret, header, body.replace('Checkout', 'Checkin'), now, { ok: false, reason: 'mismatch' }],
    ['another secret', 'hrldwh_other', header, body, now, { ok: false, reason: 'mismatch' }],
    [
      'a replay ten minutes later',
      secret,
      header,
      body,
      new Date(now.getTime() + 10 * 60_000),
      { ok: false, reason: 'stale' },
    ],
    [
      'a changed timestamp',
      secret,
      header.replace(/t=(\d+)/, (_m, t) => `t=${Number(t) + 1}`),
      body,
      now,
      { ok: false, reason: 'mismatch' },
    ],
    ['no header', secret, null, body, now, { ok: false, reason: 'missing' }],
    ['garbage', secret, 'sha256=abc', body, now, { ok: false, reason: 'missing' }],
  ])('verifies %s', (_case, key, given, text, at, expected) => {
    expect(verifyHeraldSignature(key, given, text, at)).toEqual(expected);
  });
});

describe('payloads', () => {
  const api = makeComponent({ id: 'api000000001', name: 'API', status: 'partial_outage' });
  const hidden = makeComponent({ id: 'hidden000001', name: 'Internal', hidden: true });
  const open = makeIncident({
    id: 'inc000000001',
    name: 'Checkout errors',
    status: 'identified',
    impact: 'major',
    componentIds: [api.id],
    updates: [makeUpdate({ id: 'upd000000001', incidentId: 'inc000000001', status: 'identified', body: 'Found it.' })],
  });
  const snapshot = makeSnapshot({
    page: makePage({ id: PAGE_ID_PLACEHOLDER, siteUrl: SITE_PLACEHOLDER, appUrl: APP_PLACEHOLDER }),
    components: [api, hidden],
    incidents: [open],
  });

  it("builds Statuspage's incident webhook, bound to the site at send time", () => {
    const frozen = incidentWebhookPayload(snapshot, open.id)!;
    const sent = bindPayloadToSite(JSON.parse(JSON.stringify(frozen)), {
      siteUrl: 'https://status.acme.com',
      pageId: 'acmepage',
    }) as typeof frozen;
    expect(Object.keys(sent)).toEqual(['meta', 'page', 'incident']);
    expect(sent.meta).toEqual({ unsubscribe: null, documentation: 'https://status.acme.com/subscriptions/webhook' });
    expect(sent.page).toEqual({ id: 'acmepage', status_indicator: 'major', status_description: expect.any(String) });
    expect(sent.incident).toMatchObject({
      id: open.id,
      name: 'Checkout errors',
      status: 'identified',
      impact: 'major',
      page_id: 'acmepage',
      shortlink: 'https://status.acme.com/incidents/inc000000001/',
    });
    expect(sent.incident.incident_updates[0]).toMatchObject({
      id: 'upd000000001',
      status: 'identified',
      body: 'Found it.',
    });
    expect(sent.incident.components.map((c: { id: string; page_id: string }) => [c.id, c.page_id])).toEqual([
      [api.id, 'acmepage'],
    ]);
    expect(JSON.stringify(sent)).not.toContain('invalid');
  });

  it('links the documentation to HERALD_APP_URL and the incident to SITE_URL when Herald runs apart from the site', () => {
    const frozen = incidentWebhookPayload(snapshot, open.id)!;
    const sent = bindPayloadToSite(JSON.parse(JSON.stringify(frozen)), {
      siteUrl: 'https://status.acme.com',
      appUrl: 'https://herald.acme.com/',
      pageId: 'acmepage',
    }) as typeof frozen;
    expect(sent.meta.documentation).toBe('https://herald.acme.com/subscriptions/webhook');
    expect(sent.incident.shortlink).toBe('https://status.acme.com/incidents/inc000000001/');
  });

  it("builds Statuspage's component webhook, and none for a hidden component", () => {
    const at = new Date('2026-03-01T12:00:00Z');
    const payload = componentWebhookPayload(snapshot, {
      id: 'cu0000000001',
      transition: { id: api.id, name: 'API', oldStatus: 'operational', newStatus: 'partial_outage' },
      at,
    })!;
    expect(payload.component_update).toEqual({
      created_at: at.toISOString(),
      new_status: 'partial_outage',
      old_status: 'operational',
      id: 'cu0000000001',
      component_id: api.id,
    });
    expect(payload.component).toMatchObject({ id: api.id, name: 'API', status: 'partial_outage' });
    expect(
      componentWebhookPayload(snapshot, {
        id: 'x',
        transition: { id: hidden.id, name: 'Internal', oldStatus: 'operational', newStatus: 'major_outage' },
        at,
      }),
    ).toBeNull();
  });

  it("puts a visitor endpoint's own removal link in meta.unsubscribe, and leaves it null otherwise", () => {
    const frozen = JSON.parse(JSON.stringify(incidentWebhookPayload(snapshot, open.id)));
    const site = { siteUrl: 'https://s.example', pageId: 'p' };
    expect(
      (
        bindPayloadToSite(frozen, {
          ...site,
          unsubscribeUrl: 'https://s.example/subscriptions/webhook?remove=x&token=y',
        }) as typeof frozen
      ).meta.unsubscribe,
    ).toBe('https://s.example/subscriptions/webhook?remove=x&token=y');
    expect((bindPayloadToSite(frozen, { ...site, unsubscribeUrl: null }) as typeof frozen).meta.unsubscribe).toBeNull();
  });

  it('never rewrites user text that looks like a placeholder', () => {
    const payload = {
      incident: { name: SITE_PLACEHOLDER, body: PAGE_ID_PLACEHOLDER, shortlink: `${SITE_PLACEHOLDER}/incidents/x/` },
    };
    expect(bindPayloadToSite(payload, { siteUrl: 'https://s.example/', pageId: 'p' })).toEqual({
      incident: { name: SITE_PLACEHOLDER, body: PAGE_ID_PLACEHOLDER, shortlink: 'https://s.example/incidents/x/' },
    });
  });
});

describe('removal tokens', () => {
  const token = removalToken('hrldwh_secret', 'abcdefabcdef');
  it.each([
    ['its own token', 'hrldwh_secret', 'abcdefabcdef', token, true],
    ['another endpoint', 'hrldwh_secret', 'bbbbbbbbbbbb', token, false],
    ['another secret', 'hrldwh_other', 'abcdefabcdef', token, false],
    ['a shortened token', 'hrldwh_secret', 'abcdefabcdef', token.slice(0, -1), false],
    ['nothing', 'hrldwh_secret', 'abcdefabcdef', '', false],
  ])('accepts %s only when genuine', (_case, secret, id, given, ok) => {
    expect(isRemovalToken(secret, id, given)).toBe(ok);
  });
  it('links to the visitor page', () => {
    expect(removalUrl('https://s.example/', 'abcdefabcdef', 'hrldwh_secret')).toBe(
      `https://s.example/subscriptions/webhook?remove=abcdefabcdef&token=${token}`,
    );
  });
});

describe('webhookBackoffMs', () => {
  it.each([
    [1, 0.5, 30_000],
    [2, 0.5, 120_000],
    [3, 0.5, 600_000],
    [4, 0.5, 3_600_000],
    [5, 0.5, 21_600_000],
    [9, 0.5, 21_600_000],
    [1, 0, 24_000],
    [1, 0.999999, 36_000],
  ])('after attempt %i (random %f) waits %i ms', (attempt, random, ms) => {
    expect(webhookBackoffMs(attempt, random)).toBe(ms);
  });
});
