import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToken, api } from '../helpers/admin.ts';
import { DRIVERS } from '../helpers/database.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

describe.each(DRIVERS)('postmortems on %s', (driver) => {
  let site: TestSite;
  let editor: ReturnType<typeof api>;
  let resolvedId: string;
  let openId: string;
  const DRAFT = 'The draft says: **a certificate expired** (not public yet).';
  const FINAL = '### What happened\n\nA **certificate expired** on the payment gateway.';

  const publicText = async (path: string) => {
    const response = await fetch(`${site.url}${path}`);
    expect(response.status).toBe(200);
    return response.text();
  };
  const publicStatus = async (id: string) => {
    const list = JSON.parse(await publicText('/api/v2/incidents.json')) as {
      incidents: Array<{ id: string; status: string }>;
    };
    return list.incidents.find((i) => i.id === id)?.status;
  };
  const versionOf = async (id: string) => (await editor.get(`/incidents/${id}`)).body.version as number;

  beforeAll(async () => {
    site = await startTestSite(driver);
    await site.publisher.publishAll();
    editor = api(site, (await addToken(site, 'editor')).token);
    const componentId = (await editor.post('/components', { name: 'Payments' })).body.id;
    resolvedId = (
      await editor.post('/incidents', {
        name: 'Payments failing',
        body: 'We are investigating.',
        components: { [componentId]: 'major_outage' },
      })
    ).body.id;
    expect((await editor.post(`/incidents/${resolvedId}/updates`, { status: 'resolved', body: 'Fixed.' })).status).toBe(
      201,
    );
    openId = (await editor.post('/incidents', { name: 'Still going', body: 'We are investigating.' })).body.id;
  });
  afterAll(() => site.close());

  it('saves a draft that the public does not see', async () => {
    const saved = await editor.put(`/incidents/${resolvedId}/postmortem`, {
      body: DRAFT,
      publish: false,
      version: await versionOf(resolvedId),
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ status: 'resolved', postmortem_body: DRAFT, postmortem_published_at: null });
    expect(saved.headers.get('herald-publish')).toMatch(/^published/);
    const page = await publicText(`/incidents/${resolvedId}/`);
    expect(page).toContain('Payments failing');
    expect(page).not.toContain('certificate expired');
    expect(page).not.toContain('Postmortem');
    expect(await publicStatus(resolvedId)).toBe('resolved');
  });

  it('publishes it: on the incident page, in the JSON with status postmortem, and in the feed', async () => {
    const published = await editor.put(
      `/incidents/${resolvedId}/postmortem`,
      { postmortem: { body: FINAL, publish: true } },
      { 'if-match': `"${await versionOf(resolvedId)}"` },
    );
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'postmortem', postmortem_body: FINAL });
    expect(published.body.postmortem_published_at).toMatch(/Z$/);
    const page = await publicText(`/incidents/${resolvedId}/`);
    expect(page).toMatch(/<h2[^>]*>Postmortem<\/h2>/);
    expect(page).toContain('A <strong>certificate expired</strong> on the payment gateway.');
    expect(page).not.toContain('not public yet');
    expect(await publicStatus(resolvedId)).toBe('postmortem');
    await site.publisher.idle(); // the feeds follow the incident page and the JSON
    expect(await publicText('/history.rss')).toContain('Payments failing — Postmortem');
    const audit = await editor.get(`/audit-log?entity_id=${resolvedId}`);
    expect(audit.body.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['postmortem.draft', 'postmortem.publish']),
    );
    // The entry keeps the incident's fields, not every update again.
    const entry = audit.body.find((e: { action: string }) => e.action === 'postmortem.publish');
    expect(entry.after.postmortem_published_at).toMatch(/Z$/);
    expect(entry.before.incident_updates).toBeUndefined();
    expect(entry.after.incident_updates).toBeUndefined();
  });

  it('refuses to publish for an unresolved incident, naming the field', async () => {
    const refused = await editor.put(`/incidents/${openId}/postmortem`, { body: FINAL, publish: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'invalid_transition', field: 'publish' });
    expect(refused.body.error.message).toMatch(/^publish: .*resolved/);
    expect(await publicStatus(openId)).toBe('investigating');
  });

  it('refuses an empty postmortem, naming the field', async () => {
    const refused = await editor.put(`/incidents/${resolvedId}/postmortem`, { body: '   ', publish: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.field).toBe('body');
  });

  it('answers 409 to a write based on a stale version, and changes nothing', async () => {
    const stale = (await versionOf(resolvedId)) - 1;
    const conflict = await editor.put(`/incidents/${resolvedId}/postmortem`, {
      body: 'Overwritten',
      publish: true,
      version: stale,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'version_conflict', field: 'version' });
    const viaHeader = await editor.delete(`/incidents/${resolvedId}/postmortem`, { 'if-match': `"${stale}"` });
    expect(viaHeader.status).toBe(409);
    expect((await editor.get(`/incidents/${resolvedId}`)).body.postmortem_body).toBe(FINAL);
  });

  it('unpublishes: back to resolved on the page and in the JSON, the text kept as a draft', async () => {
    const withdrawn = await editor.delete(`/incidents/${resolvedId}/postmortem`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'resolved', postmortem_body: FINAL, postmortem_published_at: null });
    expect(await publicText(`/incidents/${resolvedId}/`)).not.toContain('certificate expired');
    expect(await publicStatus(resolvedId)).toBe('resolved');
  });

  it('keeps postmortem reachable only this way: an update cannot set it', async () => {
    const refused = await editor.post(`/incidents/${resolvedId}/updates`, { status: 'postmortem', body: 'Sneaky' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.field).toBe('status');
  });
});
