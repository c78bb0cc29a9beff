import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../src/domain/i18n/en.ts';
import { absoluteUrl } from '../../src/domain/site-url.ts';
import {
  CATALOGUES,
  LANGUAGE_NAMES,
  localeFor,
  localizedPath,
  PAGE_STATUS_DESCRIPTIONS,
  placeholdersOf,
  splitLanguagePrefix,
  translator,
} from '../../src/domain/i18n/translator.ts';
import { formatDateTime, formatMonth, formatRelative } from '../../src/domain/format.ts';
import { rollUpComponents, pageStatus } from '../../src/domain/status-rollup.ts';
import { COMPONENT_STATUSES, EVENT_STATUSES, IMPACTS, LANGUAGES } from '../../src/domain/vocabulary.ts';
import { renderEmail, type EventEmailMessage } from '../../src/domain/email-message.ts';
import { describeDay } from '../../src/domain/page-uptime.ts';
import { fillTemplate, templateValues } from '../../src/server/forms/template-fill.ts';
import { formToTemplateInput } from '../../src/server/forms/template-form.ts';

// One catalogue per language; a key missing, empty or extra in any of them fails here.

const sourceKeys = Object.keys(en).sort();

describe('message catalogues', () => {
  it('exist for every language', () => {
    expect(Object.keys(CATALOGUES).sort()).toEqual([...LANGUAGES].sort());
    expect(Object.keys(LANGUAGE_NAMES).sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has exactly the keys of the English catalogue', (language) => {
    const keys = Object.keys(CATALOGUES[language]).sort();
    expect(
      keys.filter((k) => !sourceKeys.includes(k)),
      'extra keys',
    ).toEqual([]);
    expect(
      sourceKeys.filter((k) => !keys.includes(k)),
      'missing keys',
    ).toEqual([]);
  });

  it.each(LANGUAGES)('%s has no empty message', (language) => {
    const empty = Object.entries(CATALOGUES[language])
      .filter(([, message]) => message.trim() === '')
      .map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it.each(LANGUAGES.filter((l) => l !== 'en'))(
    '%s uses the same placeholders as English in every message',
    (language) => {
      const differing = sourceKeys.filter(
        (key) =>
          placeholdersOf(CATALOGUES[language][key as MessageKey]).join() !==
          placeholdersOf(en[key as MessageKey]).join(),
      );
      expect(differing).toEqual([]);
    },
  );

  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s is translated, not copied from English', (language) => {
    // Messages that are only placeholders and punctuation may be identical; nothing else.
    const copied = sourceKeys.filter(
      (key) =>
        /[a-z]{3}/i.test(en[key as MessageKey].replace(/\{\w+\}/g, '').replace(/Herald|API|name@example\.com/g, '')) &&
        CATALOGUES[language][key as MessageKey] === en[key as MessageKey],
    );
    expect(copied).toEqual([]);
  });

  it('has a label for every status, impact and page status in every language', () => {
    for (const language of LANGUAGES) {
      const locale = localeFor(language, 'en');
      for (const status of COMPONENT_STATUSES) expect(locale.componentStatus(status)).not.toMatch(/^componentStatus\./);
      for (const status of EVENT_STATUSES) expect(locale.eventStatus(status)).toBeTruthy();
      for (const impact of IMPACTS) expect(locale.impact(impact)).toBeTruthy();
      for (const description of PAGE_STATUS_DESCRIPTIONS)
        expect(locale.pageStatus(description)).not.toBe(language === 'en' ? '' : description);
    }
  });

  it('knows every description the roll-up can give', () => {
    const seen = new Set<string>();
    for (const a of COMPONENT_STATUSES)
      for (const b of COMPONENT_STATUSES) {
        seen.add(rollUpComponents([a]).description);
        seen.add(rollUpComponents([a, b]).description);
        for (const impact of IMPACTS) seen.add(pageStatus([a, b], [impact]).description);
      }
    expect([...seen].filter((d) => !PAGE_STATUS_DESCRIPTIONS.includes(d))).toEqual([]);
  });
});

describe('translator', () => {
  it.each([
    ['en', 'layout.backTo', { name: 'Acme' }, 'Back to Acme'],
    ['zh-TW', 'incident.allUpdates', { count: 3 }, '全部 3 則更新'],
    ['zh-CN', 'incident.allUpdates', { count: 3 }, '全部 3 条更新'],
    ['zh-TW', 'eventStatus.investigating', undefined, '調查中'],
    ['zh-CN', 'eventStatus.investigating', undefined, '调查中'],
    ['en', 'layout.backTo', {}, 'Back to {name}'],
  ] as const)('%s %s', (language, key, vars, expected) => {
    expect(translator(language)(key, vars)).toBe(expected);
  });

  it.each([
    ['en', 'operational', 'major_outage', 'Operational → Major Outage'],
    ['en', 'partial_outage', 'partial_outage', 'Partial Outage'],
    ['zh-TW', 'operational', 'major_outage', '正常運作 → 嚴重中斷'],
  ] as const)('%s words a component going from %s to %s as %s', (language, from, to, expected) => {
    expect(localeFor(language, 'en').componentChange(from, to)).toBe(expected);
  });

  it('fills a value once: text that looks like a placeholder is not expanded again', () => {
    expect(translator('en')('layout.backTo', { name: '{name}' })).toBe('Back to {name}');
  });
});

describe('language URLs', () => {
  it.each([
    ['/history/', 'zh-TW', 'en', '/zh-TW/history/'],
    ['/', 'zh-CN', 'en', '/zh-CN/'],
    ['/incidents/x/', 'en', 'en', '/incidents/x/'],
    ['/incidents/x/', 'en', 'zh-TW', '/en/incidents/x/'],
    ['/', 'zh-TW', 'zh-TW', '/'],
  ] as const)('%s in %s (default %s) is %s', (path, language, defaultLanguage, expected) => {
    expect(localizedPath(path, language, defaultLanguage)).toBe(expected);
  });

  it.each([
    ['/zh-TW/history/', 'zh-TW', '/history/'],
    ['/zh-CN/', 'zh-CN', '/'],
    ['/zh-CN', 'zh-CN', '/'],
    ['/en/incidents/a/', 'en', '/incidents/a/'],
    ['/history/', null, '/history/'],
    ['/fr/x/', null, '/fr/x/'],
    ['/zh-TWx/', null, '/zh-TWx/'],
  ] as const)('%s names %s', (path, language, rest) => {
    expect(splitLanguagePrefix(path)).toEqual({ language, path: rest });
  });

  it.each([
    ['https://status.example.com', '/zh-TW/history/', 'https://status.example.com/zh-TW/history/'],
    ['https://status.example.com/', '/', 'https://status.example.com/'],
    ['https://example.com/status', '/incidents/x/', 'https://example.com/status/incidents/x/'],
    ['https://example.com/status/', '/zh-CN/history.atom', 'https://example.com/status/zh-CN/history.atom'],
  ] as const)('below %s, %s is %s', (siteUrl, path, expected) => {
    expect(absoluteUrl(siteUrl, path)).toBe(expected);
  });
});

describe('dates per language', () => {
  const at = new Date('2026-11-21T14:05:00Z');
  it.each([
    ['en', 'Nov 21, 2026, 22:05 GMT+8'],
    ['zh-TW', '2026年11月21日 22:05 [GMT+8]'],
    ['zh-CN', '2026年11月21日 GMT+8 22:05'],
  ] as const)('%s: %s', (language, expected) => {
    expect(formatDateTime(at, 'Asia/Taipei', language)).toBe(expected);
  });

  it.each([
    ['en', 'November 2026', 'in 25 minutes'],
    ['zh-TW', '2026年11月', '25 分鐘後'],
    ['zh-CN', '2026年11月', '25分钟后'],
  ] as const)('%s month and relative time', (language, month, relative) => {
    expect(formatMonth('2026-11', language)).toBe(month);
    expect(formatRelative(new Date(at.getTime() + 25 * 60_000), at, language)).toBe(relative);
  });

  it('keeps English when no language is named (the admin UI)', () => {
    expect(formatDateTime(at, 'UTC')).toBe('Nov 21, 2026, 14:05 UTC');
  });
});

describe('emails per language', () => {
  const links = { confirm: 'https://s.example/c', manage: 'https://s.example/m', unsubscribe: 'https://s.example/u' };
  const update: EventEmailMessage = {
    kind: 'event_update',
    page: { name: 'Acme', brandColor: '#123456', timeZone: 'Asia/Shanghai', defaultLanguage: 'en' },
    incident: { id: 'inc123456789', kind: 'incident', name: 'API errors' },
    update: { status: 'identified', body: 'We found it.', displayAt: '2026-11-21T12:00:00Z' },
    components: [{ id: 'api', groupId: null, name: 'API', status: 'partial_outage' }],
    nextUpdateAt: '2026-11-21T13:00:00Z',
  };

  it('renders an update in Simplified Chinese for a zh-CN subscriber, linking the zh-CN page', () => {
    const email = renderEmail(update, 'https://s.example', links, 'zh-CN');
    expect(email.subject).toBe('[Acme] API errors：已确认原因');
    expect(email.html).toContain('<html lang="zh-CN">');
    expect(email.text).toContain('已确认原因 · 2026年11月21日 GMT+8 20:00');
    expect(email.text).toContain('- API：部分中断');
    expect(email.text).toContain('下次更新时间：2026年11月21日 GMT+8 21:00。');
    expect(email.text).toContain('在状态页面上查看：https://s.example/zh-CN/incidents/inc123456789/');
    expect(email.text).toContain('退订：https://s.example/u');
    expect(email.text).not.toMatch(/Affected|Unsubscribe|View on/);
  });

  it('renders the same message in English for an English subscriber, and when the language is unknown to the message', () => {
    const email = renderEmail(update, 'https://s.example', links, 'en');
    expect(email.subject).toBe('[Acme] API errors: Identified');
    expect(email.text).toContain('View on the status page: https://s.example/incidents/inc123456789/');
    expect(renderEmail(update, 'https://s.example', links).subject).toBe(email.subject);
  });

  it('links the English page under /en/ when the page speaks Traditional Chinese by default', () => {
    const email = renderEmail(
      { ...update, page: { ...update.page, defaultLanguage: 'zh-TW' } },
      'https://s.example',
      links,
      'en',
    );
    expect(email.text).toContain('https://s.example/en/incidents/inc123456789/');
    expect(
      renderEmail(
        { ...update, page: { ...update.page, defaultLanguage: 'zh-TW' } },
        'https://s.example',
        links,
        'zh-TW',
      ).text,
    ).toContain('https://s.example/incidents/inc123456789/');
  });

  it('asks a zh-TW subscriber to confirm in Traditional Chinese', () => {
    const email = renderEmail({ kind: 'confirmation', page: update.page }, 'https://s.example', links, 'zh-TW');
    expect(email.subject).toBe('[Acme] 請確認您的狀態更新訂閱');
    expect(email.html).toContain('確認訂閱');
    expect(email.text).toContain('不要再寄信給我：https://s.example/u');
  });
});

describe('templates per language', () => {
  const template = {
    title: 'Slow {{component}}',
    body: 'Looking at {{components}} until {{next_update}}.',
    status: 'investigating' as const,
    translations: {
      'zh-TW': { title: '{{component}} 變慢', body: '我們正在調查 {{components}}，下次更新：{{next_update}}。' },
    },
  };
  const facts = {
    componentNames: ['API'],
    pageName: 'Acme',
    timeZone: 'UTC',
    nextUpdateAt: new Date('2026-11-21T12:30:00Z'),
  };

  it.each([
    ['zh-TW', '{{component}} 變慢'.replace('{{component}}', 'API'), '我們正在調查 API，下次更新：12:30 [UTC]。'],
    ['zh-CN', 'Slow API', 'Looking at API until UTC 12:30.'],
    ['en', 'Slow API', 'Looking at API until 12:30 UTC.'],
  ] as const)('fills the %s wording (the main one where it has none)', (language, name, body) => {
    expect(fillTemplate(template, templateValues({ ...facts, language }), language)).toEqual({
      name,
      body,
      status: 'investigating',
    });
  });

  it("reads a language's fields from the admin form, and names the one left empty", () => {
    const form = new URLSearchParams([
      ['name', 'Slow'],
      ['status', 'investigating'],
      ['title', 'Slow'],
      ['body', 'Slow.'],
      ['translations.zh-CN.title', '变慢'],
      ['translations.zh-CN.body', '正在调查。'],
      ['translations.zh-TW.title', ''],
      ['translations.zh-TW.body', ''],
    ]);
    expect(formToTemplateInput(form).translations).toEqual({ 'zh-CN': { title: '变慢', body: '正在调查。' } });
    form.set('translations.zh-TW.title', '只有標題');
    expect(() => formToTemplateInput(form)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['translations', 'zh-TW', 'body'] })] }),
    );
  });
});

describe('uptime days in words, per language', () => {
  const outage = {
    day: '2026-11-08',
    worst: 'partial_outage' as const,
    durations: { partial_outage: 2 * 3_600_000 + 5 * 60_000 },
    uptime: 97.39,
    events: [
      { id: 'i', name: 'Checkout errors' },
      { id: 'j', name: 'Slow search' },
    ],
  } as unknown as Parameters<typeof describeDay>[0];
  it.each([
    ['en', '97.39% uptime. Partial Outage for 2 h 5 min. Checkout errors; Slow search.'],
    ['zh-TW', '正常運作時間 97.39%。部分中斷持續 2 小時 5 分鐘。Checkout errors；Slow search。'],
    ['zh-CN', '可用性 97.39%。部分中断持续 2 小时 5 分钟。Checkout errors；Slow search。'],
  ] as const)('%s', (language, text) => {
    expect(describeDay(outage, localeFor(language, 'en'))).toBe(text);
  });
});
