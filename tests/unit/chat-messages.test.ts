import { createRequire } from 'node:module';
import type { KnownBlock } from '@slack/types';
import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import {
  chatMarkdown,
  checkChatUrl,
  clip,
  componentChatEvent,
  discordMessage,
  DISCORD_LIMITS,
  incidentChatEvent,
  maskChatUrl,
  slackMessage,
  SLACK_LIMITS,
  teamsMessage,
  testChatEvent,
  type ChatEvent,
} from '../../src/domain/chat-messages.ts';
import { bindPayloadToSite } from '../../src/domain/webhooks.ts';
import { makeComponent, makeIncident, makeMaintenance, makePage, makeSnapshot, makeUpdate } from './fixtures.ts';

// Each service's message is checked against its documented schema: Slack's Block Kit and
// Discord's webhook body through their maintainers' TypeScript types (a message that does not
// fit them does not compile) and their documented limits; Teams' Adaptive Card through the
// Adaptive Cards SDK's own parser. Hostile text must stay text in every one of them.

// The SDK's Node build resolves its modules without extensions; its browser bundle parses fine in Node.
const AdaptiveCards = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
};

const HOSTILE =
  'Hi <!channel> @everyone <@123> & <https://evil.example|click> **bold** _it_ ~~gone~~ `code` [link](https://ok.example/a|b>c) [js](javascript:alert(1)) # not a heading\n\n- one\n- two\n\n<script>alert(1)</script>';

const api = makeComponent({ id: 'api', name: 'Public API <!here>', status: 'major_outage' });
const db = makeComponent({ id: 'db', name: 'Database', status: 'degraded_performance' });
const incident = makeIncident({
  id: 'inc1',
  name: 'Errors on <!channel> the API & more',
  status: 'identified',
  impact: 'major',
  componentIds: ['api', 'db'],
  nextUpdateDueAt: new Date('2026-03-15T13:30:00Z'),
  updates: [makeUpdate({ id: 'u1', incidentId: 'inc1', status: 'identified', body: HOSTILE })],
});
const snapshot = makeSnapshot({
  page: makePage({ name: 'Acme', timeZone: 'Asia/Taipei', defaultLanguage: 'en' }),
  components: [api, db],
  incidents: [incident],
});
const SITE = 'https://status.acme.example';
const bind = (event: ChatEvent | null, unsubscribeUrl: string | null = null) =>
  bindPayloadToSite(event, { siteUrl: SITE, pageId: 'p', unsubscribeUrl }) as ChatEvent;
const event = bind(incidentChatEvent(snapshot, 'inc1', 'incident.updated', 'en'));

describe('chat destination URLs', () => {
  it.each([
    ['slack', 'https://hooks.slack.com/services/T000/B000/XXXX'],
    ['slack', 'https://hooks.slack.com/triggers/T000/123/abc'],
    ['teams', 'https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x'],
    ['teams', 'https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/x'],
    ['discord', 'https://discord.com/api/webhooks/123456/token-x'],
    ['discord', 'https://discordapp.com/api/v10/webhooks/123456/token-x'],
  ] as const)('accepts a %s webhook URL', (kind, url) => {
    expect(checkChatUrl(kind, url, { anyHost: false })).toEqual({ ok: true });
  });

  it.each([
    ['slack', 'http://hooks.slack.com/services/T000/B000/XXXX', 'plain http'],
    ['slack', 'https://hooks.slack.com.evil.example/services/T/B/X', 'a look-alike host'],
    ['slack', 'https://evil.example/services/T/B/X', 'another host'],
    ['slack', 'https://hooks.slack.com/api/whatever', 'another path'],
    ['slack', 'https://user:pw@hooks.slack.com/services/T/B/X', 'credentials'],
    ['teams', 'https://logic.azure.com.evil.example/workflows/x', 'a look-alike host'],
    ['teams', 'https://discord.com/api/webhooks/1/x', "another service's host"],
    ['discord', 'https://discord.com/channels/1/2', 'a channel link'],
    ['discord', 'https://127.0.0.1/api/webhooks/1/x', 'an address'],
  ] as const)('refuses a %s URL: %s (%s)', (kind, url, _why) => {
    const check = checkChatUrl(kind, url, { anyHost: false });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(/is not a .* webhook URL; it looks like https:\/\//);
  });

  it('lets the test-only override reach a local fake', () => {
    expect(checkChatUrl('slack', 'http://127.0.0.1:9999/slack', { anyHost: true })).toEqual({ ok: true });
  });

  it('masks the key a chat URL carries', () => {
    const masked = maskChatUrl('https://hooks.slack.com/services/T000/B000/SECRETKEY1234');
    expect(masked).toBe('https://hooks.slack.com/services/…1234');
    expect(masked).not.toContain('SECRETKEY');
    expect(maskChatUrl('https://prod.logic.azure.com/workflows/x/invoke?sig=TOPSECRETSIG')).not.toContain('TOPSECRET');
  });
});

describe('markdown in each chat', () => {
  it('writes Slack mrkdwn and escapes its control characters', () => {
    const text = chatMarkdown(HOSTILE, 'slack');
    expect(text).toContain('&lt;!channel&gt;');
    // An autolink is a link; its address cannot end the Slack link early either.
    expect(text).toContain('&amp; <https://evil.example%7Cclick|https://evil.example|click>');
    expect(text).toContain('*bold* _it_ ~gone~ `code`');
    // The URL cannot end the link early, and a javascript: link is text.
    expect(text).toContain('<https://ok.example/a%7Cb%3Ec|link>');
    expect(text).not.toMatch(/<javascript:/);
    expect(text).toContain('• one\n• two');
    expect(text).not.toMatch(/<!channel>|<script>/);
    // Inside code too: Slack reads its control characters there.
    expect(chatMarkdown('Run `<!channel> & <https://evil|x>`\n\n```\n<!here>\n```', 'slack')).toBe(
      'Run `&lt;!channel&gt; &amp; &lt;https://evil|x&gt;`\n\n```\n&lt;!here&gt;\n```',
    );
  });

  it('keeps Discord markdown literal where the update was literal', () => {
    const text = chatMarkdown('2 * 3 = 6 and a_b_c, not **bold** here: \\*x\\*', 'discord');
    expect(text).toBe('2 \\* 3 = 6 and a\\_b\\_c, not **bold** here: \\*x\\*');
  });

  it('writes Teams markdown without what Adaptive Cards do not render', () => {
    expect(chatMarkdown('**a** ~~b~~ `c`\n\n1. x\n2. y', 'teams')).toBe('**a** b c\n\n1. x\n2. y');
  });

  it('cuts at a limit without breaking an escape', () => {
    expect(clip('abc &amp; def', 7)).toBe('abc …');
    expect(clip('short', 10)).toBe('short');
    // UTF-16 units, as Slack and Discord count, and never half an emoji.
    const emoji = clip('😀'.repeat(200), 150);
    expect(emoji.length).toBeLessThanOrEqual(150);
    expect(emoji).toBe(`${'😀'.repeat(74)}…`);
  });
});

describe('Slack (Block Kit)', () => {
  it('carries the name, status, update, components, next update and link', () => {
    const message: { text: string; blocks: KnownBlock[] } = slackMessage(event);
    const json = JSON.stringify(message);
    expect(message.text).toBe('Errors on &lt;!channel&gt; the API &amp; more: Identified');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Errors on <!channel> the API & more' },
    });
    expect(json).toContain('• Public API &lt;!here&gt;: Major Outage');
    expect(json).toContain('• Database: Degraded Performance');
    // In the page's time zone (Taipei, UTC+8).
    expect(json).toContain('Next update by Mar 15, 2026, 21:30');
    expect(message.blocks.at(-1)).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'View on the status page' },
          url: `${SITE}/incidents/inc1/`,
        },
      ],
    });
  });

  it('keeps the fallback text from pinging a channel', () => {
    // Slack reads <!channel> in `text` too: the fallback is escaped like the blocks.
    expect(slackMessage(event).text).not.toContain('<!');
  });

  it('respects Block Kit limits whatever the text', () => {
    const long = makeIncident({
      ...incident,
      name: 'N'.repeat(1000),
      updates: [makeUpdate({ id: 'u2', incidentId: 'inc1', body: '&'.repeat(10_000) })],
      componentIds: Array.from({ length: 300 }, (_, i) => `c${i}`),
    });
    const many = makeSnapshot({
      components: Array.from({ length: 300 }, (_, i) => makeComponent({ id: `c${i}`, name: 'C'.repeat(200) })),
      incidents: [long],
    });
    const message = slackMessage(bind(incidentChatEvent(many, 'inc1', 'incident.updated', 'en')));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      if (block.type === 'header') expect([...block.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.header);
      if (block.type === 'section') {
        expect([...block.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.section);
        expect(block.text.text).not.toMatch(/&[a-z]*…/);
      }
    }
    expect([...message.text].length).toBeLessThanOrEqual(SLACK_LIMITS.fallback);
  });
});

describe('Discord (embed)', () => {
  it('never pings, and carries the facts as an embed', () => {
    const message: RESTPostAPIWebhookWithTokenJSONBody = discordMessage(event);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    const embed = message.embeds![0]!;
    expect(embed.title).toBe('Errors on <!channel> the API & more');
    expect(embed.url).toBe(`${SITE}/incidents/inc1/`);
    expect(embed.color).toBe(0xea580c);
    expect(embed.fields).toEqual([
      { name: 'Public API <!here>', value: 'Major Outage', inline: true },
      { name: 'Database', value: 'Degraded Performance', inline: true },
    ]);
    expect(embed.description).toContain('**Identified**');
    expect(embed.description).toContain(`[View on the status page](${SITE}/incidents/inc1/)`);
  });

  it('stays within the embed limits, 6,000 characters in all', () => {
    const long = makeIncident({
      ...incident,
      name: 'N'.repeat(1000),
      updates: [makeUpdate({ id: 'u2', incidentId: 'inc1', body: 'x'.repeat(20_000) })],
      componentIds: Array.from({ length: 40 }, (_, i) => `c${i}`),
    });
    const many = makeSnapshot({
      components: Array.from({ length: 40 }, (_, i) => makeComponent({ id: `c${i}`, name: 'C'.repeat(400) })),
      incidents: [long],
    });
    const embed = discordMessage(bind(incidentChatEvent(many, 'inc1', 'incident.updated', 'en'))).embeds[0]!;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.fields!.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields!) expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.name);
    const total =
      embed.title.length +
      embed.description.length +
      embed.fields!.reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  });
});

describe('Teams (Adaptive Card)', () => {
  const parse = (card: unknown) => {
    const context = new AdaptiveCards.SerializationContext();
    new AdaptiveCards.AdaptiveCard().parse(card, context);
    return Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
  };

  it('is a Workflows message holding an Adaptive Card the SDK parses without complaint', () => {
    const message = teamsMessage(event);
    expect(message.type).toBe('message');
    const [attachment] = message.attachments;
    expect(attachment!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment!.content.version).toBe('1.4');
    expect(parse(attachment!.content)).toEqual([]);
    // A mistake the parser does catch, so the check above can fail.
    expect(parse({ ...attachment!.content, body: [{ type: 'TextBlok', text: 'x' }] })).not.toEqual([]);
    const json = JSON.stringify(message);
    expect(json).toContain('"title":"Public API <!here>","value":"Major Outage"');
    expect(json).toContain('"type":"Action.OpenUrl","title":"View on the status page"');
  });

  it('stays well under the 28 KB a Teams message holds', () => {
    const long = makeIncident({
      ...incident,
      updates: [makeUpdate({ id: 'u2', incidentId: 'inc1', body: '漢'.repeat(50_000) })],
    });
    const message = teamsMessage(
      bind(
        incidentChatEvent(makeSnapshot({ components: [api, db], incidents: [long] }), 'inc1', 'incident.updated', 'en'),
      ),
    );
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(28 * 1024);
  });
});

describe('events', () => {
  it("speaks the destination's language and links to that language's page", () => {
    const zh = bind(incidentChatEvent(snapshot, 'inc1', 'incident.updated', 'zh-TW'));
    expect(zh.shortlink).toBe(`${SITE}/zh-TW/incidents/inc1/`);
    const json = JSON.stringify(slackMessage(zh));
    expect(json).toContain('已確認原因');
    expect(json).not.toContain('View on the status page');
  });

  it('tells a maintenance window in the page time zone', () => {
    const window = makeMaintenance({
      id: 'm1',
      name: 'Upgrade',
      scheduledFor: new Date('2026-03-20T18:00:00Z'),
      scheduledUntil: new Date('2026-03-20T20:00:00Z'),
      updates: [makeUpdate({ id: 'mu', incidentId: 'm1', status: 'scheduled', body: 'Planned.' })],
    });
    const withWindow = makeSnapshot({ page: makePage({ timeZone: 'Asia/Taipei' }), incidents: [window] });
    const json = JSON.stringify(
      discordMessage(bind(incidentChatEvent(withWindow, 'm1', 'maintenance.scheduled', 'en'))),
    );
    expect(json).toContain('Window: Mar 21, 2026, 02:00');
  });

  it('tells a component change, and a test, without an incident', () => {
    const change = bind(
      componentChatEvent(
        snapshot,
        { id: 'db', name: 'Database', oldStatus: 'operational', newStatus: 'partial_outage' },
        'en',
      ),
    );
    expect(JSON.stringify(slackMessage(change))).toContain('*Partial Outage (was Operational)*');
    expect(change.shortlink).toBe(`${SITE}/`);
    expect(JSON.stringify(teamsMessage(bind(testChatEvent(snapshot, 'en'))))).toContain('A test message from Acme');
  });

  it("gives a visitor's destination its removal link", () => {
    const removal = 'https://status.acme.example/subscriptions/webhook?remove=x&token=y';
    const message = slackMessage(bind(incidentChatEvent(snapshot, 'inc1', 'incident.updated', 'en'), removal));
    expect(JSON.stringify(message)).toContain(`<${removal}|Stop these messages>`);
    expect(JSON.stringify(slackMessage(event))).not.toContain('Stop these messages');
  });

  it('is nothing for an incident or component the public does not see', () => {
    expect(incidentChatEvent(snapshot, 'missing', 'incident.updated', 'en')).toBeNull();
    const transition = { id: 'gone', name: 'Gone', oldStatus: 'operational', newStatus: 'major_outage' } as const;
    expect(componentChatEvent(snapshot, transition, 'en')).toBeNull();
  });
});
