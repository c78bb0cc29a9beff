import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

// The widget as another site uses it: a host page on a different origin, with CSS that
// would wreck anything it reaches, loads /widget.js from the status site.

const HOST_CSS = `
  * { color: rgb(255, 0, 0) !important; font-size: 40px; font-family: serif; letter-spacing: 3px; }
  div, span, a, p, button { background: rgb(255, 255, 0); border: 5px solid blue; text-transform: uppercase; }
  #host-title { font-size: 50px; }
`;

function hostPage(statusSite: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Someone else's site</title><style>${HOST_CSS}</style></head>
  <body>
    <h1 id="host-title">Our product</h1>
    <p id="host-text">Welcome to our site.</p>
    <div id="badge" data-herald-widget data-interval="1"></div>
    <div id="notice" data-herald-widget="notice"></div>
    <script src="${statusSite}/widget.js" async></script>
  </body>
</html>`;
}

let host: Server;
let hostUrl: string;

test.beforeAll(async ({ baseURL }) => {
  host = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(hostPage(baseURL!));
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  host.closeAllConnections();
  await new Promise((resolve) => host.close(resolve));
});

// CSS locators pierce open shadow roots; the live region is the widget's root element.
const badge = (page: Page) => page.locator('#badge [role="status"]');
const notice = (page: Page) => page.locator('#notice [role="status"]');

async function currentStatus(request: APIRequestContext): Promise<string> {
  const body = await (await request.get('/api/v2/status.json')).json();
  return body.status.description;
}

/** Collects errors the widget might throw into the host page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test('shows the current status on another site, untouched by the host page styles', async ({ page, request }) => {
  const errors = watchErrors(page);
  const expected = await currentStatus(request);
  await page.goto(hostUrl);
  await expect(badge(page)).toHaveText(expected);
  await expect(badge(page).getByRole('link')).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/$/);

  // The host keeps its own look...
  const hostStyle = await page.locator('#host-title').evaluate((el) => {
    const style = getComputedStyle(el);
    return { color: style.color, fontSize: style.fontSize };
  });
  expect(hostStyle).toEqual({ color: 'rgb(255, 0, 0)', fontSize: '50px' });
  // ...and none of it reaches the widget.
  const widgetStyle = await badge(page)
    .getByText(expected)
    .evaluate((el) => {
      const style = getComputedStyle(el);
      return {
        color: style.color,
        fontSize: style.fontSize,
        textTransform: style.textTransform,
        background: style.backgroundColor,
      };
    });
  expect(widgetStyle.color).not.toBe('rgb(255, 0, 0)');
  expect(widgetStyle.fontSize).toBe('13px');
  expect(widgetStyle.textTransform).toBe('none');
  expect(widgetStyle.background).not.toBe('rgb(255, 255, 0)');
  expect(errors).toEqual([]);
});

test("follows the reader's colour scheme", async ({ browser }) => {
  const colours: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ colorScheme });
    await page.goto(hostUrl);
    await expect(badge(page).getByRole('link')).toBeVisible();
    colours.push(
      await badge(page)
        .getByRole('link')
        .evaluate((el) => getComputedStyle(el).backgroundColor),
    );
    await page.close();
  }
  expect(colours).toEqual(['rgb(255, 255, 255)', 'rgb(22, 27, 34)']);
});

test('follows a status change, shows the notice while it lasts, and can be dismissed', async ({
  page,
  request,
  baseURL,
}) => {
  const errors = watchErrors(page);
  const before = await currentStatus(request);
  await page.goto(hostUrl);
  await expect(badge(page)).toHaveText(before);

  const signIn = await request.post('/api/admin/v1/session', {
    headers: { origin: baseURL! },
    data: { email: 'lead@example.com', password: 'correct-horse-battery' },
  });
  expect(signIn.status()).toBe(200);
  const { components } = await (await request.get('/api/v2/components.json')).json();
  const webApp = components.find((c: { name: string }) => c.name === 'Web app');
  const created = await request.post('/api/admin/v1/incidents', {
    headers: { origin: baseURL! },
    data: {
      incident: {
        name: 'Widget test outage',
        status: 'investigating',
        body: 'Nothing loads.',
        components: { [webApp.id]: 'major_outage' },
      },
    },
  });
  expect(created.status()).toBe(201);
  const incident = await created.json();
  try {
    const during = await currentStatus(request);
    expect(during).not.toBe(before);
    // The badge polls every second (data-interval="1"); no reload.
    await expect(badge(page)).toHaveText(during);
    await expect(notice(page)).toContainText('Widget test outage');
    await expect(notice(page)).toContainText('Investigating');
    await expect(notice(page).getByRole('link', { name: 'Widget test outage' })).toHaveAttribute(
      'href',
      new RegExp(`/incidents/${incident.id}/$`),
    );

    await notice(page).getByRole('button', { name: 'Dismiss status notice' }).click();
    await expect(notice(page)).toBeEmpty();
    await page.reload();
    await expect(badge(page)).toHaveText(during);
    await expect(notice(page)).toBeEmpty(); // dismissed for the rest of the session
  } finally {
    const resolved = await request.patch(`/api/admin/v1/incidents/${incident.id}`, {
      headers: { origin: baseURL! },
      data: { incident: { status: 'resolved', body: 'Back to normal.' } },
    });
    expect(resolved.status()).toBe(200);
  }
  await expect(badge(page)).toHaveText(before);
  expect(errors).toEqual([]);
});

test('stays quiet and invisible when the status site cannot be reached', async ({ page, request }) => {
  const errors = watchErrors(page);
  const expected = await currentStatus(request);
  await page.goto(hostUrl);
  await expect(badge(page)).toHaveText(expected);

  await page.route('**/widget.json', (route) => route.abort('connectionrefused'));
  await expect(badge(page)).toBeEmpty();
  await expect(page.locator('#host-text')).toHaveText('Welcome to our site.');

  await page.unroute('**/widget.json');
  await expect(badge(page)).toHaveText(expected);
  expect(errors).toEqual([]);
});

test('never shows anything when widget.json is unreachable from the start', async ({ page }) => {
  const errors = watchErrors(page);
  let attempts = 0;
  await page.route('**/widget.json', (route) => {
    attempts++;
    return route.abort('connectionrefused');
  });
  await page.goto(hostUrl);
  await expect.poll(() => attempts).toBeGreaterThan(1);
  await expect(badge(page)).toBeEmpty();
  await expect(notice(page)).toBeEmpty();
  expect(errors).toEqual([]);
});
