import { expect, test, type Page } from '@playwright/test';

// The communications lead runs an incident from the admin form, start to finish, and the
// public page follows every step.

async function signIn(page: Page) {
  await page.goto('/admin/');
  await expect(page).toHaveURL(/\/admin\/login\?next=/);
  await page.getByLabel('Email').fill('lead@example.com');
  await page.getByLabel('Password').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/$/);
}

const componentRow = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Components' }).locator('.row', { hasText: name }).first();

test('an incident from a template to resolution, seen on the public page', async ({ page, context }) => {
  await signIn(page);
  await expect(page.getByText(/Published|Last publish/).first()).toBeVisible();

  // Open an incident from a template, preview it, publish it.
  await page.goto('/admin/incidents/new');
  await page
    .getByRole('combobox', { name: 'Start from a template' })
    .selectOption({ label: 'Investigating (Investigating)' });
  await page.getByRole('button', { name: 'Use template' }).click();
  await expect(page.getByLabel('Name')).toHaveValue('Degraded performance of {{component}}');
  await page.getByRole('combobox', { name: /^Web app/ }).selectOption('partial_outage');
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'Preview: the public page will show' });
  await expect(preview).toContainText('Degraded performance of Web app');
  await expect(preview).toContainText('We are investigating reports of problems with Web app');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/incidents\/[0-9a-z]{12}\/\?notice=published$/);
  await expect(page.getByText(/Published/).first()).toBeVisible();
  const adminIncidentUrl = page.url();

  const publicPage = await context.newPage();
  await publicPage.goto('/');
  await expect(publicPage.getByRole('region', { name: 'Active incidents' })).toContainText(
    'Degraded performance of Web app',
  );
  await expect(componentRow(publicPage, 'Web app')).toContainText('Partial Outage');

  // Post an update that degrades the component further.
  await page.goto(adminIncidentUrl);
  await page
    .getByRole('region', { name: /Post an update/i })
    .getByLabel('Status')
    .selectOption('identified');
  await page
    .getByRole('region', { name: /Post an update/i })
    .getByRole('combobox', { name: /^Web app/ })
    .selectOption('major_outage');
  await page
    .getByRole('region', { name: /Post an update/i })
    .getByLabel('Message')
    .fill('A faulty load balancer; traffic is being moved.');
  await page.getByRole('button', { name: 'Publish update' }).click();
  await expect(page.getByText('A faulty load balancer; traffic is being moved.').first()).toBeVisible();

  await publicPage.reload();
  await expect(componentRow(publicPage, 'Web app')).toContainText('Major Outage');
  await publicPage.getByRole('link', { name: 'Degraded performance of Web app' }).first().click();
  await expect(publicPage.locator('ol.timeline > li').first()).toContainText(
    'A faulty load balancer; traffic is being moved.',
  );

  // Resolve: the component is operational again.
  await page.getByRole('region', { name: 'Resolve' }).getByLabel('Message').fill('Traffic is healthy again.');
  await page.getByRole('button', { name: 'Resolve incident' }).click();
  await expect(page.getByText('Traffic is healthy again.').first()).toBeVisible();

  await publicPage.goto('/');
  await expect(componentRow(publicPage, 'Web app')).toContainText('Operational');
  await expect(publicPage.getByRole('region', { name: 'Active incidents' })).not.toContainText(
    'Degraded performance of Web app',
  );
});

test('refuses a wrong password and keeps the email', async ({ page }) => {
  await page.goto('/admin/login');
  await page.getByLabel('Email').fill('lead@example.com');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText(/email or the password is wrong/i)).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue('lead@example.com');
});
