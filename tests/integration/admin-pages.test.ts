import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribers } from '../../src/db/schema.ts';
import { addToken, addUser, api } from '../helpers/admin.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// The admin's HTML forms as a browser meets them: choices and ticks show what is stored,
// and after a refused submit they show what was typed, with the error beside its field.

describe('admin form pages', () => {
  let site: TestSite;
  let cookie = '';
  let componentId = '';
  let groupId = '';

  const page = async (path: string) => (await fetch(`${site.url}${path}`, { headers: { cookie } })).text();
  const submit = (path: string, fields: Record<string, string>) =>
    fetch(`${site.url}${path}`, {
      method: 'POST',
      headers: { cookie, origin: SITE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  /** The one element whose opening tag has this id, up to its closing tag. */
  const element = (html: string, tag: string, id: string) => {
    const start = html.indexOf(`<${tag} `, html.lastIndexOf('<', html.indexOf(`id="${id}"`)));
    expect(start, `<${tag} id="${id}">`).toBeGreaterThanOrEqual(0);
    return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
  };
  const selectedOf = (select: string) =>
    [...select.matchAll(/<option value="([^"]*)"[^>]*\bselected\b/g)].map((m) => m[1]);
  const checkbox = (html: string, id: string) => html.match(new RegExp(`<input[^>]*id="${id}"[^>]*>`))?.[0] ?? '';

  beforeAll(async () => {
    site = await startTestSite('pglite');
    await site.publisher.publishAll();
    await addUser(site, 'boss@example.com', 'admin');
    const login = await fetch(`${site.url}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'boss@example.com', password: 'correct-horse-battery' }),
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const admin = api(site, (await addToken(site, 'admin')).token);
    groupId = (await admin.post('/component-groups', { name: 'Core' })).body.id;
    componentId = (
      await admin.post('/components', {
        name: 'API',
        group_id: groupId,
        status: 'degraded_performance',
        only_show_if_degraded: true,
        showcase: false,
      })
    ).body.id;
    expect(groupId && componentId).toBeTruthy();
  });
  afterAll(() => site.close());

  it("shows a component's stored status, group and ticks in its edit form", async () => {
    const html = await page('/admin/components');
    const key = `update_component-${componentId}`;
    expect(selectedOf(element(html, 'select', `${key}-status`))).toEqual(['degraded_performance']);
    expect(selectedOf(element(html, 'select', `${key}-group_id`))).toEqual([groupId]);
    expect(element(html, 'select', `${key}-group_id`)).toContain('<option value="">No group</option>');
    expect(checkbox(html, `${key}-only_show_if_degraded`)).toMatch(/\bchecked\b/);
    expect(checkbox(html, `${key}-showcase`)).not.toMatch(/\bchecked\b/);
    expect(checkbox(html, `${key}-hidden`)).not.toMatch(/\bchecked\b/);
    // The add form starts operational, ungrouped, with the uptime bar.
    expect(selectedOf(element(html, 'select', 'create_component-status'))).toEqual(['operational']);
    expect(checkbox(html, 'create_component-showcase')).toMatch(/\bchecked\b/);
  });

  it('keeps what was chosen when an edit is refused, and names the field', async () => {
    const version = (await api(site, (await addToken(site, 'viewer')).token).get(`/components/${componentId}`)).body
      .version;
    const response = await submit('/admin/components', {
      intent: 'update_component',
      id: componentId,
      version: String(version),
      name: '',
      status: 'major_outage',
      group_id: '',
      position: '3',
      hidden: '1',
    });
    expect(response.status).toBe(422);
    const html = await response.text();
    const key = `update_component-${componentId}`;
    expect(selectedOf(element(html, 'select', `${key}-status`))).toEqual(['major_outage']);
    expect(selectedOf(element(html, 'select', `${key}-group_id`))).toEqual(['']);
    expect(checkbox(html, `${key}-hidden`)).toMatch(/\bchecked\b/);
    expect(checkbox(html, `${key}-showcase`)).not.toMatch(/\bchecked\b/);
    expect(element(html, 'p', `${key}-name-error`)).toMatch(/<p class="field-error"[^>]*>[^<]+<\/p>/);
  });

  it('keeps a delete that missed a change open, with what went wrong, and deletes nothing', async () => {
    const editor = api(site, (await addToken(site, 'editor')).token);
    const seen = (await editor.get(`/components/${componentId}`)).body.version;
    expect((await editor.patch(`/components/${componentId}`, { description: 'Changed meanwhile' })).status).toBe(200);
    const response = await submit('/admin/components', {
      intent: 'delete_component',
      id: componentId,
      version: String(seen),
    });
    expect(response.status).toBe(409);
    const html = await response.text();
    const start = html.indexOf('<details class="disclose danger" open', html.indexOf(`id="component-${componentId}"`));
    expect(start).toBeGreaterThan(0);
    const disclosure = html.slice(start, html.indexOf('</details>', start)).replaceAll('&quot;', '"');
    expect(disclosure).toContain(`<summary>Delete "API"…</summary>`);
    expect(disclosure).toMatch(/role="alert"[\s\S]*Not deleted:[\s\S]*Someone else changed this component/);
    expect(disclosure).toContain(`<input type="hidden" name="id" value="${componentId}">`);
    // The version now shown, so a second click deletes what the page shows.
    expect(disclosure).toContain(`<input type="hidden" name="version" value="${seen + 1}">`);
    expect(disclosure).toContain('Delete component "API"');
    expect(html).not.toMatch(/<details class="disclose danger" open[^>]*>\s*<summary>Delete group/);
    expect((await api(site, (await addToken(site, 'viewer')).token).get(`/components/${componentId}`)).status).toBe(
      200,
    );
  });

  it('reorders in one change, refused whole when an item moved since the form was shown', async () => {
    const viewer = api(site, (await addToken(site, 'viewer')).token);
    const editor = api(site, (await addToken(site, 'editor')).token);
    const other = (await editor.post('/components', { name: 'Search', group_id: groupId })).body;
    const html = await page('/admin/components');
    const shown = (id: string) => Number(html.match(new RegExp(`name="version\\.${id}" value="(\\d+)"`))?.[1]);
    expect(shown(componentId)).toBe((await viewer.get(`/components/${componentId}`)).body.version);
    // Someone moves Search after the form was shown: the whole order is refused, API included.
    expect((await editor.patch(`/components/${other.id}`, { position: 40 })).status).toBe(200);
    const fields = {
      intent: 'reorder',
      [`position.${componentId}`]: '30',
      [`version.${componentId}`]: String(shown(componentId)),
      [`position.${other.id}`]: '31',
      [`version.${other.id}`]: String(shown(other.id)),
    };
    expect((await submit('/admin/components', fields)).status).toBe(409);
    expect((await viewer.get(`/components/${componentId}`)).body.position).not.toBe(30);
    expect((await viewer.get(`/components/${other.id}`)).body.position).toBe(40);
    // Submitted again from the page as it now is, both move.
    const fresh = await page('/admin/components');
    const now = (id: string) => fresh.match(new RegExp(`name="version\\.${id}" value="(\\d+)"`))![1]!;
    expect(
      (
        await submit('/admin/components', {
          ...fields,
          [`version.${componentId}`]: now(componentId),
          [`version.${other.id}`]: now(other.id),
        })
      ).status,
    ).toBe(303);
    expect([
      (await viewer.get(`/components/${componentId}`)).body.position,
      (await viewer.get(`/components/${other.id}`)).body.position,
    ]).toEqual([30, 31]);
  });

  it('refuses a form whose action its page does not have, and changes nothing', async () => {
    const viewer = api(site, (await addToken(site, 'viewer')).token);
    const before = (await viewer.get(`/components/${componentId}`)).body;
    expect((await submit('/admin/subscribers', { intent: 'import', csv: 'kept@example.com' })).status).toBe(200);
    const [subscriber] = await site.database.db
      .select()
      .from(subscribers)
      .where(eq(subscribers.email, 'kept@example.com'));
    expect(subscriber).toBeDefined();
    const incidentId: string = (
      await api(site, (await addToken(site, 'editor')).token).post('/incidents', {
        name: 'Kept as it is',
        body: 'Looking.',
      })
    ).body.id;
    const incidentPath = `/admin/incidents/${incidentId}/`;
    for (const [path, id] of [
      ['/admin/components', componentId],
      ['/admin/users', ''],
      ['/admin/templates', ''],
      ['/admin/tokens', ''],
      ['/admin/webhooks', ''],
      ['/admin/subscribers', subscriber!.id],
      ['/admin/incidents/new', ''],
      ['/admin/maintenances/new', ''],
      [incidentPath, ''],
    ] as const) {
      // e.g. a delete button from an older page, under a name this one no longer has
      const response = await submit(path, { intent: 'remove_component<b>', id, version: String(before.version) });
      expect(response.status, path).toBe(400);
      const html = await response.text();
      expect(html, path).toContain(
        '"remove_component&lt;b&gt;", which is not an action of this page; nothing was changed.',
      );
      expect(html, path).toContain(`<a href="${path}">Reload the page</a>`);
    }
    expect((await viewer.get(`/components/${componentId}`)).body).toEqual(before);
    expect((await viewer.get(`/incidents/${incidentId}`)).body.incident_updates).toHaveLength(1);
    // The subscribers page used to take any action but an import for a removal.
    expect(
      (await site.database.db.select().from(subscribers).where(eq(subscribers.id, subscriber!.id)))[0]?.status,
    ).toBe(subscriber!.status);
  });

  it("revokes a token and removes a webhook from their pages' boxes, which send no version", async () => {
    const admin = api(site, (await addToken(site, 'admin')).token);
    const token = (await admin.post('/api-tokens', { name: 'Deploy bot', role: 'editor' })).body;
    const hook = (
      await admin.post('/webhooks', { url: 'https://hooks.example.com/pages', events: ['incident.created'] })
    ).body;
    for (const [path, id, intent, button] of [
      ['/admin/tokens', token.id, 'revoke', 'Revoke "Deploy bot" now'],
      ['/admin/webhooks', hook.id, 'delete', 'Remove this webhook now'],
    ]) {
      const html = await page(path);
      // The box around the item's last id field (the webhook's test button has one before it).
      const start = html.lastIndexOf(
        '<details class="disclose danger"',
        html.lastIndexOf(`<input type="hidden" name="id" value="${id}">`),
      );
      const box = html.slice(start, html.indexOf('</details>', start));
      expect(box, path).toContain(`<input type="hidden" name="id" value="${id}">`);
      expect(box, path).toContain(
        `<button type="submit" name="intent" value="${intent}" class="danger">${button.replaceAll('"', '&quot;')}</button>`,
      );
      expect(box, path).not.toContain('name="version"');
      expect((await submit(path, { intent, id })).status, path).toBe(303);
    }
    expect(
      (await admin.get('/api-tokens')).body.find((t: { id: string }) => t.id === token.id).revoked_at,
    ).not.toBeNull();
    expect((await admin.get('/webhooks')).body.map((h: { id: string }) => h.id)).not.toContain(hook.id);
    // A subscriber too goes through a box that asks first.
    expect((await submit('/admin/subscribers', { intent: 'import', csv: 'leaving@example.com' })).status).toBe(200);
    const [leaving] = await site.database.db
      .select()
      .from(subscribers)
      .where(eq(subscribers.email, 'leaving@example.com'));
    const html = await page('/admin/subscribers');
    const start = html.lastIndexOf(
      '<details class="disclose danger"',
      html.indexOf(`<input type="hidden" name="id" value="${leaving!.id}">`),
    );
    expect(html.slice(start, html.indexOf('</details>', start))).toContain(
      '<button type="submit" name="intent" value="remove" class="danger">Remove leaving@example.com now</button>',
    );
    expect(await (await submit('/admin/subscribers', { intent: 'remove', id: leaving!.id })).text()).toContain(
      'Subscriber removed.',
    );
    expect(
      (await site.database.db.select().from(subscribers).where(eq(subscribers.id, leaving!.id)))[0]?.status ?? 'gone',
    ).not.toBe(leaving!.status);
  });

  it('says when the template a link names is gone, on every page that fills one in', async () => {
    const incidentId = (
      await api(site, (await addToken(site, 'editor')).token).post('/incidents', { name: 'Slow API', body: 'Looking.' })
    ).body.id;
    for (const path of ['/admin/incidents/new', '/admin/maintenances/new', `/admin/incidents/${incidentId}/`]) {
      expect(await page(`${path}?template=deleted-meanwhile`), path).toContain(
        'That template no longer exists; the form is blank.',
      );
      expect(await page(path), path).not.toContain('no longer exists');
    }
  });

  it('after a version conflict, the users, templates and settings forms keep what was typed and carry the version now stored', async () => {
    const admin = api(site, (await addToken(site, 'admin')).token);
    const user = (
      await admin.post('/users', {
        email: 'kim@example.com',
        name: 'Kim',
        role: 'viewer',
        password: 'correct-horse-battery',
      })
    ).body;
    const template = (
      await admin.post('/templates', { name: 'Slow', status: 'investigating', title: 'Slow pages', body: 'Looking.' })
    ).body;
    const settings = (await admin.get('/page')).body;
    expect((await admin.patch(`/users/${user.id}`, { name: 'Kim (changed meanwhile)' })).status).toBe(200);
    expect((await admin.patch(`/templates/${template.id}`, { body: 'Changed meanwhile.' })).status).toBe(200);
    expect((await admin.patch('/page', { name: 'Changed meanwhile' })).status).toBe(200);
    const cases = [
      [
        '/admin/users',
        `update-${user.id}`,
        user.version,
        { intent: 'update', id: user.id, name: 'Typed by me', role: 'editor', password: 'a-new-password-here' },
      ],
      [
        '/admin/templates',
        `update-${template.id}`,
        template.version,
        {
          intent: 'update',
          id: template.id,
          name: 'Typed by me',
          status: 'investigating',
          title: 'Slow pages',
          body: 'Looking.',
        },
      ],
      [
        '/admin/settings',
        'settings',
        settings.version,
        {
          name: 'Typed by me',
          time_zone: settings.time_zone,
          brand_color: settings.brand_color,
          default_language: settings.default_language,
          partial_outage_weight: String(settings.partial_outage_weight),
          reminder_interval_minutes: String(settings.reminder_interval_minutes),
          stale_incident_hours: String(settings.stale_incident_hours),
          maintenance_reminder_minutes: String(settings.maintenance_reminder_minutes),
        },
      ],
    ] as const;
    for (const [path, key, seen, fields] of cases) {
      const response = await submit(path, { ...fields, version: String(seen) });
      expect(response.status, path).toBe(409);
      const html = await response.text();
      expect(html, path).toContain('Someone else changed');
      expect(checkbox(html, `${key}-name`), path).toContain('value="Typed by me"');
      expect(html, path).not.toContain('a-new-password-here');
      // The form that failed now carries the version stored, so submitting it again applies it.
      const form = html.slice(
        html.lastIndexOf('<form', html.indexOf(`id="${key}-name"`)),
        html.indexOf('</form>', html.indexOf(`id="${key}-name"`)),
      );
      expect(form, path).toContain(`name="version" value="${seen + 1}"`);
      const again = await submit(path, { ...fields, version: String(seen + 1) });
      expect(again.status, path).toBe(303);
    }
    expect((await admin.get(`/templates/${template.id}`)).body.name).toBe('Typed by me');
  });

  it('offers every role, the stored one selected, on the users and tokens pages', async () => {
    const users = await page('/admin/users');
    const roles = element(users, 'select', 'create-role');
    expect([...roles.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]).sort()).toEqual([
      'admin',
      'editor',
      'viewer',
    ]);
    expect(selectedOf(roles)).toEqual(['editor']);
    const refused = await submit('/admin/tokens', { intent: 'create', name: '', role: 'viewer', expires_at: '' });
    expect(refused.status).toBe(422);
    const tokens = await refused.text();
    expect(selectedOf(element(tokens, 'select', 'create-role'))).toEqual(['viewer']);
    expect(element(tokens, 'p', 'create-name-error')).toMatch(/<p class="field-error"[^>]*>[^<]+<\/p>/);
  });
});
