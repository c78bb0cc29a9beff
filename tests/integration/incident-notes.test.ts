import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, webhookDeliveries } from '../../src/db/schema.ts';
import { signIn } from '../helpers/process.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// Internal notes beside an incident's public updates: for the staff, and nowhere public. The
// whole published tree, the JSON, the feeds, the widget data, the emails written and the webhook
// payloads are searched for a note's text.

const SECRET = 'INTERNAL-NOTE-7f3a: the database primary lost its disk';

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe.each(DRIVERS)('internal notes on %s', (driver) => {
  let site: TestSite;
  let editor: ReturnType<typeof api>;
  let viewer: ReturnType<typeof api>;
  let incidentId: string;

  beforeEach(async () => {
    site = await startTestSite(driver);
    await site.publisher.publishAll();
    editor = api(site, (await addToken(site, 'editor')).token);
    viewer = api(site, (await addToken(site, 'viewer')).token);
    const admin = api(site, (await addToken(site, 'admin')).token);
    await admin.post('/webhooks', {
      url: 'https://hooks.example.com/notes',
      events: ['incident.created', 'incident.updated'],
    });
    const componentId = (await admin.post('/components', { name: 'Database' })).body.id;
    incidentId = (
      await editor.post('/incidents', {
        name: 'Database errors',
        body: 'We are looking.',
        components: { [componentId]: 'major_outage' },
      })
    ).body.id;
  });
  afterEach(() => site.close());

  it('keeps notes for the staff and out of every public output', async () => {
    const added = await editor.post(`/incidents/${incidentId}/notes`, { body: SECRET });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ incident_id: incidentId, body: SECRET });
    // An update after the note: emails and webhooks are written, without the note.
    await editor.post(`/incidents/${incidentId}/updates`, { status: 'identified', body: 'Found the cause.' });
    await site.publisher.publishAll();

    expect((await viewer.get(`/incidents/${incidentId}/notes`)).body.map((n: { body: string }) => n.body)).toEqual([
      SECRET,
    ]);
    const files = await filesUnder(path.join(site.dataDir, 'site'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toContain('INTERNAL-NOTE-7f3a');
    for (const url of ['/api/v2/summary.json', `/incidents/${incidentId}/`, '/history.atom', '/widget.json'])
      expect(await (await fetch(`${site.url}${url}`)).text(), url).not.toContain('INTERNAL-NOTE-7f3a');
    const hooks = await site.database.db.select().from(webhookDeliveries);
    expect(hooks.length).toBeGreaterThan(0);
    expect(JSON.stringify(hooks)).not.toContain('INTERNAL-NOTE-7f3a');
    expect(JSON.stringify(await site.database.db.select().from(deliveries))).not.toContain('INTERNAL-NOTE-7f3a');
    // And the update's own text is published, so the search above looked where text goes.
    expect(await (await fetch(`${site.url}/incidents/${incidentId}/`)).text()).toContain('Found the cause.');
  });

  it('refuses what it should: a viewer adding, an empty body, an unknown incident', async () => {
    expect((await viewer.post(`/incidents/${incidentId}/notes`, { body: 'x' })).status).toBe(403);
    const empty = await editor.post(`/incidents/${incidentId}/notes`, { body: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.field).toBe('body');
    expect((await editor.post('/incidents/zzzzzzzzzzzz/notes', { body: 'x' })).status).toBe(404);
    expect((await editor.get('/incidents/zzzzzzzzzzzz/notes')).status).toBe(404);
  });

  it('adds and shows notes on the admin incident page', async () => {
    await addUser(site, 'lead@example.com', 'editor');
    const cookie = await signIn(site.url, 'lead@example.com');
    const posted = await fetch(`${site.url}/admin/incidents/${incidentId}/`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'note', body: 'Support: **tell customers** to retry.' }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    const html = await (await fetch(`${site.url}/admin/incidents/${incidentId}/`, { headers: { cookie } })).text();
    expect(html).toContain('<strong>tell customers</strong>');
    expect(html).toContain('Internal notes');
  });
});
