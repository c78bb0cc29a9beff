import { afterAll, describe, expect, it } from 'vitest';
import { FEED_ITEM_LIMIT, feedEntries, feedXml, xmlSafe, type FeedFormat } from '../../src/domain/feeds.ts';
import type { Snapshot } from '../../src/domain/snapshot.ts';
import { xmlFiles } from '../helpers/xmllint.ts';
import {
  NOW,
  makeComponent,
  makeIncident,
  makeMaintenance,
  makeSnapshot,
  makeUpdate,
  minutesAfter,
  minutesBefore,
} from './fixtures.ts';

// Every feed here goes through xmllint, a real XML parser, and its texts are read back
// through XPath: what a feed reader shows is what the parser gives it.

const xml = xmlFiles();
afterAll(xml.remove);
const { expectWellFormed, xpath } = xml;

/** XPath steps that ignore namespaces (Atom's default namespace would need a prefix). */
const el = (name: string) => `*[local-name()="${name}"]`;
const FIRST_ITEM_TITLE: Record<FeedFormat, string> = {
  rss: `string(/rss/channel/item[1]/title)`,
  atom: `string(/${el('feed')}/${el('entry')}[1]/${el('title')})`,
};
const FIRST_ITEM_BODY: Record<FeedFormat, string> = {
  rss: `string(/rss/channel/item[1]/description)`,
  atom: `string(/${el('feed')}/${el('entry')}[1]/${el('content')})`,
};
const FEED_TITLE: Record<FeedFormat, string> = {
  rss: `string(/rss/channel/title)`,
  atom: `string(/${el('feed')}/${el('title')})`,
};

const api = makeComponent({ id: 'api', name: 'API' });
const web = makeComponent({ id: 'web', name: 'Web app' });

function hostileSnapshot(name: string, body: string, pageName = 'Acme'): Snapshot {
  return makeSnapshot({
    page: { name: pageName },
    components: [api, web],
    incidents: [
      makeIncident({
        id: 'inc1',
        name,
        componentIds: ['api'],
        updates: [
          makeUpdate({
            id: 'upd1',
            incidentId: 'inc1',
            body,
            affectedComponents: [{ id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'major_outage' }],
          }),
        ],
      }),
    ],
  });
}

const HOSTILE: Array<[string, string, string]> = [
  // [case, text as written, what a reader must see]
  ['a CDATA terminator', 'Broken ]]> here', 'Broken ]]> here'],
  ['two CDATA terminators in a row', ']]>]]>', ']]>]]>'],
  ['ampersands and entities', 'R&D &amp; &lt;ops&gt; &#0;', 'R&D &amp; &lt;ops&gt; &#0;'],
  ['markup', '<b>bold</b> <script>alert(1)</script>', '<b>bold</b> <script>alert(1)</script>'],
  ['quotes', `"double" and 'single'`, `"double" and 'single'`],
  ['emoji', 'Fire 🔥 and 👩🏽‍💻 engineers', 'Fire 🔥 and 👩🏽‍💻 engineers'],
  ['right-to-left text', 'انقطاع الخدمة في שרת', 'انقطاع الخدمة في שרת'],
  ['C0 control characters', 'nul\u0000 bell\u0007 esc\u001b vt\u000b ff\u000c', 'nul bell esc vt ff'],
  ['C1 control characters and DEL', 'del\u007f csi\u009b', 'del csi'],
  ['a lone surrogate', 'half \uD83D emoji \uDC00 here', 'half  emoji  here'],
  ['non-characters', 'end \uFFFE\uFFFF', 'end '],
  ['a control character inside a terminator', ']]\u0001>', ']]>'],
];

describe('feeds with hostile text', () => {
  it.each(
    HOSTILE.flatMap(([name, text, seen]) =>
      (['rss', 'atom'] as const).map((format) => [format, name, text, seen] as const),
    ),
  )('%s: an incident name with %s parses and reads back', (format, _case, text, seen) => {
    const file = expectWellFormed(feedXml(hostileSnapshot(text, 'Body'), format));
    expect(xpath(file, FIRST_ITEM_TITLE[format])).toBe(`${seen} — Investigating`);
  });

  it.each(
    HOSTILE.flatMap(([name, text, seen]) =>
      (['rss', 'atom'] as const).map((format) => [format, name, text, seen] as const),
    ),
  )('%s: a page name with %s parses and reads back', (format, _case, text, seen) => {
    const file = expectWellFormed(feedXml(hostileSnapshot('Outage', 'Body', text), format));
    expect(xpath(file, FEED_TITLE[format])).toBe(`${seen} status`);
  });

  it.each(HOSTILE.flatMap(([name, text]) => (['rss', 'atom'] as const).map((format) => [format, name, text] as const)))(
    '%s: an update body with %s parses, as rendered HTML',
    (format, _case, text) => {
      const file = expectWellFormed(feedXml(hostileSnapshot('Outage', text), format));
      const html = xpath(file, FIRST_ITEM_BODY[format]);
      // Raw HTML in an update is shown as text, never live markup, in feeds as on the page.
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('API: Operational → Major Outage');
    },
  );

  it.each(['rss', 'atom'] as const)('%s: a component feed with hostile names parses', (format) => {
    const snapshot = hostileSnapshot(']]> & <x>', '\u0000]]>', ']]>\u0007 & <page>');
    const component = { ...api, name: ']]> <API> & \u0001' };
    const file = expectWellFormed(feedXml({ ...snapshot, components: [component, web] }, format, component));
    expect(xpath(file, FEED_TITLE[format])).toBe(']]> & <page> status: ]]> <API> & ');
  });
});

describe('xmlSafe', () => {
  it.each([
    ['keeps tab, newline and ordinary text', 'a\tb\nc', 'a\tb\nc'],
    ['turns CRLF into LF', 'a\r\nb', 'a\nb'],
    ['drops NUL and other C0 controls', 'a\u0000b\u001fc', 'abc'],
    ['drops C1 controls', 'a\u0085b', 'ab'],
    ['drops lone surrogates', 'a\uD800b\uDFFFc', 'abc'],
    ['keeps surrogate pairs (astral characters)', 'a😀b', 'a😀b'],
    ['drops U+FFFE and U+FFFF', 'a\uFFFEb\uFFFFc', 'abc'],
    ['keeps the private use area and U+FFFD', '\uE000\uFFFD', '\uE000\uFFFD'],
  ])('%s', (_case, input, expected) => {
    expect(xmlSafe(input)).toBe(expected);
  });
});

describe('feed entries', () => {
  const at = (minutes: number) => minutesBefore(NOW, minutes);
  const snapshot = makeSnapshot({
    page: { name: 'Acme', siteUrl: 'https://status.example.com/base' },
    components: [api, web, makeComponent({ id: 'secret', name: 'Secret', hidden: true })],
    incidents: [
      makeIncident({
        id: 'older',
        name: 'Older outage',
        status: 'resolved',
        componentIds: ['web'],
        updates: [
          makeUpdate({ id: 'o2', incidentId: 'older', status: 'resolved', body: 'Fixed.', createdAt: at(100) }),
          makeUpdate({ id: 'o1', incidentId: 'older', status: 'investigating', body: 'Looking.', createdAt: at(200) }),
        ],
      }),
      makeIncident({
        id: 'newer',
        name: 'API errors',
        status: 'identified',
        componentIds: ['api', 'secret'],
        updates: [
          makeUpdate({
            id: 'n2',
            incidentId: 'newer',
            status: 'identified',
            body: 'Found it.',
            createdAt: at(10),
            affectedComponents: [
              { id: 'api', name: 'API', oldStatus: 'partial_outage', newStatus: 'major_outage' },
              { id: 'secret', name: 'Secret', oldStatus: 'operational', newStatus: 'major_outage' },
            ],
          }),
          makeUpdate({
            id: 'n1',
            incidentId: 'newer',
            status: 'investigating',
            body: 'Looking **hard**.',
            createdAt: at(150),
            affectedComponents: [{ id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'partial_outage' }],
          }),
        ],
      }),
      makeMaintenance({
        id: 'maint',
        name: 'Database upgrade',
        scheduledFor: minutesAfter(NOW, 60),
        scheduledUntil: minutesAfter(NOW, 120),
        componentIds: ['web'],
        updates: [
          makeUpdate({ id: 'm1', incidentId: 'maint', status: 'scheduled', body: 'Planned.', createdAt: at(50) }),
        ],
      }),
    ],
  });

  it('lists every update of every event, newest first', () => {
    expect(feedEntries(snapshot).map((e) => e.title)).toEqual([
      'API errors — Identified',
      'Database upgrade — Scheduled',
      'Older outage — Resolved',
      'API errors — Investigating',
      'Older outage — Investigating',
    ]);
  });

  it('lists only the events that affect a component in its feed', () => {
    expect(feedEntries(snapshot, api).map((e) => e.id)).toEqual([
      'https://status.example.com/base/incidents/newer/#update-n2',
      'https://status.example.com/base/incidents/newer/#update-n1',
    ]);
    expect(feedEntries(snapshot, web).map((e) => e.title)).toEqual([
      'Database upgrade — Scheduled',
      'Older outage — Resolved',
      'Older outage — Investigating',
    ]);
  });

  it('renders the markdown and the affected components, leaving hidden ones out', () => {
    const [identified] = feedEntries(snapshot);
    expect(identified!.html).toContain('<p>Found it.</p>');
    expect(identified!.html).toContain('<li>API: Partial Outage → Major Outage</li>');
    expect(identified!.html).not.toContain('Secret');
    expect(feedEntries(snapshot).find((e) => e.id.endsWith('update-n1'))!.html).toContain('<strong>hard</strong>');
  });

  it('gives a maintenance notice its window, in the page time zone', () => {
    const notice = feedEntries(snapshot).find((e) => e.id.endsWith('update-m1'))!;
    expect(notice.html).toContain('Scheduled: Mar 15, 2026, 13:00 UTC – Mar 15, 2026, 14:00 UTC');
  });

  it(`stops at the ${FEED_ITEM_LIMIT} most recent updates`, () => {
    const many = makeSnapshot({
      incidents: Array.from({ length: 30 }, (_, i) =>
        makeIncident({
          id: `i${i}`,
          updates: [
            makeUpdate({ id: `i${i}b`, incidentId: `i${i}`, createdAt: at(i * 2) }),
            makeUpdate({ id: `i${i}a`, incidentId: `i${i}`, createdAt: at(i * 2 + 1) }),
          ],
        }),
      ),
    });
    const entries = feedEntries(many);
    expect(entries).toHaveLength(FEED_ITEM_LIMIT);
    expect(entries[0]!.id).toMatch(/#update-i0b$/);
    expect(entries.at(-1)!.id).toMatch(/#update-i24a$/);
  });

  it('picks the same newest updates whatever order the events come in', () => {
    // Backdated and same-time updates, so only the full ordering (time, creation, id) decides.
    const incidents = Array.from({ length: 40 }, (_, i) =>
      makeIncident({
        id: `e${i}`,
        updates: [
          makeUpdate({ id: `e${i}x`, incidentId: `e${i}`, createdAt: at((i * 37) % 90) }),
          makeUpdate({ id: `e${i}y`, incidentId: `e${i}`, createdAt: at((i * 11) % 7) }),
        ],
      }),
    );
    const expected = incidents
      .flatMap((i) => i.updates)
      .sort((a, b) => b.displayAt.getTime() - a.displayAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, FEED_ITEM_LIMIT)
      .map((u) => u.id);
    for (const order of [incidents, [...incidents].reverse(), [...incidents.slice(20), ...incidents.slice(0, 20)]]) {
      expect(feedEntries(makeSnapshot({ incidents: order })).map((e) => e.id.split('#update-')[1])).toEqual(expected);
    }
  });

  it.each(['rss', 'atom'] as const)('%s: links only to the site URL, with stable ids', (format) => {
    const document = feedXml(snapshot, format);
    const file = expectWellFormed(document);
    const links = [...document.matchAll(/(?:href="|<link>|<guid[^>]*>|<id>)([^"<]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(link).toMatch(/^https:\/\/status\.example\.com\/base\//);
    if (format === 'rss') {
      expect(xpath(file, 'string(/rss/channel/item[1]/guid)')).toBe(
        'https://status.example.com/base/incidents/newer/#update-n2',
      );
      expect(xpath(file, 'string(/rss/channel/item[1]/guid/@isPermaLink)')).toBe('false');
      expect(xpath(file, 'string(/rss/channel/item[1]/link)')).toBe('https://status.example.com/base/incidents/newer/');
      expect(xpath(file, 'string(/rss/channel/*[local-name()="link"][@rel="self"]/@href)')).toBe(
        'https://status.example.com/base/history.rss',
      );
    } else {
      expect(xpath(file, `string(/${el('feed')}/${el('entry')}[1]/${el('id')})`)).toBe(
        'https://status.example.com/base/incidents/newer/#update-n2',
      );
      expect(xpath(file, `string(/${el('feed')}/${el('link')}[@rel="self"]/@href)`)).toBe(
        'https://status.example.com/base/history.atom',
      );
    }
  });

  it.each(['rss', 'atom'] as const)('%s: is the same document for the same data (no clock)', (format) => {
    expect(feedXml(snapshot, format)).toBe(feedXml(structuredClone(snapshot), format));
  });

  it('dates the RSS channel by its newest update', () => {
    expect(feedXml(snapshot, 'rss')).toContain(`<lastBuildDate>${at(10).toUTCString()}</lastBuildDate>`);
  });

  it.each(['rss', 'atom'] as const)('%s: is well-formed with no updates at all', (format) => {
    const file = expectWellFormed(feedXml(makeSnapshot(), format));
    expect(xpath(file, FEED_TITLE[format])).toBe('Acme Status status');
  });
});

describe("a feed's own time", () => {
  it("is a component feed's latest entry or the component's change, never the page's last change elsewhere", () => {
    const component = makeComponent({ id: 'api', name: 'API', updatedAt: minutesBefore(NOW, 600) });
    const other = makeIncident({
      id: 'elsewhere',
      name: 'Elsewhere',
      componentIds: [],
      updates: [makeUpdate({ id: 'u-elsewhere', incidentId: 'elsewhere', displayAt: minutesBefore(NOW, 5) })],
    });
    const before = makeSnapshot({
      components: [component],
      incidents: [other],
      page: { updatedAt: minutesBefore(NOW, 60) },
    });
    const after = makeSnapshot({
      components: [component],
      incidents: [other],
      page: { updatedAt: minutesBefore(NOW, 1) },
    });
    // Another component's incident moved the page's time: this component's feed stays byte for byte the same.
    expect(feedXml(after, 'atom', component)).toBe(feedXml(before, 'atom', component));
    const updated = `string(/${el('feed')}/${el('updated')})`;
    expect(xpath(expectWellFormed(feedXml(after, 'atom', component)), updated)).toBe(
      minutesBefore(NOW, 600).toISOString(),
    );
    // The page's own feed follows the page.
    expect(xpath(expectWellFormed(feedXml(after, 'atom')), updated)).toBe(minutesBefore(NOW, 1).toISOString());
  });
});
