import { expect, test, type Page } from '@playwright/test';

// A customer subscribes on the status page, confirms from the email, and gets the next
// update. The server runs without RESEND_API_KEY, so the emails are read from the admin's
// Mailbox, where the delivery worker puts them.

async function signIn(page: Page) {
  await page.goto('/admin/login');
  await page.getByLabel('Email').fill('lead@example.com');
  await page.getByLabel('Password').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/$/);
}

/** Waits for the mailbox to show an email to `to` whose subject contains `subject`, and opens it. */
async function openEmail(page: Page, to: string, subject: string) {
  const email = page.locator('ol.mailbox details').filter({ hasText: to }).filter({ hasText: subject }).first();
  await expect(async () => {
    await page.goto('/admin/mailbox');
    await expect(email).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await email.locator('summary').click();
  return email;
}

test('subscribe on the page, confirm from the email, receive the next update', async ({ page, context }) => {
  const address = `customer-${Date.now()}@example.com`;
  const visitor = await context.browser()!.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.goto(test.info().project.use.baseURL + '/');
  const form = publicPage.getByRole('region', { name: 'Get updates by email' });
  await form.getByLabel('Email address').fill(address);
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await expect(publicPage.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(publicPage.locator('body')).not.toContainText('token=');

  await signIn(page);
  const confirmation = await openEmail(page, address, 'Confirm your subscription');
  const confirmUrl = await confirmation
    .getByRole('link', { name: /\/subscriptions\/confirm\?token=/ })
    .getAttribute('href');
  expect(confirmUrl).toBeTruthy();

  // Opening the link only shows a button (mail scanners open links too); the button confirms.
  await publicPage.goto(confirmUrl!);
  await expect(publicPage.getByRole('heading', { name: 'Confirm your subscription' })).toBeVisible();
  await publicPage.getByRole('button', { name: 'Confirm subscription' }).click();
  await expect(publicPage.getByRole('heading', { name: 'You are subscribed' })).toBeVisible();

  // The next update reaches the new subscriber.
  await page.goto('/admin/incidents/new');
  await page.getByLabel('Name').fill('Email e2e: login failures');
  await page.getByLabel('Message').fill('We are looking into failed logins.');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/incidents\/[0-9a-z]{12}\/\?notice=published$/);
  const update = await openEmail(page, address, 'Email e2e: login failures');
  await expect(update).toContainText('We are looking into failed logins.');
  await expect(update).toContainText('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  await visitor.close();
});
