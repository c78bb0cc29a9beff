import { describe, expect, it } from 'vitest';
import { STATUSPAGE_API_FILES } from '../../src/domain/statuspage-json.ts';
import type { Snapshot } from '../../src/domain/snapshot.ts';
import {
  NOW,
  makeComponent,
  makeGroup,
  makeIncident,
  makeMaintenance,
  makeSnapshot,
  makeUpdate,
  minutesAfter,
  minutesBefore,
} from './fixtures.ts';

// Field lists as Atlassian Statuspage publishes them under /api/v2; clients parse these.
const PAGE_KEYS = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const COMPONENT_KEYS = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'position',
  'description',
  'showcase',
  'start_date',
  'group_id',
  'page_id',
  'group',
  'only_show_if_degraded',
];
const GROUP_KEYS = [...COMPONENT_KEYS, 'components'];
const INCIDENT_KEYS = [
  'id',
  'name',
  'status',
  'created_at',
  'updated_at',
  'monitoring_at',
  'resolved_at',
  'impact',
  'shortlink',
  'started_at',
  'page_id',
  'incident_updates',
  'components',
];
const MAINTENANCE_KEYS = [...INCIDENT_KEYS, 'scheduled_for', 'scheduled_until'];
const UPDATE_KEYS = [
  'id',
  'status',
  'body',
  'incident_id',
  'created_at',
  'updated_at',
  'display_at',
  'affected_components',
  'deliver_notifications',
  'custom_tweet',
  'tweet_id',
];
const AFFECTED_COMPONENT_KEYS = ['code', 'name', 'old_status', 'new_status'];

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TIMESTAMP_FIELD = /_at$|^scheduled_(for|until)$/;

const OPENED = minutesBefore(NOW, 90);
const IDENTIFIED = minutesBefore(NOW, 30);

const SNAPSHOT: Snapshot = makeSnapshot({
  page: { id: 'page-1', name: 'Acme Status', siteUrl: 'https://status.example.com', timeZone: 'Europe/Berlin' },
  groups: [
    makeGroup({ id: 'core', name: 'Core', description: 'Core services', position: 1 }),
    makeGroup({ id: 'internal', name: 'Internal', position: 9, hidden: true }),
  ],
  components: [
    makeComponent({
      id: 'api',
      name: 'API',
      groupId: 'core',
      position: 1,
      status: 'major_outage',
      description: 'Public API',
      startDate: new Date('2025-06-01T00:00:00Z'),
      updatedAt: OPENED,
    }),
    makeComponent({ id: 'web', name: 'Website', groupId: 'core', position: 2 }),
    makeComponent({ id: 'docs', name: 'Docs', position: 3, status: 'degraded_performance', onlyShowIfDegraded: true }),
    makeComponent({ id: 'secret', name: 'Secret', position: 4, hidden: true, status: 'partial_outage' }),
    makeComponent({ id: 'queue', name: 'Queue', groupId: 'internal', position: 1 }),
  ],
  incidents: [
    makeIncident({
      id: 'open',
      name: 'API errors',
      impact: 'critical',
      status: 'identified',
      startedAt: OPENED,
      createdAt: OPENED,
      updatedAt: IDENTIFIED,
      componentIds: ['api'],
      updates: [
        makeUpdate({
          id: 'u2',
          incidentId: 'open',
          status: 'identified',
          body: 'Found it.',
          createdAt: IDENTIFIED,
          deliverNotifications: false,
        }),
        makeUpdate({
          id: 'u1',
          incidentId: 'open',
          status: 'investigating',
          body: 'Looking.',
          createdAt: OPENED,
          affectedComponents: [{ id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'major_outage' }],
        }),
      ],
    }),
    makeMaintenance({
      id: 'running',
      status: 'in_progress',
      componentIds: ['web'],
      scheduledFor: minutesBefore(NOW, 20),
      scheduledUntil: minutesAfter(NOW, 40),
      updates: [makeUpdate({ id: 'u3', incidentId: 'running', status: 'in_progress', body: 'Started.' })],
    }),
    makeMaintenance({
      id: 'later',
      scheduledFor: minutesAfter(NOW, 2 * 24 * 60),
      scheduledUntil: minutesAfter(NOW, 2 * 24 * 60 + 60),
    }),
    makeMaintenance({
      id: 'sooner',
      scheduledFor: minutesAfter(NOW, 24 * 60),
      scheduledUntil: minutesAfter(NOW, 24 * 60 + 60),
    }),
    makeIncident({
      id: 'closed',
      status: 'resolved',
      monitoringAt: minutesBefore(NOW, 70),
      resolvedAt: minutesBefore(NOW, 65),
      startedAt: minutesBefore(NOW, 100),
    }),
    makeMaintenance({
      id: 'done',
      status: 'completed',
      resolvedAt: minutesBefore(NOW, 200),
      startedAt: minutesBefore(NOW, 300),
    }),
  ],
});

type Json = Record<string, unknown>;
const render = (file: string, snapshot = SNAPSHOT) => STATUSPAGE_API_FILES[file]!(snapshot) as Json;
const sortedKeys = (value: unknown) => Object.keys(value as Json).sort();
const idsOf = (list: unknown) => (list as Json[]).map((item) => item.id);

function timestampsIn(value: unknown, found: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(value)) for (const item of value) timestampsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, field] of Object.entries(value)) {
      if (TIMESTAMP_FIELD.test(key)) found.push([key, field]);
      else timestampsIn(field, found);
    }
  }
  return found;
}

const FILES: Array<[file: string, topLevel: string[], listKey: string | null, listIds: string[], itemKeys: string[]]> =
  [
    [
      'summary.json',
      ['page', 'components', 'incidents', 'scheduled_maintenances', 'status'],
      'incidents',
      ['open'],
      INCIDENT_KEYS,
    ],
    ['status.json', ['page', 'status'], null, [], []],
    ['components.json', ['page', 'components'], 'components', ['core', 'api', 'web', 'docs'], []],
    ['incidents.json', ['page', 'incidents'], 'incidents', ['open', 'closed'], INCIDENT_KEYS],
    ['incidents/unresolved.json', ['page', 'incidents'], 'incidents', ['open'], INCIDENT_KEYS],
    [
      'scheduled-maintenances.json',
      ['page', 'scheduled_maintenances'],
      'scheduled_maintenances',
      ['running', 'later', 'sooner', 'done'],
      MAINTENANCE_KEYS,
    ],
    [
      'scheduled-maintenances/upcoming.json',
      ['page', 'scheduled_maintenances'],
      'scheduled_maintenances',
      ['sooner', 'later'],
      MAINTENANCE_KEYS,
    ],
    [
      'scheduled-maintenances/active.json',
      ['page', 'scheduled_maintenances'],
      'scheduled_maintenances',
      ['running'],
      MAINTENANCE_KEYS,
    ],
  ];

describe('STATUSPAGE_API_FILES', () => {
  it('publishes exactly the Statuspage v2 files', () => {
    expect(Object.keys(STATUSPAGE_API_FILES).sort()).toEqual(FILES.map(([file]) => file).sort());
  });

  describe.each(FILES)('%s', (file, topLevel) => {
    const body = render(file);

    it('has the Statuspage top-level fields and page object', () => {
      expect(sortedKeys(body)).toEqual([...topLevel].sort());
      expect(body.page).toEqual({
        id: 'page-1',
        name: 'Acme Status',
        url: 'https://status.example.com',
        time_zone: 'Europe/Berlin',
        updated_at: '2026-03-15T11:00:00.000Z',
      });
      expect(sortedKeys(body.page)).toEqual([...PAGE_KEYS].sort());
    });

    it('writes every timestamp as an ISO 8601 string or null', () => {
      const timestamps = timestampsIn(body);
      expect(timestamps.filter(([, value]) => value !== null).length).toBeGreaterThan(0);
      for (const [key, value] of timestamps) {
        if (value !== null) expect({ key, value }).toEqual({ key, value: expect.stringMatching(ISO_8601) });
      }
      expect(JSON.parse(JSON.stringify(body))).toEqual(body);
    });
  });

  const LISTS = FILES.flatMap(([file, , listKey, listIds, itemKeys]) =>
    listKey === null ? [] : [{ file, listKey, listIds, itemKeys }],
  );

  it.each(LISTS)('$file lists $listIds, each with the Statuspage fields', ({ file, listKey, listIds, itemKeys }) => {
    const list = render(file)[listKey] as Json[];
    expect(idsOf(list)).toEqual(listIds);
    for (const item of list) {
      const expectedKeys = itemKeys.length > 0 ? itemKeys : item.group ? GROUP_KEYS : COMPONENT_KEYS;
      expect(sortedKeys(item)).toEqual([...expectedKeys].sort());
      for (const update of (item.incident_updates ?? []) as Json[]) {
        expect(sortedKeys(update)).toEqual([...UPDATE_KEYS].sort());
        for (const affected of update.affected_components as Json[])
          expect(sortedKeys(affected)).toEqual([...AFFECTED_COMPONENT_KEYS].sort());
      }
      // A group's components are member ids; an incident's are component objects.
      if (itemKeys.length > 0)
        for (const component of item.components as Json[])
          expect(sortedKeys(component)).toEqual([...COMPONENT_KEYS].sort());
    }
  });
});

describe('status.json', () => {
  it('rolls the components and active events up into one status', () => {
    expect(render('status.json').status).toEqual({ indicator: 'critical', description: 'Partial System Outage' });
  });

  it('reports all systems operational for a quiet page', () => {
    const quiet = makeSnapshot({ components: [makeComponent({ id: 'api' })] });
    expect(render('status.json', quiet).status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
  });
});

describe('components.json', () => {
  const components = render('components.json').components as Json[];
  const byId = (id: string) => components.find((c) => c.id === id);

  it('gives a group its members and their worst status', () => {
    expect(byId('core')).toEqual({
      id: 'core',
      name: 'Core',
      status: 'major_outage',
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      position: 1,
      description: 'Core services',
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: 'page-1',
      group: true,
      only_show_if_degraded: false,
      components: ['api', 'web'],
    });
  });

  it('describes a component as Statuspage does', () => {
    expect(byId('api')).toEqual({
      id: 'api',
      name: 'API',
      status: 'major_outage',
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2026-03-15T10:30:00.000Z',
      position: 1,
      description: 'Public API',
      showcase: true,
      start_date: '2025-06-01',
      group_id: 'core',
      page_id: 'page-1',
      group: false,
      only_show_if_degraded: false,
    });
  });

  it.each(['secret', 'queue', 'internal'])('leaves out hidden %s', (id) => {
    expect(byId(id)).toBeUndefined();
  });
});

describe('the order of components in every /api/v2 file', () => {
  // Two groups whose members share positions, an ungrouped component between them, ties
  // on position broken by name then id; given in a shuffled order.
  const groups = [
    makeGroup({ id: 'g-data', name: 'Data', position: 2 }),
    makeGroup({ id: 'g-core', name: 'Core', position: 1 }),
  ];
  const components = [
    makeComponent({ id: 'db', name: 'Database', groupId: 'g-data', position: 1 }),
    makeComponent({ id: 'web', name: 'Web', groupId: 'g-core', position: 2 }),
    makeComponent({ id: 'search', name: 'Search', groupId: 'g-data', position: 1 }),
    makeComponent({ id: 'docs', name: 'Docs', position: 2 }),
    makeComponent({ id: 'api-b', name: 'API', groupId: 'g-core', position: 1 }),
    makeComponent({ id: 'api-a', name: 'API', groupId: 'g-core', position: 1 }),
    makeComponent({ id: 'status', name: 'Status', position: 0 }),
  ];
  // Data and Docs share position 2
  const EXPECTED = ['status', 'g-core', 'api-a', 'api-b', 'web', 'g-data', 'db', 'search', 'docs'];

  it.each(['summary.json', 'components.json'])(
    '%s lists groups each followed by its members, by position, name and id',
    (file) => {
      const snapshot = makeSnapshot({ groups, components });
      expect(idsOf(render(file, snapshot).components)).toEqual(EXPECTED);
      const core = (render(file, snapshot).components as Json[]).find((c) => c.id === 'g-core')!;
      expect(core.components).toEqual(['api-a', 'api-b', 'web']);
    },
  );

  it('is the same whatever order the snapshot holds them in', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const shuffled = [...components].sort(
        (a, b) => ((a.id.charCodeAt(0) * seed) % 7) - ((b.id.charCodeAt(0) * seed) % 7),
      );
      const snapshot = makeSnapshot({ groups: [...groups].reverse(), components: shuffled });
      expect(idsOf(render('components.json', snapshot).components)).toEqual(EXPECTED);
    }
  });
});

describe('incidents', () => {
  it('describes an incident with its updates and components', () => {
    const [incident] = render('incidents/unresolved.json').incidents as Json[];
    expect(incident).toEqual({
      id: 'open',
      name: 'API errors',
      status: 'identified',
      created_at: '2026-03-15T10:30:00.000Z',
      updated_at: '2026-03-15T11:30:00.000Z',
      monitoring_at: null,
      resolved_at: null,
      impact: 'critical',
      shortlink: 'https://status.example.com/incidents/open/',
      started_at: '2026-03-15T10:30:00.000Z',
      page_id: 'page-1',
      incident_updates: [
        {
          id: 'u2',
          status: 'identified',
          body: 'Found it.',
          incident_id: 'open',
          created_at: '2026-03-15T11:30:00.000Z',
          updated_at: '2026-03-15T11:30:00.000Z',
          display_at: '2026-03-15T11:30:00.000Z',
          affected_components: [],
          deliver_notifications: false,
          custom_tweet: null,
          tweet_id: null,
        },
        {
          id: 'u1',
          status: 'investigating',
          body: 'Looking.',
          incident_id: 'open',
          created_at: '2026-03-15T10:30:00.000Z',
          updated_at: '2026-03-15T10:30:00.000Z',
          display_at: '2026-03-15T10:30:00.000Z',
          affected_components: [{ code: 'api', name: 'API', old_status: 'operational', new_status: 'major_outage' }],
          deliver_notifications: true,
          custom_tweet: null,
          tweet_id: null,
        },
      ],
      components: [(render('components.json').components as Json[]).find((c) => c.id === 'api')],
    });
  });

  it('gives a maintenance its schedule', () => {
    const [maintenance] = render('scheduled-maintenances/active.json').scheduled_maintenances as Json[];
    expect(maintenance).toMatchObject({
      id: 'running',
      status: 'in_progress',
      impact: 'maintenance',
      scheduled_for: '2026-03-15T11:40:00.000Z',
      scheduled_until: '2026-03-15T12:40:00.000Z',
    });
  });

  it('lists active then upcoming maintenances in summary.json', () => {
    expect(idsOf(render('summary.json').scheduled_maintenances)).toEqual(['running', 'sooner', 'later']);
  });

  it.each([
    ['incidents.json', 'incidents', 'incident'],
    ['scheduled-maintenances.json', 'scheduled_maintenances', 'maintenance'],
  ] as const)('%s lists the newest 50 of its kind only', (file, listKey, kind) => {
    const events = Array.from({ length: 130 }, (_, i) =>
      i % 2 === 0
        ? makeIncident({ id: `incident-${i}`, status: 'resolved' })
        : makeMaintenance({ id: `maintenance-${i}`, status: 'completed' }),
    );
    const expected = events
      .filter((e) => e.kind === kind)
      .slice(0, 50)
      .map((e) => e.id);
    expect(idsOf(render(file, makeSnapshot({ incidents: events }))[listKey])).toEqual(expected);
  });
});
