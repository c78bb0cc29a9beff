import { expect, test, type Page } from '@playwright/test';
import { startChatFakes } from '../helpers/chat-fakes.ts';

// An admin adds a Slack destination from the admin page; the next update reaches the channel
// (a local fake answering as Slack's incoming webhooks do) as a Block Kit message.

async function signIn(page: Page) {
  await page.goto('/admin/login');
  await page.getByLabel('Email').fill('lead@example.com');
  await page.getByLabel('Password').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/$/);
}

test('a Slack destination added in the admin gets the next update as a message', async ({ page }) => {
  const fakes = await startChatFakes();
  try {
    await signIn(page);
    await page.goto('/admin/webhooks');
    const form = page.getByRole('region', { name: 'Add a webhook or a chat destination' });
    await form.getByLabel('Destination').selectOption('slack');
    await form.getByLabel('URL').fill(fakes.urls.slack);
    for (const box of await form.getByRole('checkbox').all()) await box.uncheck();
    await form.getByRole('checkbox', { name: /Incident opened/ }).check();
    await form.getByRole('checkbox', { name: /Incident updated/ }).check();
    await form.getByRole('button', { name: 'Add' }).click();
    await expect(page.getByRole('status')).toContainText('Slack destination added');
    // The key in the URL is never shown again.
    await expect(page.locator('body')).not.toContainText('slack-secret-key');

    await page.goto('/admin/incidents/new');
    await page.getByLabel('Name').fill('Checkout is failing');
    await page.getByLabel('Message').fill('We are looking into **failed payments**.');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/incidents\/[0-9a-z]{12}\/\?notice=published$/);
    const incidentId = /incidents\/([0-9a-z]{12})\//.exec(page.url())![1]!;

    await expect.poll(() => fakes.received.length, { timeout: 10_000 }).toBe(1);
    const [message] = fakes.received;
    expect(message!.service).toBe('slack');
    const body = message!.body as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(body.text).toBe('Checkout is failing: Investigating');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Checkout is failing' } });
    expect(body.blocks[1]!.text!.text).toBe('*Investigating*\nWe are looking into *failed payments*.');
    expect(JSON.stringify(body)).toContain(`/incidents/${incidentId}/`);

    // The admin page lists the delivery as sent.
    await page.goto('/admin/webhooks');
    await expect(page.getByRole('region', { name: 'Recent deliveries' })).toContainText('incident.created');
    await expect(page.getByRole('region', { name: 'Recent deliveries' })).toContainText('Sent');

    // Leave the shared site as it was: the incident resolved, the destination removed.
    await page.goto(`/admin/incidents/${incidentId}/`);
    const update = page.getByRole('region', { name: /Post an update/i });
    await update.getByLabel('Status').selectOption('resolved');
    await update.getByLabel('Message').fill('Payments work again.');
    await page.getByRole('button', { name: 'Publish update' }).click();
    await expect(page.getByText(/Published/).first()).toBeVisible();
    await page.goto('/admin/webhooks');
    await page.getByText('Remove…').click();
    await page.getByRole('button', { name: 'Remove this webhook now' }).click();
    await expect(page.getByText('No webhooks yet.')).toBeVisible();
  } finally {
    await fakes.close();
  }
});
