import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { addInlineScriptHashes, PUBLIC_PAGE_POLICY } from '../../src/publish/content-security-policy.ts';

// Public pages under their Content-Security-Policy, enforced by Chromium: nothing they need
// is refused, and their interactive parts still work.

/** Records every CSP violation of the page and its frames (console reports and the DOM event). */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.effectiveDirective} refused ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  return violations;
}

test.describe('public pages under their Content-Security-Policy', () => {
  test('every public page carries the policy, in its header and in a meta tag', async ({ request }) => {
    for (const path of ['/', '/uptime/', '/history/', '/embed/', '/embed-docs/', '/zh-TW/', '/no-such-page']) {
      const response = await request.get(path);
      const header = response.headers()['content-security-policy'];
      expect(header, path).toContain("script-src 'self'");
      expect(header, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(header, path).toMatch(path === '/embed/' ? /frame-ancestors \*$/ : /frame-ancestors 'none'$/);
      const meta = (await response.text()).match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
      expect(meta, path).toBeDefined();
      expect(header, path).toBe(`${meta}; ${path === '/embed/' ? 'frame-ancestors *' : "frame-ancestors 'none'"}`);
    }
  });

  test('an inline script runs when publishing hashed it, and not otherwise', async ({ page, baseURL }) => {
    const violations = await watchViolations(page);
    const published = addInlineScriptHashes(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${PUBLIC_PAGE_POLICY}"></head>` +
        `<body><script>document.body.dataset.hashed = "ran 狀態";\n</script></body></html>`,
    );
    // A script added after publishing has no hash in the policy.
    const html = published.replace('</body>', '<script>document.body.dataset.unhashed = "ran";</script></body>');
    await page.route(`${baseURL}/csp-probe/`, (route) =>
      route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }),
    );
    await page.goto('/csp-probe/');
    expect(await page.evaluate(() => ({ ...document.body.dataset }))).toEqual({ hashed: 'ran 狀態' });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(
      violations.every((v) => v.startsWith('script-src-elem refused inline') || /Content Security Policy/.test(v)),
    ).toBe(true);
  });

  test('the index refuses nothing; group toggles and uptime bar words work', async ({ page }) => {
    const violations = await watchViolations(page);
    await page.goto('/');
    const components = page.getByRole('region', { name: 'Components' });
    const core = components.locator('details', { hasText: 'Core platform' });
    await expect(core.getByText('GraphQL API', { exact: true })).toBeHidden();
    await core.locator('summary').click();
    await expect(core.getByText('GraphQL API', { exact: true })).toBeVisible();
    const today = page.getByRole('list', { name: 'Search: uptime per day' }).getByRole('listitem').last();
    await today.hover();
    expect((await today.locator('span').boundingBox())!.width).toBeGreaterThan(100);
    // The brand colour comes from the page's inline <style>.
    expect(
      await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()),
    ).toMatch(/^#[0-9a-f]{6}$/i);
    expect(violations).toEqual([]);
  });

  test('an incident page, /uptime/ and the 404 page refuse nothing', async ({ page }) => {
    const violations = await watchViolations(page);
    await page.goto('/');
    await page.getByRole('link', { name: 'Slow responses from Search' }).first().click();
    await expect(page).toHaveURL(/\/incidents\/[0-9a-z]{12}\/$/);
    await expect(page.locator('ol.timeline > li')).toHaveCount(2);
    await page.goto('/uptime/');
    await expect(
      page.getByRole('article', { name: 'Search' }).getByRole('list', { name: /^[A-Z][a-z]+ \d{4}$/ }),
    ).toHaveCount(12);
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    expect(violations).toEqual([]);
  });

  test('/subscribe/ and its form refuse nothing', async ({ page }) => {
    const violations = await watchViolations(page);
    await page.goto('/subscribe/');
    await page.getByLabel('Email address').fill('csp-check@example.com');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByText(/sent it an email with a link to confirm/)).toBeVisible();
    expect(violations).toEqual([]);
  });

  test('/embed-docs/ runs the widget preview and frames the card, refusing nothing', async ({ page }) => {
    const violations = await watchViolations(page);
    await page.goto('/embed-docs/');
    await expect(page.locator('[data-herald-widget] [role="status"]').first()).toHaveText('Partially Degraded Service');
    await expect(page.locator('iframe.preview').contentFrame().locator('p.status')).toHaveText(
      'Partially Degraded Service',
    );
    expect(violations).toEqual([]);
  });

  test.describe('on another site', () => {
    let host: Server;
    let hostUrl: string;

    // A host page with a strict policy of its own that names only the status site.
    test.beforeAll(async ({ baseURL }) => {
      host = createServer((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': `default-src 'none'; script-src ${baseURL}; connect-src ${baseURL}; img-src ${baseURL}; frame-src ${baseURL}; style-src 'unsafe-inline'`,
        });
        res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title></head><body>
          <div id="widget" data-herald-widget></div>
          <img id="badge" src="${baseURL}/badge.svg" alt="status">
          <iframe id="card" src="${baseURL}/embed/" title="status" width="360" height="170"></iframe>
          <script src="${baseURL}/widget.js" async></script>
        </body></html>`);
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      // localhost, not 127.0.0.1: another origin than the status site's.
      hostUrl = `http://localhost:${(host.address() as AddressInfo).port}/`;
    });

    test.afterAll(async () => {
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
    });

    test('the widget, the badge and the framed card work', async ({ page }) => {
      const violations = await watchViolations(page);
      await page.goto(hostUrl);
      await expect(page.locator('#widget [role="status"]')).toHaveText('Partially Degraded Service');
      await expect
        .poll(() => page.locator('#badge').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
      await expect(page.frameLocator('#card').locator('p.status')).toHaveText('Partially Degraded Service');
      expect(violations).toEqual([]);
    });
  });
});
