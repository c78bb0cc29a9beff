import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';

test.describe('the public status page', () => {
  test('shows the overall status, the active incident and upcoming maintenance', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('Acme Cloud Status');
    await expect(page.getByRole('status')).toHaveText('Partially Degraded Service');
    const active = page.getByRole('region', { name: 'Active incidents' });
    await expect(active.getByRole('heading', { name: 'Slow responses from Search' })).toBeVisible();
    await expect(active.getByText(/Next update by \d\d:\d\d UTC/)).toBeVisible();
    const maintenance = page.getByRole('region', { name: 'Scheduled maintenance' });
    await expect(maintenance.getByRole('heading', { name: 'Scheduled maintenance of Primary database' })).toBeVisible();
    await expect(page.locator('time[datetime]').first()).toHaveAttribute(
      'datetime',
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
  });

  test('groups components, shows each group worst status, and collapses groups', async ({ page }) => {
    await page.goto('/');
    const components = page.getByRole('region', { name: 'Components' });
    const data = components.locator('details', { hasText: 'Data' });
    await expect(data.locator('summary')).toContainText('Degraded Performance');
    await expect(data.getByText('Search', { exact: true })).toBeVisible();
    await data.locator('summary').click();
    await expect(data.getByText('Search', { exact: true })).toBeHidden();

    const core = components.locator('details', { hasText: 'Core platform' });
    await expect(core.locator('summary')).toContainText('Operational');
    await expect(core.getByText('GraphQL API', { exact: true })).toBeHidden();
    await core.locator('summary').click();
    await expect(core.getByText('GraphQL API', { exact: true })).toBeVisible();
  });

  test('lists the last 14 days, saying so on days without incidents', async ({ page }) => {
    await page.goto('/');
    const days = page.getByRole('region', { name: 'Past incidents' }).locator('ol.days > li');
    await expect(days).toHaveCount(14);
    await expect(page.getByText('No incidents reported.').first()).toBeVisible();
  });

  test('opens an incident page with every update and the affected components', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('link', { name: 'Slow responses from Search' }).first().click();
    await expect(page).toHaveURL(/\/incidents\/[0-9a-z]{12}\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Slow responses from Search');
    await expect(page.getByText('Affected components: Search')).toBeVisible();
    await expect(page.locator('ol.timeline > li')).toHaveCount(2);
    await expect(page.locator('ol.timeline > li').first()).toContainText('Identified');
    await expect(page.locator('ol.timeline > li').last()).toContainText('Investigating');
  });

  test('pages through the incident history by month', async ({ page }) => {
    await page.goto('/history/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Incident history');
    await expect(page.getByRole('heading', { level: 2 })).toHaveCount(3);
    await expect(page.getByText(/Page 1 of 2/)).toBeVisible();
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect(page).toHaveURL(/\/history\/2\/$/);
    await expect(page.getByText(/Page 2 of 2/)).toBeVisible();
    await expect(
      page.getByRole('link', { name: /Elevated error rates|Slow responses|unavailable|Delays|maintenance/ }).first(),
    ).toBeVisible();
    await page.getByRole('link', { name: '← Newer' }).click();
    await expect(page).toHaveURL(/\/history\/$/);
  });

  test('answers unknown paths with a 404 page', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await page.getByRole('link', { name: 'See the current status' }).click();
    await expect(page.getByRole('status')).toBeVisible();
  });

  test('follows the dark colour scheme', async ({ browser }) => {
    const light = await browser.newPage({ colorScheme: 'light' });
    const dark = await browser.newPage({ colorScheme: 'dark' });
    await light.goto('/');
    await dark.goto('/');
    const background = (p: typeof light) => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(light)).toBe('rgb(247, 248, 250)');
    expect(await background(dark)).toBe('rgb(13, 17, 23)');
    await light.close();
    await dark.close();
  });

  test('works without JavaScript, groups still collapse', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('status')).toHaveText('Partially Degraded Service');
    const core = page.getByRole('region', { name: 'Components' }).locator('details', { hasText: 'Core platform' });
    await core.locator('summary').click();
    await expect(core.getByText('GraphQL API', { exact: true })).toBeVisible();
    await context.close();
  });

  test('fits a 360 px wide phone without sideways scrolling', async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    for (const path of ['/', '/history/']) {
      await page.goto(path);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.close();
  });

  test('keeps the index with its CSS under 30 KB gzipped', async ({ request }) => {
    const html = await (await request.get('/')).text();
    const cssPaths = [...html.matchAll(/href="(\/_astro\/[^"]+\.css)"/g)].map((m) => m[1]!);
    let bytes = gzipSync(html).length;
    for (const css of cssPaths) bytes += gzipSync(await (await request.get(css)).body()).length;
    expect(bytes).toBeLessThan(30 * 1024);
  });

  test('serves Statuspage-compatible JSON to other origins', async ({ request }) => {
    const response = await request.get('/api/v2/summary.json');
    expect(response.headers()['access-control-allow-origin']).toBe('*');
    const summary = await response.json();
    expect(summary.page.name).toBe('Acme Cloud');
    expect(summary.status).toEqual({ indicator: 'minor', description: 'Partially Degraded Service' });
    expect(summary.incidents[0].name).toBe('Slow responses from Search');
    expect(summary.scheduled_maintenances[0].scheduled_for).toMatch(/Z$/);
  });
});
