import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';

// A visitor switching the page's language with the plain links in its header, and another
// site's widget speaking its host page's language.

test.describe('languages', () => {
  test('switches from English to Traditional Chinese, Simplified Chinese and back, staying on the page', async ({
    page,
  }) => {
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('status')).toHaveText('Partially Degraded Service');
    const languages = page.getByRole('navigation', { name: 'Language' });

    await languages.getByRole('link', { name: '繁體中文' }).click();
    await expect(page).toHaveURL(/\/zh-TW\/$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
    await expect(page.getByRole('status')).toHaveText('部分服務效能降低');
    await expect(page.getByRole('heading', { name: '過往事件' })).toBeVisible();
    await expect(
      page.getByRole('navigation', { name: '語言' }).getByRole('link', { name: '繁體中文' }),
    ).toHaveAttribute('aria-current', 'true');

    // Into an incident: the links keep the language.
    await page
      .getByRole('region', { name: '進行中的事件' })
      .getByRole('link', { name: 'Slow responses from Search' })
      .click();
    await expect(page).toHaveURL(/\/zh-TW\/incidents\/[^/]+\/$/);
    await expect(page.getByRole('heading', { name: '更新' })).toBeVisible();
    const incidentPath = new URL(page.url()).pathname.replace('/zh-TW', '');

    await page.getByRole('navigation', { name: '語言' }).getByRole('link', { name: '简体中文' }).click();
    await expect(page).toHaveURL(new RegExp(`/zh-CN${incidentPath}$`));
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { name: '更新' })).toBeVisible();
    await expect(page.getByText('已确认原因').first()).toBeVisible();

    await page.getByRole('navigation', { name: '语言' }).getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(new RegExp(`${incidentPath}$`));
    expect(new URL(page.url()).pathname).toBe(incidentPath);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { name: 'Updates' })).toBeVisible();
  });

  test('works without JavaScript and tells search engines about every language', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/zh-CN/history/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('事件历史');
    const alternates = await page
      .locator('link[rel="alternate"][hreflang]')
      .evaluateAll((links) => links.map((l) => `${l.getAttribute('hreflang')} ${l.getAttribute('href')}`));
    const origin = new URL(page.url()).origin;
    expect(alternates).toEqual([
      `en ${origin}/history/`,
      `zh-TW ${origin}/zh-TW/history/`,
      `zh-CN ${origin}/zh-CN/history/`,
      `x-default ${origin}/history/`,
    ]);
    await page.getByRole('link', { name: '繁體中文' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('事件歷史');
    await context.close();
  });

  test('shows a 404 page in the language of the address', async ({ page }) => {
    const response = await page.goto('/zh-TW/no-such-page/');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('找不到頁面');
    await page.getByRole('link', { name: '查看目前狀態' }).click();
    await expect(page).toHaveURL(/\/zh-TW\/$/);
  });

  test('subscribes from the Simplified Chinese page and answers in Simplified Chinese', async ({ page }) => {
    await page.goto('/zh-CN/');
    const form = page.getByRole('region', { name: '通过电子邮件接收更新' });
    await form.getByLabel('电子邮件地址').fill('zh-cn-reader@example.com');
    await form.getByRole('button', { name: '订阅' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('请查看您的收件箱');
    // The page's own link (the footer has the same one).
    await page.getByRole('main').getByRole('link', { name: '返回状态页面' }).click();
    await expect(page).toHaveURL(/\/zh-CN\/$/);
  });

  test('shows the embed card in each language', async ({ page }) => {
    await page.goto('/zh-TW/embed/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-TW');
    await expect(page.locator('p.status')).toHaveText('部分服務效能降低');
  });

  test.describe('the widget on a host page', () => {
    let host: Server;
    let hostUrl: string;
    test.beforeAll(async ({ baseURL }) => {
      host = createServer((req, res) => {
        const lang = new URL(req.url ?? '/', 'http://x').searchParams.get('lang') ?? 'en';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Host</title></head><body>
<div id="badge" data-herald-widget></div><div id="english" data-herald-widget data-lang="en"></div>
<script src="${baseURL}/widget.js" async></script></body></html>`);
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
    });
    test.afterAll(async () => {
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
    });

    test('speaks the host page language, or the one its data-lang names', async ({ page }) => {
      await page.goto(`${hostUrl}?lang=zh-Hant-TW`);
      await expect(page.locator('#badge [role="status"]')).toHaveText('部分服務效能降低');
      await expect(page.locator('#badge [role="status"] a')).toHaveAttribute('href', /\/zh-TW\/$/);
      await expect(page.locator('#english [role="status"]')).toHaveText('Partially Degraded Service');
      await page.goto(`${hostUrl}?lang=zh-CN`);
      await expect(page.locator('#badge [role="status"]')).toHaveText('部分服务性能下降');
      await page.goto(`${hostUrl}?lang=fr`);
      await expect(page.locator('#badge [role="status"]')).toHaveText('Partially Degraded Service');
    });
  });
});
