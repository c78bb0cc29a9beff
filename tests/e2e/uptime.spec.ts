import { expect, test } from '@playwright/test';

test.describe('uptime history', () => {
  test('shows 90 daily bars per component, whose words show on focus without JavaScript', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    const search = page.getByRole('list', { name: 'Search: uptime per day' });
    await expect(search.getByRole('listitem')).toHaveCount(90);
    // Search is degraded by the demo's active incident: today says so in words, not only colour.
    const today = search.getByRole('listitem').last();
    await expect(today).toHaveClass(/d-degraded_performance/);
    await expect(today).toContainText(/^\w{3} \d{1,2}, \d{4} 100% uptime\. Degraded Performance for .+\. Slow responses from Search\.$/);
    const words = today.locator('span');
    expect((await words.boundingBox())!.width).toBeLessThanOrEqual(1);
    await today.focus();
    expect((await words.boundingBox())!.width).toBeGreaterThan(100);
    await expect(page.locator('.uptime', { has: search }).getByText(/^90 days: [\d.]+% · 30 days: [\d.]+%$/)).toBeVisible();
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
    await expect(search.getByRole('table')).toHaveCount(12);
    await expect(search.getByText(/^12 months: [\d.]+% · 30 days: [\d.]+%$/)).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
