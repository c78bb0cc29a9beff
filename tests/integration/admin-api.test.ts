import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/database.ts';
import { addToken, api } from '../helpers/admin.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

describe.each(DRIVERS)('the admin API on %s', (driver) => {
  let site: TestSite;
  let admin: ReturnType<typeof api>;
  let editor: ReturnType<typeof api>;
  let viewer: ReturnType<typeof api>;
  let apiId: string;
  let webId: string;

  beforeAll(async () => {
    site = await startTestSite(driver);
    await site.publisher.publishAll();
    admin = api(site, (await addToken(site, 'admin')).token);
    editor = api(site, (await addToken(site, 'editor')).token);
    viewer = api(site, (await addToken(site, 'viewer')).token);
    apiId = (await editor.post('/components', { name: 'API' })).body.id;
    webId = (await editor.post('/components', { component: { name: 'Website', description: 'www' } })).body.id;
  });
  afterAll(() => site.close());

  describe('authentication and roles', () => {
    it.each([
      ['GET', '/components'],
      ['POST', '/components'],
      ['GET', '/component-groups'],
      ['GET', '/incidents'],
      ['POST', '/incidents'],
      ['GET', '/incidents/abcdefabcdef'],
      ['PATCH', '/incidents/abcdefabcdef'],
      ['DELETE', '/incidents/abcdefabcdef'],
      ['POST', '/incidents/abcdefabcdef/updates'],
      ['PATCH', '/incidents/abcdefabcdef/updates/abcdefabcdef'],
      ['GET', '/templates'],
      ['POST', '/templates'],
      ['GET', '/page'],
      ['PATCH', '/page'],
      ['GET', '/users'],
      ['POST', '/users'],
      ['GET', '/api-tokens'],
      ['POST', '/api-tokens'],
      ['DELETE', '/api-tokens/abcdefabcdef'],
      ['GET', '/audit-log'],
      ['GET', '/publish'],
      ['POST', '/components/reorder'],
    ])('%s %s answers 401 without credentials', async (method, path) => {
      const response = await fetch(`${site.url}/api/admin/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('unauthorized');
    });

    it.each([
      ['viewer', 'POST', '/incidents'],
      ['viewer', 'POST', '/components'],
      ['viewer', 'PATCH', '/page'],
      ['editor', 'GET', '/users'],
      ['editor', 'POST', '/api-tokens'],
      ['editor', 'PATCH', '/page'],
    ] as const)('a %s token gets 403 for %s %s', async (role, method, path) => {
      const client = { viewer, editor }[role];
      const response =
        method === 'GET'
          ? await client.get(path)
          : method === 'POST'
            ? await client.post(path, {})
            : await client.patch(path, {});
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    });

    it('lets a viewer read', async () => {
      const response = await viewer.get('/components');
      expect(response.status).toBe(200);
      expect(response.body.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['API', 'Website']));
    });

    it('refuses an unknown token without falling back to a cookie', async () => {
      const response = await api(site, 'hrld_notarealtoken').get('/components');
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('invalid_token');
    });

    it('stops accepting a token as soon as it is revoked', async () => {
      const created = await admin.post('/api-tokens', { name: 'short-lived', role: 'viewer' });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^hrld_/);
      const client = api(site, created.body.token);
      expect((await client.get('/components')).status).toBe(200);
      expect((await admin.delete(`/api-tokens/${created.body.id}`)).status).toBe(200);
      expect((await client.get('/components')).status).toBe(401);
      const listed = (await admin.get('/api-tokens')).body.find((t: { id: string }) => t.id === created.body.id);
      expect(listed.revoked_at).not.toBeNull();
      expect(listed.last_used_at).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(created.body.token);
    });

    it('checks authorisation on encoded paths too', async () => {
      const anonymous = await fetch(`${site.url}/%61pi/admin/v1/users`);
      expect(anonymous.status).toBe(401);
      const asEditor = await fetch(`${site.url}/api/%61dmin/v1/users`, {
        headers: { authorization: `Bearer ${(await addToken(site, 'editor')).token}` },
      });
      expect(asEditor.status).toBe(403);
    });
  });

  describe('validation', () => {
    it.each([
      ['an unknown field', { incident: { name: 'X', body: 'b', colour: 'red' } }, 'colour', 'unknown_field'],
      ['a missing name', { incident: { body: 'b' } }, 'name', 'invalid_field'],
      ['a name of the wrong type', { incident: { name: 42, body: 'b' } }, 'name', 'invalid_field'],
      ['an over-long name', { incident: { name: 'x'.repeat(201), body: 'b' } }, 'name', 'invalid_field'],
      ['a bad status', { incident: { name: 'X', body: 'b', status: 'on_fire' } }, 'status', 'invalid_field'],
      [
        'a bad component status',
        { incident: { name: 'X', body: 'b', components: { abcdefabcdef: 'broken' } } },
        'components.abcdefabcdef',
        'invalid_field',
      ],
      [
        'a malformed component id',
        { incident: { name: 'X', body: 'b', components: { 'NOT-AN-ID': 'major_outage' } } },
        'components.NOT-AN-ID',
        'invalid_field',
      ],
      [
        'an unknown component',
        { incident: { name: 'X', body: 'b', components: { zzzzzzzzzzzz: 'major_outage' } } },
        'components.zzzzzzzzzzzz',
        'unknown_component',
      ],
      ['an empty body', { incident: { name: 'X', body: '   ' } }, 'body', 'invalid_field'],
      [
        'a maintenance window that ends first',
        {
          incident: {
            name: 'X',
            body: 'b',
            scheduled_for: '2026-12-01T10:00:00Z',
            scheduled_until: '2026-12-01T09:00:00Z',
          },
        },
        'scheduled_until',
        'invalid_field',
      ],
      [
        'a maintenance status on an incident',
        { incident: { name: 'X', body: 'b', status: 'in_progress' } },
        'status',
        'invalid_status',
      ],
    ])('rejects %s, naming the field, and writes nothing', async (_case, body, field, code) => {
      const before = (await editor.get('/incidents?limit=100')).body.length;
      const response = await editor.post('/incidents', body);
      expect(response.status).toBe(422);
      expect(response.body.error).toMatchObject({ code, field });
      expect(response.body.error.message).toContain(field.split('.')[0]);
      expect((await editor.get('/incidents?limit=100')).body.length).toBe(before);
    });

    it.each([
      ['not JSON', 'this is not json', { 'content-type': 'application/json' }, 400, 'invalid_json'],
      [
        'a form instead of JSON',
        'name=x',
        { 'content-type': 'application/x-www-form-urlencoded' },
        415,
        'unsupported_media_type',
      ],
      [
        'a body over 256 KB',
        JSON.stringify({ name: 'x', body: 'y'.repeat(300_000) }),
        { 'content-type': 'application/json' },
        413,
        'payload_too_large',
      ],
    ])('answers %s with the right status', async (_case, raw, headers, status, code) => {
      const response = await fetch(`${site.url}/api/admin/v1/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${(await addToken(site, 'editor')).token}`, ...headers },
        body: raw,
      });
      expect(response.status).toBe(status);
      expect((await response.json()).error.code).toBe(code);
    });

    it('answers 404 for an unknown id', async () => {
      const response = await editor.get('/incidents/abcdefabcdef');
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    });
  });

  describe('incidents', () => {
    it("accepts Statuspage's request shape and publishes the change at once", async () => {
      const created = await editor.post('/incidents', {
        incident: {
          name: 'Checkout errors',
          status: 'investigating',
          impact_override: 'major',
          body: 'We are **investigating**.',
          components: { [apiId]: 'partial_outage' },
          deliver_notifications: true,
        },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('herald-publish')).toMatch(/^published; revision=\d+/);
      expect(created.body).toMatchObject({
        name: 'Checkout errors',
        status: 'investigating',
        impact: 'major',
        component_ids: [apiId],
      });
      expect(created.body.incident_updates[0].affected_components).toEqual([
        { code: apiId, name: 'API', old_status: 'operational', new_status: 'partial_outage' },
      ]);

      const summary = await (await fetch(`${site.url}/api/v2/summary.json`)).json();
      expect(summary.incidents.map((i: { name: string }) => i.name)).toContain('Checkout errors');
      expect(summary.components.find((c: { id: string }) => c.id === apiId).status).toBe('partial_outage');
      const page = await (await fetch(`${site.url}/incidents/${created.body.id}/`)).text();
      expect(page).toContain('<strong>investigating</strong>');

      // Statuspage's PATCH posts an update; resolving returns the components to operational.
      const resolved = await editor.patch(`/incidents/${created.body.id}`, {
        incident: { status: 'resolved', body: 'Fixed.' },
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body.status).toBe('resolved');
      expect(resolved.body.resolved_at).not.toBeNull();
      expect((await editor.get(`/components/${apiId}`)).body.status).toBe('operational');
      const status = await (await fetch(`${site.url}/api/v2/status.json`)).json();
      expect(status.status.description).toBe('All Systems Operational');
    });

    it('posts updates with component changes and a next-update promise, and edits their text', async () => {
      const created = await editor.post('/incidents', {
        name: 'Slow search',
        body: 'Looking.',
        components: { [webId]: 'degraded_performance' },
      });
      const id = created.body.id;
      const posted = await editor.post(`/incidents/${id}/updates`, {
        status: 'identified',
        body: 'Found it.',
        components: { [webId]: 'major_outage' },
        next_update_in_minutes: 30,
      });
      expect(posted.status).toBe(201);
      expect(posted.body.status).toBe('identified');
      expect(Date.parse(posted.body.next_update_due_at) - Date.now()).toBeGreaterThan(29 * 60_000);
      expect(posted.body.incident_updates).toHaveLength(2);
      const updateId = posted.body.incident_updates[0].id;
      const edited = await editor.patch(`/incidents/${id}/updates/${updateId}`, { body: 'Found it: a bad deploy.' });
      expect(edited.status).toBe(200);
      expect(edited.body.body).toBe('Found it: a bad deploy.');
      const page = await (await fetch(`${site.url}/incidents/${id}/`)).text();
      expect(page).toContain('Found it: a bad deploy.');
      expect(page).toContain('Next update by');
    });

    it('answers each incident change with the incident a fresh read returns', async () => {
      const read = async (id: string) => (await editor.get(`/incidents/${id}`)).body;
      const created = await editor.post('/incidents', {
        name: 'Flaky logins',
        body: 'Looking.',
        components: { [webId]: 'partial_outage' },
      });
      expect(created.body).toEqual(await read(created.body.id));
      const id = created.body.id;
      const posted = await editor.post(`/incidents/${id}/updates`, {
        status: 'identified',
        body: 'Found it.',
        component_ids: [apiId],
      });
      expect(posted.body.component_ids).toEqual(expect.arrayContaining([webId, apiId]));
      expect(posted.body).toEqual(await read(id));
      const renamed = await editor.patch(`/incidents/${id}`, { name: 'Flaky sign-ins' });
      expect(renamed.body).toEqual(await read(id));
      // Statuspage's PATCH with a body and no status keeps the current status.
      const patched = await editor.patch(`/incidents/${id}`, { body: 'Fix rolling out.' });
      expect(patched.body).toMatchObject({
        status: 'identified',
        incident_updates: [{ body: 'Fix rolling out.' }, {}, {}],
      });
      expect(patched.body).toEqual(await read(id));
      const noBody = await editor.patch(`/incidents/${id}`, { status: 'monitoring' });
      expect(noBody.status).toBe(422);
      expect(noBody.body.error).toMatchObject({ field: 'body' });
    });

    it('answers 409 to a write based on a stale version', async () => {
      const created = await editor.post('/incidents', { name: 'Two editors', body: 'First.' });
      const version = created.body.version;
      const first = await editor.patch(`/incidents/${created.body.id}`, { name: 'Renamed by A', version });
      expect(first.status).toBe(200);
      const second = await editor.patch(
        `/incidents/${created.body.id}`,
        { name: 'Renamed by B' },
        { 'if-match': `"${version}"` },
      );
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ code: 'version_conflict', field: 'version' });
      expect((await editor.get(`/incidents/${created.body.id}`)).body.name).toBe('Renamed by A');
    });

    it('schedules a maintenance without touching its components until it starts', async () => {
      const created = await editor.post('/incidents', {
        incident: {
          name: 'Database upgrade',
          body: 'Upgrading.',
          scheduled_for: '2030-01-01T02:00:00Z',
          scheduled_until: '2030-01-01T04:00:00Z',
          component_ids: [apiId],
          scheduled_auto_in_progress: true,
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        kind: 'maintenance',
        status: 'scheduled',
        impact: 'maintenance',
        scheduled_for: '2030-01-01T02:00:00.000Z',
        scheduled_auto_in_progress: true,
      });
      expect((await editor.get(`/components/${apiId}`)).body.status).toBe('operational');
      const upcoming = await (await fetch(`${site.url}/api/v2/scheduled-maintenances/upcoming.json`)).json();
      expect(upcoming.scheduled_maintenances.map((m: { name: string }) => m.name)).toContain('Database upgrade');
    });

    it('deletes an incident from the page and the API', async () => {
      const created = await editor.post('/incidents', { name: 'Posted by mistake', body: 'Oops.' });
      expect((await editor.delete(`/incidents/${created.body.id}`)).status).toBe(204);
      expect((await editor.get(`/incidents/${created.body.id}`)).status).toBe(404);
      expect((await fetch(`${site.url}/incidents/${created.body.id}/`)).status).toBe(404);
    });
  });

  describe('components, templates, settings', () => {
    it('creates a group, reorders, hides a component, with versions', async () => {
      const group = await editor.post('/component-groups', { name: 'Platform', components: [apiId, webId] });
      expect(group.status).toBe(201);
      expect(group.body.components).toEqual([apiId, webId]);
      const component = (await editor.get(`/components/${webId}`)).body;
      const hidden = await editor.patch(`/components/${webId}`, { hidden: true, version: component.version });
      expect(hidden.status).toBe(200);
      expect((await editor.patch(`/components/${webId}`, { hidden: false, version: component.version })).status).toBe(
        409,
      );
      const publicComponents = await (await fetch(`${site.url}/api/v2/components.json`)).json();
      expect(publicComponents.components.map((c: { id: string }) => c.id)).not.toContain(webId);
      expect((await editor.post('/components/reorder', { order: [group.body.id] })).status).toBe(200);
      expect((await editor.post('/components/reorder', { order: ['zzzzzzzzzzzz'] })).body.error.field).toBe('order.0');
      await editor.patch(`/components/${webId}`, { hidden: false });
    });

    it('gives a component that leaves a group a new version, so a form opened before is stale', async () => {
      const edge = await editor.post('/component-groups', { name: 'Edge', components: [webId] });
      const seen = (await editor.get(`/components/${webId}`)).body;
      expect((await editor.patch(`/component-groups/${edge.body.id}`, { components: [] })).body.components).toEqual([]);
      expect(
        (await editor.patch(`/components/${webId}`, { group_id: edge.body.id, version: seen.version })).status,
      ).toBe(409);
      expect((await editor.get(`/components/${webId}`)).body.group_id).toBeNull();
      await editor.patch(`/component-groups/${edge.body.id}`, { components: [webId] });
      const member = (await editor.get(`/components/${webId}`)).body;
      expect((await editor.delete(`/component-groups/${edge.body.id}`)).status).toBe(204);
      expect(
        (await editor.patch(`/components/${webId}`, { group_id: edge.body.id, version: member.version })).status,
      ).toBe(409);
      expect((await editor.get(`/components/${webId}`)).body.group_id).toBeNull();
    });

    it('rejects a template with an unknown variable when it is saved', async () => {
      const bad = await editor.post('/templates', {
        name: 'Bad',
        status: 'investigating',
        title: 'Trouble with {{component}}',
        body: 'Reading {{env.SECRET}} now',
      });
      expect(bad.status).toBe(422);
      expect(bad.body.error).toMatchObject({ code: 'unknown_variable', field: 'body' });
      const good = await editor.post('/templates', {
        name: 'Good',
        status: 'identified',
        title: 'Trouble with {{component}}',
        body: 'Fix for {{components}} under way; next update {{next_update}}.',
      });
      expect(good.status).toBe(201);
      expect(good.body.kind).toBe('incident');
    });

    it('lets an admin rename the page, and republishes everything', async () => {
      const response = await admin.patch('/page', { name: 'Acme Status', time_zone: 'Europe/Berlin' });
      expect(response.status).toBe(200);
      const index = await (await fetch(`${site.url}/`)).text();
      expect(index).toContain('<title>Acme Status Status</title>');
      expect((await admin.patch('/page', { time_zone: 'Mars/Olympus' })).body.error.field).toBe('time_zone');
    });

    it('records who changed what in the audit log', async () => {
      const log = await viewer.get('/audit-log?entity_type=incident&limit=100');
      expect(log.status).toBe(200);
      expect(log.body[0]).toMatchObject({
        actor: { type: 'token', label: 'token "editor token"' },
        entity_type: 'incident',
      });
      expect(log.body.some((e: { action: string }) => e.action === 'incident.resolve')).toBe(true);
      // An update's entry: the incident's fields before and after, and the one update posted (not all earlier ones,
      // twice).
      type Entry = {
        action: string;
        before: { status: string; incident_updates?: unknown[] };
        after: { status: string; incident_updates: Array<{ body: string }> };
      };
      const updated = (log.body as Entry[]).find(
        (e) => e.action === 'incident.update' && e.after.incident_updates[0]?.body === 'Found it.',
      );
      expect(updated).toBeDefined();
      expect(updated!.before.incident_updates).toBeUndefined();
      expect(updated!.before.status).toBe('investigating');
      expect(updated!.after.status).toBe('identified');
      expect(updated!.after.incident_updates).toHaveLength(1);
      // An edit of the incident's own fields keeps those alone.
      const edited = (log.body as Array<Entry & { after: { name: string } }>).find((e) => e.action === 'incident.edit');
      expect(edited).toBeDefined();
      expect(edited!.before.incident_updates).toBeUndefined();
      expect(edited!.after.incident_updates).toBeUndefined();
    });
  });
});
