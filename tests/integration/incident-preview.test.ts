import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, insertDataset } from '../../src/db/dataset.ts';
import { loadSnapshot } from '../../src/db/snapshot-queries.ts';
import { findIncident, type IncidentView } from '../../src/domain/snapshot.ts';
import { previewNewIncident, previewUpdate } from '../../src/server/forms/incident-preview.ts';
import { IncidentCreateInput, UpdateInput } from '../../src/server/incidents/incident-input.ts';
import { addToken, api } from '../helpers/admin.ts';
import { SITE_URL, startTestSite, type TestSite } from '../helpers/site.ts';

// The admin previews an update with the rule that posting it runs (nextIncidentState): for
// each case, the preview is the incident read back once the update is posted.

const NOW = new Date('2026-11-21T12:00:00Z');
/** The site's clock: each case's update comes a minute after its incident opened. */
let clock = NOW;

/** What the public page shows of an incident and its newest update (ids and times of rows aside). */
const shown = (incident: IncidentView) => ({
  status: incident.status,
  impact: incident.impact,
  startedAt: incident.startedAt,
  monitoringAt: incident.monitoringAt,
  resolvedAt: incident.resolvedAt,
  nextUpdateDueAt: incident.nextUpdateDueAt,
  componentIds: [...incident.componentIds].sort(),
  updates: incident.updates.length,
  newest: {
    status: incident.updates[0]!.status,
    body: incident.updates[0]!.body,
    affectedComponents: incident.updates[0]!.affectedComponents,
    displayAt: incident.updates[0]!.displayAt,
  },
});

describe('the admin preview of an update is what posting it does', () => {
  let site: TestSite;
  let client: ReturnType<typeof api>;
  let componentIds: string[];

  beforeAll(async () => {
    site = await startTestSite('pglite', { now: () => clock });
    const data = generateDataset({
      now: NOW,
      componentCount: 4,
      incidentCount: 0,
      maintenanceCount: 0,
      spanDays: 10,
      withCurrentEvents: false,
    });
    await insertDataset(site.database.db, data);
    componentIds = data.components.map((c) => c.id);
    client = api(site, (await addToken(site, 'editor')).token);
  });
  afterAll(() => site.close());

  const snapshot = () => loadSnapshot(site.database.db, { siteUrl: SITE_URL, now: clock });

  const CASES: Array<[string, Record<string, unknown>, (c: string[]) => Record<string, unknown>]> = [
    ['a status change alone', { name: 'A', body: 'Looking.' }, () => ({ status: 'identified', body: 'Found it.' })],
    [
      'a component change raising the impact',
      { name: 'B', body: 'Looking.' },
      ([a]) => ({ status: 'identified', body: 'API down.', components: { [a!]: 'major_outage' } }),
    ],
    [
      'a promised next update',
      { name: 'C', body: 'Looking.' },
      () => ({ status: 'investigating', body: 'Still looking.', next_update_in_minutes: 30 }),
    ],
    [
      'a withdrawn promise',
      { name: 'D', body: 'Looking.', next_update_in_minutes: 15 },
      () => ({ status: 'investigating', body: 'No promise now.', next_update_in_minutes: null }),
    ],
    [
      'monitoring, with an impact override',
      { name: 'E', body: 'Looking.' },
      ([, b]) => ({
        status: 'monitoring',
        body: 'Watching.',
        components: { [b!]: 'degraded_performance' },
        impact_override: 'critical',
      }),
    ],
    [
      'resolving, which restores the components and ends the promise',
      { name: 'F', body: 'Looking.', next_update_in_minutes: 20 },
      () => ({ status: 'resolved', body: 'Fixed.' }),
    ],
    [
      'components named without a change',
      { name: 'G', body: 'Looking.' },
      ([, , c, d]) => ({ status: 'identified', body: 'These two.', component_ids: [c!, d!] }),
    ],
  ];

  it.each(CASES)('%s', async (_case, opening, updateFor) => {
    // Opening components for the cases that change some, so resolving has something to restore.
    const created = await client.post('/incidents', {
      ...opening,
      components: { [componentIds[0]!]: 'partial_outage' },
    });
    expect(created.status).toBe(201);
    clock = new Date(clock.getTime() + 60_000);
    const update = updateFor(componentIds);
    const before = await snapshot();
    const preview = previewUpdate(before, findIncident(before, created.body.id)!, UpdateInput.parse(update));
    const posted = await client.post(`/incidents/${created.body.id}/updates`, update);
    expect(posted.status).toBe(201);
    const after = findIncident(await snapshot(), created.body.id)!;
    expect(shown(preview)).toEqual(shown(after));
  });

  it('previews a new incident as it is created', async () => {
    clock = new Date(clock.getTime() + 60_000);
    const input = {
      name: 'Opened',
      body: 'Looking.',
      status: 'identified',
      components: { [componentIds[1]!]: 'major_outage' },
      next_update_in_minutes: 45,
    };
    const preview = previewNewIncident(await snapshot(), IncidentCreateInput.parse(input));
    const created = await client.post('/incidents', input);
    expect(created.status).toBe(201);
    expect(shown(preview)).toEqual(shown(findIncident(await snapshot(), created.body.id)!));
  });
});
