import { describe, expect, it } from 'vitest';
import {
  activeMaintenances,
  componentNames,
  findIncident,
  groupComponents,
  isActive,
  isUpdateOverdue,
  overallStatus,
  unresolvedIncidents,
  upcomingMaintenances,
  type ComponentView,
  type GroupView,
  type IncidentView,
} from '../../src/domain/snapshot.ts';
import type { EventStatus } from '../../src/domain/vocabulary.ts';
import {
  NOW,
  makeComponent,
  makeGroup,
  makeIncident,
  makeMaintenance,
  makeSnapshot,
  minutesAfter,
  minutesBefore,
} from './fixtures.ts';

const ids = (list: Array<{ id: string }>) => list.map((item) => item.id);

describe('groupComponents', () => {
  // Each row lists [group id or null, shown status, member ids] in page order.
  it.each<[string, GroupView[], ComponentView[], Array<[string | null, string, string[]]>]>([
    [
      'ungrouped components by position, then name',
      [],
      [
        makeComponent({ id: 'c', name: 'Gamma', position: 2 }),
        makeComponent({ id: 'b', name: 'Beta', position: 1 }),
        makeComponent({ id: 'a', name: 'Alpha', position: 1 }),
      ],
      [
        [null, 'operational', ['a']],
        [null, 'operational', ['b']],
        [null, 'operational', ['c']],
      ],
    ],
    [
      'groups interleaved with ungrouped components, members by position',
      [makeGroup({ id: 'core', position: 2 })],
      [
        makeComponent({ id: 'docs', position: 3 }),
        makeComponent({ id: 'api', groupId: 'core', position: 2 }),
        makeComponent({ id: 'auth', groupId: 'core', position: 1 }),
        makeComponent({ id: 'web', position: 1 }),
      ],
      [
        [null, 'operational', ['web']],
        ['core', 'operational', ['auth', 'api']],
        [null, 'operational', ['docs']],
      ],
    ],
    [
      "a group shows its worst member's status",
      [makeGroup({ id: 'core' })],
      [
        makeComponent({ id: 'api', groupId: 'core', status: 'degraded_performance' }),
        makeComponent({ id: 'auth', groupId: 'core', status: 'partial_outage', position: 1 }),
        makeComponent({ id: 'db', groupId: 'core', status: 'under_maintenance', position: 2 }),
      ],
      [['core', 'partial_outage', ['api', 'auth', 'db']]],
    ],
    [
      'a hidden group hides its members',
      [makeGroup({ id: 'internal', hidden: true })],
      [
        makeComponent({ id: 'queue', groupId: 'internal', status: 'major_outage' }),
        makeComponent({ id: 'web', position: 1 }),
      ],
      [[null, 'operational', ['web']]],
    ],
    [
      'a hidden component is left out of its group',
      [makeGroup({ id: 'core' })],
      [
        makeComponent({ id: 'api', groupId: 'core' }),
        makeComponent({ id: 'secret', groupId: 'core', hidden: true, status: 'major_outage' }),
      ],
      [['core', 'operational', ['api']]],
    ],
    [
      'only_show_if_degraded shows a component only while it is not operational',
      [],
      [
        makeComponent({ id: 'quiet', onlyShowIfDegraded: true }),
        makeComponent({ id: 'loud', onlyShowIfDegraded: true, status: 'degraded_performance', position: 1 }),
        makeComponent({ id: 'web', position: 2 }),
      ],
      [
        [null, 'degraded_performance', ['loud']],
        [null, 'operational', ['web']],
      ],
    ],
    [
      'a group without visible members is left out',
      [makeGroup({ id: 'empty' })],
      [makeComponent({ id: 'gone', groupId: 'empty', hidden: true })],
      [],
    ],
    [
      'a component of an unknown group is listed on its own',
      [],
      [makeComponent({ id: 'orphan', groupId: 'deleted' })],
      [[null, 'operational', ['orphan']]],
    ],
  ])('%s', (_case, groups, components, expected) => {
    const grouped = groupComponents(makeSnapshot({ groups, components }));
    expect(grouped.map((entry) => [entry.group?.id ?? null, entry.status, ids(entry.components)])).toEqual(expected);
  });
});

describe('overallStatus', () => {
  const operational = [makeComponent({ id: 'api' }), makeComponent({ id: 'web' })];

  it.each<[string, { groups?: GroupView[]; components?: ComponentView[]; incidents?: IncidentView[] }, string, string]>(
    [
      ['all operational', { components: operational }, 'none', 'All Systems Operational'],
      ['no components', {}, 'none', 'All Systems Operational'],
      [
        'components decide',
        { components: [makeComponent({ id: 'api', status: 'partial_outage' }), makeComponent({ id: 'web' })] },
        'minor',
        'Minor Service Outage',
      ],
      [
        'a hidden component does not count',
        { components: [...operational, makeComponent({ id: 'secret', hidden: true, status: 'major_outage' })] },
        'none',
        'All Systems Operational',
      ],
      [
        'an open incident raises the page',
        { components: operational, incidents: [makeIncident({ id: 'i1', impact: 'major' })] },
        'major',
        'Partial System Outage',
      ],
      [
        'a resolved incident does not',
        { components: operational, incidents: [makeIncident({ id: 'i1', status: 'resolved', impact: 'critical' })] },
        'none',
        'All Systems Operational',
      ],
      [
        'a postmortem does not',
        { components: operational, incidents: [makeIncident({ id: 'i1', status: 'postmortem', impact: 'critical' })] },
        'none',
        'All Systems Operational',
      ],
      [
        'a scheduled maintenance does not',
        { components: operational, incidents: [makeMaintenance({ id: 'm1' })] },
        'none',
        'All Systems Operational',
      ],
      [
        'a maintenance in progress does',
        { components: operational, incidents: [makeMaintenance({ id: 'm1', status: 'in_progress' })] },
        'maintenance',
        'Service Under Maintenance',
      ],
      [
        'a maintenance being verified does',
        { components: operational, incidents: [makeMaintenance({ id: 'm1', status: 'verifying' })] },
        'maintenance',
        'Service Under Maintenance',
      ],
      [
        'a completed maintenance does not',
        { components: operational, incidents: [makeMaintenance({ id: 'm1', status: 'completed' })] },
        'none',
        'All Systems Operational',
      ],
      // The banner must agree with the components the page lists.
      [
        'a member of a hidden group does not count',
        {
          groups: [makeGroup({ id: 'internal', hidden: true })],
          components: [...operational, makeComponent({ id: 'queue', groupId: 'internal', status: 'major_outage' })],
        },
        'none',
        'All Systems Operational',
      ],
    ],
  )('%s', (_case, parts, indicator, description) => {
    expect(overallStatus(makeSnapshot(parts))).toEqual({ indicator, description });
  });
});

describe('isActive', () => {
  it.each<[IncidentView['kind'], EventStatus, boolean]>([
    ['incident', 'investigating', true],
    ['incident', 'identified', true],
    ['incident', 'monitoring', true],
    ['incident', 'resolved', false],
    ['incident', 'postmortem', false],
    ['maintenance', 'scheduled', false],
    ['maintenance', 'in_progress', true],
    ['maintenance', 'verifying', true],
    ['maintenance', 'completed', false],
  ])('a %s that is %s: %s', (kind, status, expected) => {
    expect(isActive(makeIncident({ id: 'x', kind, status }))).toBe(expected);
  });
});

describe('isUpdateOverdue', () => {
  it.each<[string, Partial<IncidentView>, boolean]>([
    ['open and past due', { nextUpdateDueAt: minutesBefore(NOW, 1) }, true],
    ['open and due later', { nextUpdateDueAt: minutesAfter(NOW, 1) }, false],
    ['open and due right now', { nextUpdateDueAt: NOW }, false],
    ['open with no update promised', { nextUpdateDueAt: null }, false],
    ['resolved and past due', { status: 'resolved', nextUpdateDueAt: minutesBefore(NOW, 30) }, false],
    [
      'maintenance in progress and past due',
      { kind: 'maintenance', status: 'in_progress', nextUpdateDueAt: minutesBefore(NOW, 30) },
      true,
    ],
    [
      'maintenance scheduled and past due',
      { kind: 'maintenance', status: 'scheduled', nextUpdateDueAt: minutesBefore(NOW, 30) },
      false,
    ],
  ])('%s: %s', (_case, overrides, expected) => {
    expect(isUpdateOverdue(makeIncident({ id: 'x', ...overrides }), NOW)).toBe(expected);
  });
});

describe('event lists', () => {
  const snapshot = makeSnapshot({
    incidents: [
      makeIncident({ id: 'open' }),
      makeMaintenance({ id: 'later', scheduledFor: minutesAfter(NOW, 600) }),
      makeMaintenance({ id: 'running', status: 'in_progress' }),
      makeIncident({ id: 'closed', status: 'resolved' }),
      makeMaintenance({ id: 'sooner', scheduledFor: minutesAfter(NOW, 60) }),
      makeMaintenance({ id: 'checking', status: 'verifying' }),
      makeMaintenance({ id: 'done', status: 'completed' }),
    ],
  });

  it.each<[string, (s: typeof snapshot) => IncidentView[], string[]]>([
    ['unresolvedIncidents', unresolvedIncidents, ['open']],
    ['activeMaintenances', activeMaintenances, ['running', 'checking']],
    ['upcomingMaintenances (soonest first)', upcomingMaintenances, ['sooner', 'later']],
  ])('%s', (_case, list, expected) => {
    expect(ids(list(snapshot))).toEqual(expected);
  });
});

describe('componentNames', () => {
  it('names components in the order asked, skipping deleted ones', () => {
    const snapshot = makeSnapshot({
      components: [makeComponent({ id: 'api', name: 'API' }), makeComponent({ id: 'web', name: 'Website' })],
    });
    expect(componentNames(snapshot, ['web', 'gone', 'api'])).toEqual(['Website', 'API']);
  });
});

describe('findIncident', () => {
  it('finds every incident and no other, however often it is asked (scanning first, then by index)', () => {
    const incidents = Array.from({ length: 50 }, (_, n) => makeIncident({ id: `incident${n}` }));
    const snapshot = makeSnapshot({ incidents });
    for (let round = 0; round < 2; round++) {
      for (const incident of incidents) expect(findIncident(snapshot, incident.id)).toBe(incident);
      expect(findIncident(snapshot, 'gone')).toBeUndefined();
      expect(findIncident(snapshot, undefined)).toBeUndefined();
    }
  });
});
