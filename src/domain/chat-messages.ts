import { Lexer, type Token, type Tokens } from 'marked';
import { formatDateTime } from './format.ts';
import { localeFor, type Locale } from './i18n/translator.ts';
import type { ComponentTransition } from './incident-lifecycle.ts';
import { stripControlCharacters } from './markdown.ts';
import { incidentUrl, withSlash } from './site-url.ts';
import { findIncident, publicComponents, type Snapshot } from './snapshot.ts';
import type { ComponentStatus, EventKind, EventStatus, Impact, Language } from './vocabulary.ts';
import { SITE_PLACEHOLDER, type WebhookEvent } from './webhooks.ts';

// Chat destinations: Slack (incoming webhook, Block Kit), Microsoft Teams (a Workflows
// webhook, Adaptive Card) and Discord (webhook, embed). They ride the webhook outbox: what
// is frozen in a delivery is a ChatEvent (the facts, in the destination's language, with
// the site left as a placeholder), and the message is drawn from it when sent. Pure.

export const CHAT_KINDS = ['slack', 'teams', 'discord'] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];
export const ENDPOINT_KINDS = ['webhook', ...CHAT_KINDS] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

export const ENDPOINT_KIND_LABELS: Record<EndpointKind, string> = {
  webhook: 'Webhook (signed JSON)',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  discord: 'Discord',
};

export const isChatKind = (kind: string): kind is ChatKind => (CHAT_KINDS as readonly string[]).includes(kind);

// ---------------------------------------------------------------------------------------
// Where each service's webhooks live. A chat URL must be https on one of these hosts, so a
// destination can never be pointed at anything else (the test-only override aside).

interface ServiceHosts {
  /** Exact host names. */
  hosts: string[];
  /** Host name suffixes (a subdomain of these). */
  suffixes: string[];
  /** The path a webhook URL has there. */
  path: RegExp;
  example: string;
}

export const CHAT_SERVICE_HOSTS: Record<ChatKind, ServiceHosts> = {
  slack: {
    hosts: ['hooks.slack.com', 'hooks.slack-gov.com'],
    suffixes: [],
    path: /^\/(services|triggers)\/[^/]+\/[^/]+/,
    example: 'https://hooks.slack.com/services/T000/B000/XXXX',
  },
  teams: {
    hosts: [],
    // Workflows (Power Automate) webhooks, and the old Office 365 connectors while they last.
    suffixes: ['.logic.azure.com', '.environment.api.powerplatform.com', '.webhook.office.com'],
    path: /^\/./,
    example: 'https://prod-00.westus.logic.azure.com:443/workflows/…/triggers/manual/paths/invoke?…',
  },
  discord: {
    hosts: ['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com'],
    suffixes: [],
    path: /^\/api\/(v\d+\/)?webhooks\/\d+\/[^/]+/,
    example: 'https://discord.com/api/webhooks/123456789/XXXX',
  },
};

export type UrlCheck = { ok: true } | { ok: false; message: string };

/** Whether the URL is one of the service's webhook URLs. `anyHost`: the test-only override. */
export function checkChatUrl(kind: ChatKind, raw: string, options: { anyHost: boolean }): UrlCheck {
  if (options.anyHost) return { ok: true };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'must be an absolute URL' };
  }
  const service = CHAT_SERVICE_HOSTS[kind];
  const host = url.hostname.toLowerCase();
  const onHost = service.hosts.includes(host) || service.suffixes.some((suffix) => host.endsWith(suffix));
  if (url.protocol !== 'https:' || !onHost || !service.path.test(url.pathname) || url.username || url.password)
    return {
      ok: false,
      message: `is not a ${ENDPOINT_KIND_LABELS[kind]} webhook URL; it looks like ${service.example}`,
    };
  return { ok: true };
}

/**
 * A chat webhook URL carries its key in the path (and Teams' in the query): shown as its
 * origin, the start of its path and its last four characters.
 */
export function maskChatUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const first = url.pathname.split('/').filter(Boolean)[0] ?? '';
    const tail = (url.pathname + url.search).slice(-4);
    return `${url.origin}/${first}/…${tail}`;
  } catch {
    return '(invalid URL)';
  }
}

// ---------------------------------------------------------------------------------------
// The frozen facts of one message.

export interface ChatEvent {
  event: WebhookEvent | 'test';
  language: Language;
  timeZone: string;
  page: string;
  brandColor: string;
  /** The incident's page (or the page itself); bound to the site when sent. */
  shortlink: string;
  /** A visitor's destination gets its removal link here when sent. */
  meta: { unsubscribe: string | null };
  incident?: {
    kind: EventKind;
    name: string;
    status: EventStatus;
    impact: Impact;
    /** The latest update's markdown. */
    body: string;
    components: { name: string; status: ComponentStatus }[];
    nextUpdateAt: string | null;
    scheduledFor: string | null;
    scheduledUntil: string | null;
  };
  component?: { name: string; oldStatus: ComponentStatus; newStatus: ComponentStatus };
}

function baseEvent(snapshot: Snapshot, event: ChatEvent['event'], language: Language, shortlink: string): ChatEvent {
  return {
    event,
    language,
    timeZone: snapshot.page.timeZone,
    page: snapshot.page.name,
    brandColor: snapshot.page.brandColor,
    shortlink,
    meta: { unsubscribe: null },
  };
}

const localeOf = (snapshot: Snapshot, language: Language) => localeFor(language, snapshot.page.defaultLanguage);
const pageLink = (snapshot: Snapshot, language: Language) =>
  withSlash(SITE_PLACEHOLDER) + localeOf(snapshot, language).path('/').slice(1);

/** The facts of an incident or maintenance event; null when the public does not see it. */
export function incidentChatEvent(
  snapshot: Snapshot,
  incidentId: string,
  event: WebhookEvent,
  language: Language,
): ChatEvent | null {
  const incident = findIncident(snapshot, incidentId);
  if (!incident) return null;
  const byId = new Map(publicComponents(snapshot).map((c) => [c.id, c]));
  const latest = incident.updates[0];
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    ...baseEvent(snapshot, event, language, incidentUrl(SITE_PLACEHOLDER, incident.id, localeOf(snapshot, language))),
    incident: {
      kind: incident.kind,
      name: incident.name,
      status: incident.status,
      impact: incident.impact,
      body: latest?.body ?? '',
      components: incident.componentIds.flatMap((id) => {
        const component = byId.get(id);
        return component ? [{ name: component.name, status: component.status }] : [];
      }),
      nextUpdateAt: iso(incident.nextUpdateDueAt),
      scheduledFor: iso(incident.scheduledFor),
      scheduledUntil: iso(incident.scheduledUntil),
    },
  };
}

/** A component's status change; null for a component the public does not see. */
export function componentChatEvent(
  snapshot: Snapshot,
  transition: ComponentTransition,
  language: Language,
): ChatEvent | null {
  const component = publicComponents(snapshot).find((c) => c.id === transition.id);
  if (!component) return null;
  return {
    ...baseEvent(snapshot, 'component.updated', language, pageLink(snapshot, language)),
    component: { name: component.name, oldStatus: transition.oldStatus, newStatus: transition.newStatus },
  };
}

export function testChatEvent(snapshot: Snapshot, language: Language): ChatEvent {
  return baseEvent(snapshot, 'test', language, pageLink(snapshot, language));
}

// ---------------------------------------------------------------------------------------
// Markdown, as each chat renders it. marked parses; each dialect writes the tokens back in
// the syntax its service understands, escaping what would otherwise be read as markup.

type Dialect = 'slack' | 'teams' | 'discord';

const SAFE_SCHEME = /^(https?:|mailto:)/i;

const escapeText: Record<Dialect, (text: string) => string> = {
  // Slack: &, < and > are its only control characters (<!channel>, <url|text>).
  slack: (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  // Discord reads markdown in what we send: a literal * or _ must stay literal.
  discord: (text) => text.replace(/([\\*_~`|>[\]()#-])/g, '\\$1'),
  teams: (text) => text.replace(/([\\*_[\]])/g, '\\$1'),
};

function inline(tokens: readonly Token[] | undefined, dialect: Dialect): string {
  return (tokens ?? []).map((token) => inlineToken(token, dialect)).join('');
}

function inlineToken(token: Token, dialect: Dialect): string {
  const text = (t: Token) => escapeText[dialect]('text' in t && typeof t.text === 'string' ? t.text : t.raw);
  switch (token.type) {
    case 'strong': {
      const inner = inline((token as Tokens.Strong).tokens, dialect);
      return dialect === 'slack' ? `*${inner}*` : `**${inner}**`;
    }
    case 'em': {
      const inner = inline((token as Tokens.Em).tokens, dialect);
      return dialect === 'discord' ? `*${inner}*` : `_${inner}_`;
    }
    case 'del': {
      const inner = inline((token as Tokens.Del).tokens, dialect);
      return dialect === 'slack' ? `~${inner}~` : dialect === 'discord' ? `~~${inner}~~` : inner;
    }
    case 'codespan': {
      if (dialect === 'teams') return text(token);
      const code = (token as Tokens.Codespan).text.replace(/`/g, "'");
      // Slack reads <!channel> and <url|text> inside code too.
      return `\`${dialect === 'slack' ? escapeText.slack(code) : code}\``;
    }
    case 'br':
      return '\n';
    case 'link':
    case 'image': {
      const link = token as Tokens.Link | Tokens.Image;
      const label = link.type === 'link' ? inline(link.tokens, dialect) : escapeText[dialect](link.text);
      if (!SAFE_SCHEME.test(link.href)) return label;
      // The URL cannot close the link early.
      const href = link.href.replace(/[|<> ()]/g, (c) => encodeURIComponent(c));
      if (dialect === 'slack') return `<${href}|${label || href}>`;
      return `[${label || href}](${href})`;
    }
    case 'text':
      return 'tokens' in token && token.tokens ? inline(token.tokens, dialect) : text(token);
    case 'escape':
      return escapeText[dialect]((token as Tokens.Escape).text);
    default:
      // Raw HTML and anything else: shown as the text it is.
      return text(token);
  }
}

function block(token: Token, dialect: Dialect): string {
  switch (token.type) {
    case 'heading': {
      const inner = inline((token as Tokens.Heading).tokens, dialect);
      return dialect === 'slack' ? `*${inner}*` : `**${inner}**`;
    }
    case 'paragraph':
      return inline((token as Tokens.Paragraph).tokens, dialect);
    case 'text':
      return inlineToken(token, dialect);
    case 'list': {
      const list = token as Tokens.List;
      const start = typeof list.start === 'number' ? list.start : 1;
      return list.items
        .map((item, i) => {
          const bullet = list.ordered ? `${start + i}.` : dialect === 'slack' ? '•' : '-';
          const body = item.tokens.map((t) => block(t, dialect)).join('\n');
          return `${bullet} ${body.replace(/\n/g, '\n   ')}`;
        })
        .join('\n');
    }
    case 'blockquote': {
      const inner = (token as Tokens.Blockquote).tokens.map((t) => block(t, dialect)).join('\n');
      return dialect === 'teams' ? inner : inner.replace(/^/gm, '> ');
    }
    case 'code': {
      const code = (token as Tokens.Code).text;
      if (dialect === 'teams') return escapeText.teams(code);
      const fenced = code.replace(/```/g, "'''");
      return '```\n' + (dialect === 'slack' ? escapeText.slack(fenced) : fenced) + '\n```';
    }
    case 'table': {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens, dialect)).join(' | ');
      return [row(table.header), ...table.rows.map(row)].join('\n');
    }
    case 'hr':
      return '———';
    case 'space':
      return '';
    default:
      return escapeText[dialect](token.raw);
  }
}

/** An update's markdown in the dialect of a chat service. */
export function chatMarkdown(markdown: string, dialect: Dialect): string {
  const tokens = new Lexer({ gfm: true, breaks: true }).lex(stripControlCharacters(markdown));
  return tokens
    .map((t) => block(t, dialect))
    .filter((text) => text !== '')
    .join('\n\n');
}

/** At most `max` characters (code points), ending with an ellipsis when cut; never half an escape. */
/**
 * At most `max` UTF-16 code units (what the services count), ending with an ellipsis when cut;
 * never half a surrogate pair, half an escape ("&am") or a lone backslash.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.replace(/&[a-z]*$|\\$/, '')}…`;
}

// ---------------------------------------------------------------------------------------
// The messages.

const GREEN = '#16a34a';
const RED = '#dc2626';
const ORANGE = '#ea580c';
const YELLOW = '#ca8a04';
const BLUE = '#2563eb';
const GREY = '#6b7280';

const COMPONENT_COLOURS: Record<ComponentStatus, string> = {
  operational: GREEN,
  degraded_performance: YELLOW,
  partial_outage: ORANGE,
  major_outage: RED,
  under_maintenance: BLUE,
};

function colourOf(event: ChatEvent): string {
  if (event.component) return COMPONENT_COLOURS[event.component.newStatus];
  const incident = event.incident;
  if (!incident) return /^#[0-9a-f]{6}$/i.test(event.brandColor) ? event.brandColor : BLUE;
  if (['resolved', 'postmortem', 'completed'].includes(incident.status)) return GREEN;
  const byImpact: Record<Impact, string> = {
    critical: RED,
    major: ORANGE,
    minor: YELLOW,
    none: GREY,
    maintenance: BLUE,
  };
  return byImpact[incident.impact];
}

/** What every service's message says, in the event's language, as plain parts. */
interface MessageParts {
  title: string;
  /** "Investigating", "Completed", or the component's change. */
  status: string;
  /** Markdown of the update (incidents only). */
  body: string;
  components: { name: string; status: string }[];
  /** "Next update by …" or the maintenance window. */
  when: string[];
  link: { label: string; url: string };
  unsubscribe: { label: string; url: string } | null;
  colour: string;
}

function partsOf(event: ChatEvent): MessageParts {
  const locale: Locale = localeFor(event.language, event.language);
  const time = (iso: string) => formatDateTime(new Date(iso), event.timeZone, event.language);
  const common = {
    link: { label: locale.t('email.view'), url: event.shortlink },
    unsubscribe: event.meta.unsubscribe ? { label: locale.t('chat.stop'), url: event.meta.unsubscribe } : null,
    colour: colourOf(event),
  };
  if (event.incident) {
    const i = event.incident;
    const when: string[] = [];
    if (i.scheduledFor && i.scheduledUntil)
      when.push(locale.t('email.window', { window: `${time(i.scheduledFor)} – ${time(i.scheduledUntil)}` }));
    if (i.nextUpdateAt && !['resolved', 'postmortem', 'completed'].includes(i.status))
      when.push(locale.t('email.nextUpdate', { time: time(i.nextUpdateAt) }));
    return {
      ...common,
      title: i.name,
      status: locale.t(`eventStatus.${i.status}`),
      body: i.body,
      components: i.components.map((c) => ({ name: c.name, status: locale.t(`componentStatus.${c.status}`) })),
      when,
    };
  }
  if (event.component) {
    const c = event.component;
    return {
      ...common,
      title: c.name,
      status: locale.t('chat.componentChanged', {
        status: locale.t(`componentStatus.${c.newStatus}`),
        previous: locale.t(`componentStatus.${c.oldStatus}`),
      }),
      body: '',
      components: [],
      when: [],
    };
  }
  return {
    ...common,
    title: locale.t('email.pageStatus', { name: event.page }),
    status: locale.t('chat.test', { name: event.page }),
    body: '',
    components: [],
    when: [],
  };
}

// Slack: https://docs.slack.dev/reference/block-kit/blocks — a header's text at most 150
// characters, a section's 3,000, a button's label 75 and its URL 3,000; 50 blocks.
export const SLACK_LIMITS = { header: 150, section: 3000, button: 75, url: 3000, fallback: 3000 } as const;

export function slackMessage(event: ChatEvent) {
  const parts = partsOf(event);
  const esc = escapeText.slack;
  const body = parts.body ? chatMarkdown(parts.body, 'slack') : '';
  const components = parts.components.map((c) => `• ${esc(c.name)}: ${esc(c.status)}`).join('\n');
  const section = (text: string) => ({
    type: 'section' as const,
    text: { type: 'mrkdwn' as const, text: clip(text, SLACK_LIMITS.section) },
  });
  const context = parts.when.map(esc);
  if (parts.unsubscribe) context.push(`<${parts.unsubscribe.url}|${esc(parts.unsubscribe.label)}>`);
  return {
    // The notification's text, and what clients without blocks show: mrkdwn too, so escaped.
    text: clip(esc(`${parts.title}: ${parts.status}`), SLACK_LIMITS.fallback),
    blocks: [
      { type: 'header' as const, text: { type: 'plain_text' as const, text: clip(parts.title, SLACK_LIMITS.header) } },
      section(`*${esc(parts.status)}*${body ? `\n${body}` : ''}`),
      ...(components ? [section(components)] : []),
      ...(context.length > 0
        ? [{ type: 'context' as const, elements: context.map((text) => ({ type: 'mrkdwn' as const, text })) }]
        : []),
      {
        type: 'actions' as const,
        elements: [
          {
            type: 'button' as const,
            text: { type: 'plain_text' as const, text: clip(parts.link.label, SLACK_LIMITS.button) },
            url: parts.link.url,
          },
        ],
      },
    ],
  };
}

// Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits —
// title 256, description 4,096, 25 fields of name 256 and value 1,024, footer 2,048, and
// 6,000 characters in all. No mention in the text may ping anyone.
export const DISCORD_LIMITS = { title: 256, description: 4096, fields: 25, name: 256, value: 1024, total: 6000 };
const FIELDS_BUDGET = 2500;

export function discordMessage(event: ChatEvent) {
  const parts = partsOf(event);
  const esc = escapeText.discord;
  // Components take at most FIELDS_BUDGET characters; the update's text gets the rest.
  const fields: { name: string; value: string; inline: boolean }[] = [];
  let fieldChars = 0;
  for (const c of parts.components.slice(0, DISCORD_LIMITS.fields)) {
    const field = { name: clip(c.name, 100), value: c.status, inline: true };
    fieldChars += field.name.length + field.value.length;
    if (fieldChars > FIELDS_BUDGET) break;
    fields.push(field);
  }
  const title = clip(parts.title, DISCORD_LIMITS.title);
  const lines = [
    `**${esc(parts.status)}**`,
    ...(parts.body ? [chatMarkdown(parts.body, 'discord')] : []),
    ...parts.when.map(esc),
    `[${esc(parts.link.label)}](${parts.link.url})`,
    ...(parts.unsubscribe ? [`[${esc(parts.unsubscribe.label)}](${parts.unsubscribe.url})`] : []),
  ];
  // Discord counts UTF-16 code units, as `length` and clip do.
  const used = title.length + fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  const description = clip(lines.join('\n\n'), Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - used));
  return {
    allowed_mentions: { parse: [] as never[] },
    embeds: [
      {
        title,
        url: parts.link.url,
        description,
        color: Number.parseInt(parts.colour.slice(1), 16),
        ...(fields.length > 0 ? { fields } : {}),
      },
    ],
  };
}

// Teams: an Adaptive Card (1.4, what Teams renders everywhere) in the message shape a
// Workflows webhook posts; a Teams message holds about 28 KB, so the text is cut well below.
export const TEAMS_LIMITS = { text: 8000, facts: 50 } as const;

export function teamsMessage(event: ChatEvent) {
  const parts = partsOf(event);
  const esc = escapeText.teams;
  const colour =
    parts.colour === GREEN ? 'Good' : parts.colour === RED || parts.colour === ORANGE ? 'Attention' : 'Warning';
  const body: unknown[] = [
    { type: 'TextBlock', text: esc(clip(parts.title, 300)), weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: esc(parts.status), color: colour, weight: 'Bolder', spacing: 'None', wrap: true },
  ];
  if (parts.body)
    body.push({ type: 'TextBlock', text: clip(chatMarkdown(parts.body, 'teams'), TEAMS_LIMITS.text), wrap: true });
  if (parts.components.length > 0)
    body.push({
      type: 'FactSet',
      facts: parts.components.slice(0, TEAMS_LIMITS.facts).map((c) => ({ title: esc(c.name), value: esc(c.status) })),
    });
  for (const line of parts.when) body.push({ type: 'TextBlock', text: esc(line), isSubtle: true, wrap: true });
  const actions = [
    { type: 'Action.OpenUrl', title: parts.link.label, url: parts.link.url },
    ...(parts.unsubscribe
      ? [{ type: 'Action.OpenUrl', title: parts.unsubscribe.label, url: parts.unsubscribe.url }]
      : []),
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
        },
      },
    ],
  };
}

/** The body a chat destination is sent for a frozen (and site-bound) event. */
export function chatMessage(kind: ChatKind, event: ChatEvent): unknown {
  if (kind === 'slack') return slackMessage(event);
  if (kind === 'discord') return discordMessage(event);
  return teamsMessage(event);
}
