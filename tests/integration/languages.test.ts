import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { deliveries, incidents, pageSettings, subscribers } from '../../src/db/schema.ts';
import { enqueueEventNotification } from '../../src/notify/enqueue.ts';
import { drainDeliveries } from '../../src/notify/email-outbox.ts';
import { mailboxTransport } from '../../src/notify/transport.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { DRIVERS } from '../helpers/database.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';
import { xmlFiles } from '../helpers/xmllint.ts';

// The published site in each language: what a visitor (or a feed reader, or a subscriber)
// of that language gets.

const NOW = new Date('2026-11-21T12:00:00Z');
const xml = xmlFiles();
afterAll(xml.remove);

async function signInCookie(site: TestSite): Promise<string> {
  await addUser(site, 'lead@example.com', 'editor');
  const response = await fetch(`${site.url}/api/admin/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'lead@example.com', password: 'correct-horse-battery' }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

describe.each(DRIVERS)('languages on %s', (driver) => {
  let site: TestSite;
  let data: ReturnType<typeof generateDataset>;
  const root = () => path.join(site.dataDir, 'site');
  const read = (file: string) => readFile(path.join(root(), file), 'utf8');

  beforeEach(async () => {
    site = await startTestSite(driver, { now: () => NOW });
    data = generateDataset({
      now: NOW,
      componentCount: 6,
      incidentCount: 8,
      maintenanceCount: 2,
      spanDays: 30,
      withCurrentEvents: true,
    });
    await insertDataset(site.database.db, data, 'Acme Cloud');
  });
  afterEach(() => site.close());

  it('publishes every page in Traditional Chinese under /zh-TW/, with its language, alternates, words and dates', async () => {
    await site.publisher.publishAll();
    const html = await read('zh-TW/index.html');
    expect(html).toContain('<html lang="zh-TW"');
    for (const [language, href] of [
      ['en', `${SITE_URL}/`],
      ['zh-TW', `${SITE_URL}/zh-TW/`],
      ['zh-CN', `${SITE_URL}/zh-CN/`],
      ['x-default', `${SITE_URL}/`],
    ]) {
      expect(html).toContain(`<link rel="alternate" hreflang="${language}" href="${href}">`);
    }
    expect(html).toContain(`<link rel="canonical" href="${SITE_URL}/zh-TW/">`);
    expect(html).toContain('過往事件');
    expect(html).toContain('元件');
    expect(html).not.toContain('Past incidents');
    // The uptime bars too: their labels, day names and words.
    expect(html).toContain('：每日正常運作時間');
    expect(html).toContain('無事件。');
    expect(html).not.toMatch(/uptime per day|No incidents\.|days ago/);
    const uptime = await read('zh-TW/uptime/index.html');
    expect(uptime).toContain('<h1>正常運作時間紀錄</h1>');
    // Each month's mark and name, and a day's date around its number (a CSS counter).
    expect(uptime).toMatch(
      /<span class="mark" aria-hidden="true">\d{1,2}月<\/span><ol aria-label="\d{4}年\d{1,2}月" style="--before:&#39;\d{4}年\d{1,2}月&#39;;--after:&#39;日&#39;">/,
    );
    expect(html).toMatch(/<b>\d{4}年\d{1,2}月\d{1,2}日<\/b>/);
    // The other days' words, fetched by /uptime.js from the language's own file.
    expect(html).toContain('src="/uptime.js" data-days="/zh-TW/uptime-days.json"');
    const days = JSON.parse(await read('zh-TW/uptime-days.json')) as {
      dates: string[];
      rows: Record<string, string[]>;
    };
    expect(days.dates).toHaveLength(90);
    expect(days.dates[0]).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    expect(Object.values(days.rows).flat().join('')).toContain('無事件。');
    expect(Object.values(days.rows).flat().join('')).not.toMatch(/No incidents|uptime/);
    // Dates as Taiwan writes them, and links that stay in the language.
    expect(html).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    const incident = data.incidents.find((i) => i.kind === 'incident')!;
    expect(html).toContain('href="/zh-TW/history/"');
    // The switcher: plain links to this same page in each language.
    expect(html).toMatch(/<a href="\/" hreflang="en" lang="en"[^>]*>English<\/a>/);
    expect(html).toMatch(/<a href="\/zh-CN\/" hreflang="zh-CN" lang="zh-CN"[^>]*>简体中文<\/a>/);
    expect(html).toMatch(/<a href="\/zh-TW\/" hreflang="zh-TW" lang="zh-TW" aria-current="true"[^>]*>繁體中文<\/a>/);

    const page = await read(`zh-TW/incidents/${incident.id}/index.html`);
    expect(page).toContain('<html lang="zh-TW"');
    expect(page).toContain(
      `<link rel="alternate" hreflang="zh-CN" href="${SITE_URL}/zh-CN/incidents/${incident.id}/">`,
    );
    expect(page).toContain('更新');
    // What each update did to its components, in the page's words.
    expect(page).toMatch(/<li>[^<]+: 正常運作 → [^<a-zA-Z]+<\/li>/);

    const simplified = await read('zh-CN/index.html');
    expect(simplified).toContain('<html lang="zh-CN"');
    expect(simplified).toContain('过往事件');

    // The default language stays at the unprefixed URLs, and English.
    const english = await read('index.html');
    expect(english).toContain('<html lang="en"');
    expect(english).toContain('Past incidents');
  });

  it('serves each language its own 404 page and keeps the embed card frameable in every language', async () => {
    await site.publisher.publishAll();
    const missing = await fetch(`${site.url}/zh-CN/incidents/nope/`);
    expect(missing.status).toBe(404);
    const body = await missing.text();
    expect(body).toContain('<html lang="zh-CN"');
    expect(body).toContain('找不到页面');
    const english = await fetch(`${site.url}/nope/`);
    expect(await english.text()).toContain('Page not found');

    const embed = await fetch(`${site.url}/zh-TW/embed/`);
    expect(embed.status).toBe(200);
    expect(embed.headers.get('content-security-policy')).toMatch(/^default-src 'self'; .*; frame-ancestors \*$/);
    expect(await embed.text()).toContain('<html lang="zh-TW"');
  });

  it('publishes feeds per language, valid XML, with the fixed words translated', async () => {
    await site.publisher.publishAll();
    const rss = await read('zh-CN/history.rss');
    xml.expectWellFormed(rss);
    expect(rss).toContain('<language><![CDATA[zh-CN]]></language>');
    expect(rss).toContain('Acme Cloud 服务状态');
    expect(rss).toContain(`${SITE_URL}/zh-CN/incidents/`);
    const atom = await read('zh-TW/history.atom');
    xml.expectWellFormed(atom);
    expect(atom).toContain('xml:lang="zh-TW"');
    expect(atom).toContain('Acme Cloud 狀態頁面上的事件與維護');
    // The zh-TW pages point feed readers at the zh-TW feeds.
    expect(await read('zh-TW/index.html')).toContain(
      `type="application/rss+xml" title="Acme Cloud 服務狀態（RSS）" href="${SITE_URL}/zh-TW/history.rss"`,
    );
    // One Statuspage API for every language.
    expect(await fetch(`${site.url}/zh-TW/api/v2/summary.json`).then((r) => r.status)).toBe(404);
    expect(await fetch(`${site.url}/api/v2/summary.json`).then((r) => r.status)).toBe(200);
  });

  it('serves English under /en/ when the default language is Traditional Chinese', async () => {
    await site.database.db.update(pageSettings).set({ defaultLanguage: 'zh-TW' }).where(eq(pageSettings.id, 1));
    await site.publisher.publishAll();
    const index = await read('index.html');
    expect(index).toContain('<html lang="zh-TW"');
    expect(index).toContain(`<link rel="alternate" hreflang="x-default" href="${SITE_URL}/">`);
    expect(index).toContain(`<link rel="alternate" hreflang="en" href="${SITE_URL}/en/">`);
    const english = await read('en/index.html');
    expect(english).toContain('<html lang="en"');
    expect(english).toContain('Past incidents');
    await expect(read('zh-TW/index.html')).rejects.toThrow();
    // The embedding documentation is English only, and says so, in one copy.
    const docs = await read('embed-docs/index.html');
    expect(docs).toContain('<html lang="en"');
    expect(docs).toContain(`<link rel="canonical" href="${SITE_URL}/embed-docs/">`);
    expect(docs).not.toContain('hreflang="zh-TW"');
    // Its snippets carry absolute URLs, ready to paste into another site.
    for (const file of ['badge.svg', 'embed/', 'widget.js']) expect(docs).toContain(`${SITE_URL}/${file}`);
    await expect(read('en/embed-docs/index.html')).rejects.toThrow();
    expect(index).toContain('href="/embed-docs/"');
  });

  it('emails a subscriber in the language of the page they subscribed on', async () => {
    await site.publisher.publishAll();
    // The zh-CN page's form carries its language.
    expect(await read('zh-CN/index.html')).toMatch(/<input type="hidden" name="language" value="zh-CN"/);
    const post = (fields: Array<[string, string]>) =>
      fetch(`${site.url}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_URL },
        body: new URLSearchParams(fields).toString(),
      });
    const answer = await post([
      ['email', 'li@example.com'],
      ['language', 'zh-CN'],
    ]);
    expect(answer.status).toBe(200);
    const page = await answer.text();
    expect(page).toContain('<html lang="zh-CN"');
    expect(page).toContain('请查看您的收件箱');
    await post([
      ['email', 'ann@example.com'],
      ['language', 'en'],
    ]);

    const sent: Array<{ to: string; subject: string; text: string }> = [];
    const transport = mailboxTransport(site.database.db);
    const recording = {
      ...transport,
      send: async (emails: Parameters<typeof transport.send>[0], key: string) => (
        emails.forEach((e) => sent.push({ to: e.to, subject: e.subject, text: e.text })),
        transport.send(emails, key)
      ),
    };
    await drainDeliveries({
      db: site.database.db,
      transport: recording,
      siteUrl: SITE_URL,
      from: 'status@example.com',
      log: silentLogger,
      now: () => NOW,
    });
    const li = sent.find((e) => e.to === 'li@example.com')!;
    expect(li.subject).toBe('[Acme Cloud] 请确认您的状态更新订阅');
    expect(li.text).toContain('如果不是您本人，请忽略此邮件');
    expect(sent.find((e) => e.to === 'ann@example.com')!.subject).toBe(
      '[Acme Cloud] Confirm your subscription to status updates',
    );

    // The confirmation page behind the link speaks the subscriber's language too.
    const token = /\/subscriptions\/confirm\?token=([A-Za-z0-9._-]+)/.exec(li.text)![1]!;
    const confirm = await fetch(`${site.url}/subscriptions/confirm?token=${token}`);
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain('<html lang="zh-CN"');
    expect(confirmPage).toContain('确认订阅');
  });

  it("writes one language per delivery batch, so each email is rendered in its reader's language", async () => {
    const db = site.database.db;
    const languages = ['en', 'zh-TW', 'zh-CN', 'en', 'zh-CN', 'zh-TW', 'en'];
    await db.insert(subscribers).values(
      languages.map((language, n) => ({
        id: `batchsub${n}`,
        email: `reader${n}@example.com`,
        status: 'confirmed' as const,
        language,
        confirmedAt: NOW,
      })),
    );
    const [incident] = await db.select().from(incidents).limit(1);
    await db.transaction((tx) =>
      enqueueEventNotification(tx, { incident: incident!, update: null, kind: 'postmortem', now: NOW }),
    );
    const rows = await db
      .select({ batch: deliveries.batchId, language: subscribers.language })
      .from(deliveries)
      .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId));
    expect(rows.length).toBe(languages.length);
    const byBatch = new Map<string, Set<string>>();
    for (const row of rows) byBatch.set(row.batch, (byBatch.get(row.batch) ?? new Set()).add(row.language));
    expect([...byBatch.values()].map((set) => set.size)).toEqual([1, 1, 1]);
  });

  it("keeps a template's wording per language, checks each, and fills the form in the language chosen", async () => {
    const editor = api(site, (await addToken(site, 'editor')).token);
    const created = await editor.post('/templates', {
      name: 'Slow',
      status: 'investigating',
      title: 'Slow {{component}}',
      body: 'We are looking into {{components}}.',
      translations: { 'zh-TW': { title: '{{component}} 速度變慢', body: '我們正在調查 {{components}} 的問題。' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.translations).toEqual({
      'zh-TW': { title: '{{component}} 速度變慢', body: '我們正在調查 {{components}} 的問題。' },
    });

    const unknown = await editor.post('/templates', {
      name: 'Bad',
      status: 'investigating',
      title: 'x',
      body: 'y',
      translations: { 'zh-CN': { title: '好', body: '{{nope}}' } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ field: 'translations.zh-CN.body' });
    const language = await editor.post('/templates', {
      name: 'Bad',
      status: 'investigating',
      title: 'x',
      body: 'y',
      translations: { fr: { title: 'x', body: 'y' } },
    });
    expect(language.status).toBe(422);
    expect(language.body.error).toMatchObject({
      field: 'translations.fr',
      message: 'translations.fr: unknown field "fr"',
    });
    const half = await editor.post('/templates', {
      name: 'Bad',
      status: 'investigating',
      title: 'x',
      body: 'y',
      translations: { 'zh-TW': { title: '只有標題' } },
    });
    expect(half.status).toBe(422);
    expect(half.body.error.field).toBe('translations.zh-TW.body');

    // The admin form picks the wording in the language chosen; the main wording where there is none.
    const cookie = await signInCookie(site);
    const page = (language: string) =>
      fetch(`${site.url}/admin/incidents/new?template=${created.body.id}&template_language=${language}`, {
        headers: { cookie },
      }).then((r) => r.text());
    const chinese = await page('zh-TW');
    expect(chinese).toContain('value="{{component}} 速度變慢"');
    expect(chinese).toMatch(/<option value="zh-TW" lang="zh-TW" selected/);
    expect(await page('zh-CN')).toContain('value="Slow {{component}}"');
  });

  it('refuses an unknown language with an error naming the field', async () => {
    const answer = await fetch(`${site.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_URL },
      body: new URLSearchParams([
        ['email', 'x@example.com'],
        ['language', 'fr'],
      ]).toString(),
    });
    expect(answer.status).toBe(422);
    expect(await answer.text()).toContain('must be one of en, zh-TW, zh-CN');
  });
});
