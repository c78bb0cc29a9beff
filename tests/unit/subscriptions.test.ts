import { describe, expect, it } from 'vitest';
import {
  batchIdempotencyKey,
  headerSafe,
  renderEmail,
  type EventEmailMessage,
} from '../../src/domain/email-message.ts';
import { isRecipient, type Audience, type Subscription } from '../../src/domain/subscriptions.ts';

const confirmed = (over: Partial<Subscription> = {}): Subscription => ({
  status: 'confirmed',
  allComponents: true,
  componentIds: [],
  groupIds: [],
  maintenance: true,
  ...over,
});
const incident = (components: Audience['components'], eventKind: Audience['eventKind'] = 'incident'): Audience => ({
  kind: 'event_update',
  eventKind,
  components,
});
const api = { id: 'api000000000', groupId: null };
const db = { id: 'db0000000000', groupId: 'infra0000000' };

describe('isRecipient', () => {
  it.each([
    ['everything, any incident', confirmed(), incident([api]), true],
    ['everything, an incident naming no component', confirmed(), incident([]), true],
    ['a pending subscriber', confirmed({ status: 'pending' }), incident([api]), false],
    ['an unsubscribed one', confirmed({ status: 'unsubscribed' }), incident([api]), false],
    ['a quarantined one', confirmed({ status: 'quarantined' }), incident([api]), false],
    ['the chosen component', confirmed({ allComponents: false, componentIds: [api.id] }), incident([api, db]), true],
    ['another component', confirmed({ allComponents: false, componentIds: [api.id] }), incident([db]), false],
    [
      'a component of the chosen group',
      confirmed({ allComponents: false, groupIds: ['infra0000000'] }),
      incident([db]),
      true,
    ],
    [
      'a component outside the chosen group',
      confirmed({ allComponents: false, groupIds: ['infra0000000'] }),
      incident([api]),
      false,
    ],
    [
      'chosen components, an incident naming none',
      confirmed({ allComponents: false, componentIds: [api.id] }),
      incident([]),
      false,
    ],
    ['maintenance, opted in', confirmed(), incident([api], 'maintenance'), true],
    ['maintenance, not opted in', confirmed({ maintenance: false }), incident([api], 'maintenance'), false],
    [
      'a confirmation, pending',
      confirmed({ status: 'pending' }),
      { kind: 'confirmation', eventKind: 'incident', components: [] } as Audience,
      true,
    ],
    [
      'a confirmation, already confirmed',
      confirmed(),
      { kind: 'confirmation', eventKind: 'incident', components: [] } as Audience,
      false,
    ],
  ])('%s', (_case, subscription, audience, expected) => {
    expect(isRecipient(subscription, audience)).toBe(expected);
  });
});

describe('headerSafe', () => {
  it.each([
    ['plain', 'Checkout errors', 'Checkout errors'],
    ['CRLF injection', 'Down\r\nBcc: evil@example.com', 'Down Bcc: evil@example.com'],
    ['bare LF and CR', 'a\nb\rc', 'a b c'],
    ['Unicode line separators', 'a\u2028b\u2029c\u0085d', 'a b c d'],
    ['tabs and NUL', 'a\t\u0000b', 'a b'],
    ['surrounding space', '  x  ', 'x'],
  ])('%s', (_case, input, expected) => {
    expect(headerSafe(input)).toBe(expected);
  });

  it('bounds the length', () => {
    expect(headerSafe('x'.repeat(500), 50)).toHaveLength(50);
  });
});

describe('renderEmail', () => {
  const message: EventEmailMessage = {
    kind: 'event_update',
    page: { name: 'Acme\r\nX-Injected: yes', brandColor: '#123456', timeZone: 'Europe/Berlin' },
    incident: { id: 'inc000000000', kind: 'incident', name: 'API <b>down</b>\nBcc: x@y.z' },
    update: {
      status: 'identified',
      body: 'A **bad** deploy. <script>alert(1)</script>',
      displayAt: '2026-03-01T10:00:00.000Z',
    },
    components: [{ id: api.id, groupId: null, name: 'API & Web', status: 'major_outage' }],
    nextUpdateAt: '2026-03-01T10:30:00.000Z',
  };
  const links = {
    manage: 'https://status.acme.com/subscriptions/manage?token=m',
    unsubscribe: 'https://status.acme.com/subscriptions/unsubscribe?token=u',
  };
  const email = renderEmail(message, 'https://status.acme.com', links);

  it.each([
    ['a one-line subject', email.subject, '[Acme X-Injected: yes] API <b>down</b> Bcc: x@y.z: Identified'],
    ['List-Unsubscribe', email.headers['List-Unsubscribe'], `<${links.unsubscribe}>`],
    ['List-Unsubscribe-Post', email.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click'],
  ])('%s', (_case, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it.each([
    ['the update text, rendered', '<strong>bad</strong>'],
    ['escaped names', 'API &lt;b&gt;down&lt;/b&gt;'],
    ['the component and its status', 'API &amp; Web: <strong>Major Outage</strong>'],
    ['the next update in the page time zone', 'Next update by Mar 1, 2026, 11:30 GMT+1.'],
    ['the incident link', 'href="https://status.acme.com/incidents/inc000000000/"'],
    ['the manage link', `href="${links.manage.replace('&', '&amp;')}"`],
    ['the brand colour', '#123456'],
  ])('HTML has %s', (_case, fragment) => {
    expect(email.html).toContain(fragment);
  });

  it('never passes raw HTML from the update through', () => {
    expect(email.html).not.toContain('<script>');
  });

  it('has a plain-text part with the same facts', () => {
    expect(email.text).toContain('A bad deploy.');
    expect(email.text).toContain('- API & Web: Major Outage');
    expect(email.text).toContain('View on the status page: https://status.acme.com/incidents/inc000000000/');
    expect(email.text).toContain(`Unsubscribe: ${links.unsubscribe}`);
  });

  it('is the same every time (a retried batch carries the same payload)', () => {
    expect(renderEmail(message, 'https://status.acme.com', links)).toEqual(email);
  });
});

describe('batchIdempotencyKey', () => {
  it.each([
    ['the same rows in another order', [3, 1, 2], [1, 2, 3], true],
    ['one row more', [1, 2, 3], [1, 2, 3, 4], false],
    ['other rows', [1, 2, 3], [4, 5, 6], false],
    ['12 vs 1,2', [12], [1, 2], false],
  ])('%s', (_case, a, b, same) => {
    expect(batchIdempotencyKey(a) === batchIdempotencyKey(b)).toBe(same);
    expect(batchIdempotencyKey(a)).toMatch(/^herald-[0-9a-f]{64}$/);
  });
});
