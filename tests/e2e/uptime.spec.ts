import { expect, test, type Locator, type Page } from '@playwright/test';

const DAY_MS = 86_400_000;
const STATUSES = [
  'no-data',
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
];

/** A day as the pages write it, some days before today (the demo's days are UTC days). */
const dateOf = (daysAgo: number) =>
  new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' }).format(
    Date.now() - daysAgo * DAY_MS,
  );

/**
 * What a screen reader gets for the focused element: the text of its subtree in Chromium's
 * accessibility tree, which has the CSS counter that numbers a day's date (no DOM text does).
 */
async function spokenText(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Accessibility.enable');
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'document.activeElement' });
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', {
      objectId: result.objectId!,
      fetchRelatives: false,
    });
    const texts: string[] = [];
    const known = new Map(nodes.map((n) => [n.nodeId, n]));
    const walk = async (node: (typeof nodes)[number]) => {
      if (node.role?.value === 'StaticText') texts.push(String(node.name?.value ?? ''));
      for (const id of node.childIds ?? []) {
        if (!known.has(id))
          for (const child of (await cdp.send('Accessibility.getChildAXNodes', { id: node.nodeId })).nodes)
            known.set(child.nodeId, child);
        if (known.has(id)) await walk(known.get(id)!);
      }
    };
    await walk(nodes[0]!);
    return texts.join('');
  } finally {
    await cdp.detach();
  }
}

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The focused day's words, shown: their box, after checking they are shown and fit the window. */
async function shownWords(page: Page): Promise<Box> {
  const box = (await page.locator(':focus > span').boundingBox())!;
  expect(box.width).toBeGreaterThan(100);
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  return box;
}

const focusedIndex = (row: Locator) =>
  row.evaluate((list) =>
    [...list.querySelectorAll('li[data-status]')].indexOf(document.activeElement as HTMLLIElement),
  );

test.describe('uptime history', () => {
  test('shows 90 daily bars per component, whose words show on focus without JavaScript', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    await expect(search.getByRole('listitem')).toHaveCount(90);
    // Search is degraded by the demo's active incident: today says so in words, not only colour.
    const today = search.getByRole('listitem').last();
    await expect(today).toHaveAttribute('data-status', 'degraded_performance');
    await expect(today).toContainText(/100% uptime\. Degraded Performance for .+\. Slow responses from Search\.$/);
    const words = today.locator('span');
    expect((await words.boundingBox())!.width).toBeLessThanOrEqual(1);
    // Today is the row's tab stop in the published HTML: reachable by keyboard without JavaScript.
    await expect(today).toHaveAttribute('tabindex', '0');
    await today.focus();
    expect((await words.boundingBox())!.width).toBeGreaterThan(100);
    expect(await spokenText(page)).toMatch(new RegExp(`^${dateOf(0)}100% uptime\\. Degraded Performance for`));
    await expect(
      page.locator('.uptime', { has: search }).getByText(/^90 days: [\d.]+% · 30 days: [\d.]+%$/),
    ).toBeVisible();
    await context.close();
  });

  test('shows 30 bars on a phone, and a tapped bar its words', async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, hasTouch: true });
    await page.goto('/');
    // Hidden bars leave the accessibility tree: count them as elements.
    const bars = page.getByRole('list', { name: 'Search: uptime per day' }).locator('li');
    await expect(bars.nth(59)).toBeHidden();
    await expect(bars.nth(60)).toBeVisible();
    await bars.last().tap();
    expect((await bars.last().locator('span').boundingBox())!.width).toBeGreaterThan(100);
    await page.close();
  });

  test('links to a 12-month calendar per component', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('link', { name: 'Uptime history, last 12 months' }).click();
    await expect(page).toHaveURL(/\/uptime\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Uptime history');
    const search = page.getByRole('article', { name: 'Search' });
    await expect(search.getByRole('list', { name: /^[A-Z][a-z]+ \d{4}$/ })).toHaveCount(12);
    await expect(search.getByText(/^12 months: [\d.]+% · 30 days: [\d.]+%$/)).toBeVisible();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  for (const javaScript of [true, false]) {
    test(`the index takes one tab stop per uptime row, not per day, up to the subscribe field (JavaScript ${javaScript ? 'on' : 'off'})`, async ({
      browser,
    }) => {
      const context = await browser.newContext({ javaScriptEnabled: javaScript });
      const page = await context.newPage();
      await page.goto('/');
      const rows = await page
        .locator('ol.bars')
        .evaluateAll((lists) => lists.filter((l) => l.checkVisibility()).map((l) => l.getAttribute('aria-label')));
      expect(rows.length).toBeGreaterThanOrEqual(5);
      const stops: string[] = [];
      let presses = 0;
      for (; presses < 200; presses++) {
        const focused = await page.evaluate(() => {
          const e = document.activeElement;
          return {
            email: e?.id === 'subscribe-email',
            row: e?.matches('li[data-status]') ? e.closest('ol')!.getAttribute('aria-label') : null,
          };
        });
        if (focused.email) break;
        if (focused.row) stops.push(focused.row);
        await page.keyboard.press('Tab');
      }
      // Each row shown once (today's bar), and the presses grow with components, not days:
      // 90 bars a row made them 561 with the demo's 12 components; now 26 (6 rows shown).
      expect(stops).toEqual(rows);
      expect(presses).toBeLessThanOrEqual(40 + rows.length);
      await context.close();
    });
  }

  test('moves between the days of one row with the arrow keys, Home and End; the words show the day, below its row name', async ({
    page,
  }) => {
    await page.goto('/');
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    const name = page.getByRole('region', { name: 'Components' }).getByText('Search', { exact: true });
    const nameBox = (await name.boundingBox())!;
    await search.locator('li[tabindex="0"]').focus();
    expect(await focusedIndex(search)).toBe(89);
    for (const [key, index, daysAgo] of [
      ['ArrowLeft', 88, 1],
      ['ArrowLeft', 87, 2],
      ['ArrowRight', 88, 1],
      ['Home', 0, 89],
      ['ArrowLeft', 0, 89],
      ['ArrowRight', 1, 88],
      ['End', 89, 0],
    ] as const) {
      await page.keyboard.press(key);
      expect(await focusedIndex(search), key).toBe(index);
      expect(await spokenText(page), key).toMatch(new RegExp(`^${dateOf(daysAgo)}(No data|[\\d.]+% uptime)\\.`));
      expect(overlap(await shownWords(page), nameBox), `${key}: the words cover "Search"`).toBe(false);
    }
    // The stop moved with focus: one per row, and Tab leaves the row.
    await page.keyboard.press('Home');
    await expect(search.locator('li[tabindex]')).toHaveCount(1);
    await expect(search.locator('li').first()).toHaveAttribute('tabindex', '0');
    await page.keyboard.press('Tab');
    expect(await focusedIndex(search)).toBe(-1);
    await page.keyboard.press('Shift+Tab');
    expect(await focusedIndex(search)).toBe(0);

    // A closed group's own row: its words stay clear of the group's name too.
    const core = page.getByRole('list', { name: 'Core platform (all components): uptime per day' });
    const coreName = (await page.locator('summary', { hasText: 'Core platform' }).locator('.name').boundingBox())!;
    await core.locator('li[tabindex="0"]').focus();
    for (const key of ['End', 'ArrowLeft', 'Home', 'ArrowRight']) {
      await page.keyboard.press(key);
      expect(overlap(await shownWords(page), coreName), key).toBe(false);
    }
  });

  test("fetches the past days' words only once a bar is pointed at, and shows them on hover", async ({ page }) => {
    const fetched: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('uptime-days')) fetched.push(new URL(request.url()).pathname);
    });
    await page.goto('/');
    await page.waitForLoadState('networkidle');
    // A glance at the page downloads no day's words but today's, which are in the page.
    expect(fetched).toEqual([]);
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    await expect(search.locator('li').nth(80)).toBeEmpty();
    await search.locator('li').nth(80).hover();
    const words = search.locator('li').nth(80).locator('span');
    await expect(words).toHaveText(new RegExp(`^${dateOf(9)} (No data|[\\d.]+% uptime)\\.`));
    expect((await words.boundingBox())!.width).toBeGreaterThan(100);
    expect(fetched).toEqual(['/uptime-days.json']);
    // Every bar has its words now, each once; another hover fetches nothing.
    expect(await page.locator('ol.bars li:not(:has(span))').count()).toBe(0);
    expect(await page.locator('ol.bars li > span + span').count()).toBe(0);
    await search.locator('li').nth(10).hover();
    expect(fetched).toHaveLength(1);
  });

  test("gives a row today's tab stop again when a narrower window hides the day that had it", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/');
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    await search.locator('li[tabindex="0"]').focus();
    await page.keyboard.press('Home');
    await expect(search.locator('li').first()).toHaveAttribute('tabindex', '0');
    await page.setViewportSize({ width: 360, height: 740 });
    await expect(search.locator('li').first()).toBeHidden();
    await expect(search.locator('li').last()).toHaveAttribute('tabindex', '0');
    await expect(search.locator('li[tabindex]')).toHaveCount(1);
  });

  test("a tapped day shows its words on a phone, the 30 days shown are the arrow keys' range", async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, hasTouch: true });
    await page.goto('/');
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    await search.locator('li').nth(75).tap();
    expect(await focusedIndex(search)).toBe(75);
    expect(await spokenText(page)).toMatch(new RegExp(`^${dateOf(14)}`));
    await shownWords(page);
    await page.keyboard.press('Home');
    expect(await focusedIndex(search)).toBe(60);
    expect(await spokenText(page)).toMatch(new RegExp(`^${dateOf(29)}`));
    await page.close();
  });

  test('/uptime/ reads in a few screens: a compact year per component, every month the same grid', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/uptime/');
    const components = await page.getByRole('article').count();
    expect(components).toBeGreaterThanOrEqual(10);
    // A calendar per month and component made it 8,500 px with the demo's 12 components.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeLessThanOrEqual(800 + 150 * components);
    const search = page.getByRole('article', { name: 'Search' });
    const months = await search
      .getByRole('list', { name: /^[A-Z][a-z]+ \d{4}$/ })
      .evaluateAll((lists) =>
        lists.map((l) => l.getBoundingClientRect()).map((r) => [Math.round(r.width), Math.round(r.height)]),
      );
    expect(months).toHaveLength(12);
    // This month, with a day or two, takes the same room as any other.
    expect(new Set(months.map(String)).size).toBe(1);
    expect(months[0]![0]).toBeGreaterThanOrEqual(40);
  });

  test('/uptime/ says no data where nothing was measured, never operational, in its colour and its words', async ({
    page,
  }) => {
    await page.goto('/uptime/');
    const cells = page.locator('ol.year li li');
    const statuses = await cells.evaluateAll((days) => days.map((d) => d.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(12 * 300);
    expect(statuses.filter((s) => !STATUSES.includes(s!))).toEqual([]);
    // The demo's components began this autumn: the months before have no data.
    const search = page.getByRole('article', { name: 'Search' });
    const noData = search.locator('li li[data-status="no-data"]').first();
    const operational = search.locator('li li[data-status="operational"]').first();
    await expect(noData).toContainText('No data.');
    const look = (cell: Locator) =>
      cell.evaluate((e) => ({
        background: getComputedStyle(e).backgroundColor,
        outline: getComputedStyle(e).boxShadow,
      }));
    const [empty, measured] = [await look(noData), await look(operational)];
    expect(empty.background).not.toBe(measured.background);
    expect(empty.background).toBe('rgba(0, 0, 0, 0)');
    expect(empty.outline).toMatch(/rgb\(129, 139, 152\).*inset/);
    expect(measured.background).toBe('rgb(26, 127, 55)');
    // The legend shows both, with every status.
    const legend = page.getByRole('list', { name: 'Colours' });
    for (const status of STATUSES) await expect(legend.locator(`i[data-status="${status}"]`)).toHaveCount(1);
    expect(await legend.locator('i[data-status="no-data"]').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(
      'rgba(0, 0, 0, 0)',
    );
    expect(
      await legend.locator('i[data-status="operational"]').evaluate((e) => getComputedStyle(e).backgroundColor),
    ).toBe('rgb(26, 127, 55)');
  });

  test('/uptime/ moves by day and week with the keys, and the words never cover the component name', async ({
    page,
  }) => {
    await page.goto('/uptime/');
    const search = page.getByRole('article', { name: 'Search' });
    const year = search.getByRole('list', { name: 'Search: uptime per day' });
    const nameBox = (await search.getByRole('heading', { name: 'Search' }).boundingBox())!;
    const days = await year.locator('li li').count();
    await year.locator('li li[tabindex="0"]').focus();
    expect(await spokenText(page)).toMatch(new RegExp(`^${dateOf(0)}`));
    for (const [key, daysAgo] of [
      ['ArrowUp', 7],
      ['ArrowLeft', 8],
      ['ArrowDown', 1],
      ['ArrowRight', 0],
      ['Home', days - 1],
      ['ArrowDown', days - 8],
      ['End', 0],
    ] as const) {
      await page.keyboard.press(key);
      expect(await focusedIndex(year), key).toBe(days - 1 - daysAgo);
      expect(await spokenText(page), key).toMatch(new RegExp(`^${dateOf(daysAgo)}(No data|[\\d.]+% uptime)\\.`));
      expect(overlap(await shownWords(page), nameBox), key).toBe(false);
    }
    await expect(year.locator('li[tabindex]')).toHaveCount(1);
  });

  test("/uptime/ without JavaScript: today is each component's one tab stop, and its words show on focus", async ({
    browser,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/uptime/');
    const components = await page.getByRole('article').count();
    await expect(page.locator('ol.year li[tabindex]')).toHaveCount(components);
    const today = page.getByRole('article', { name: 'Search' }).locator('li li[tabindex="0"]');
    await today.focus();
    await expect(today).toContainText(/Degraded Performance for .+\. Slow responses from Search\.$/);
    await shownWords(page);
    await context.close();
  });
});
