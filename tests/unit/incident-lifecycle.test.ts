import { describe, expect, it } from 'vitest';
import { isRuleViolation } from '../../src/domain/errors.ts';
import {
  impactAfterUpdate,
  nextUpdateDueAfter,
  allowedNextStatuses,
  planUpdate,
  type ComponentRef,
  type ComponentTransition,
  type EventState,
  type UpdatePlanInput,
} from '../../src/domain/incident-lifecycle.ts';
import type { ComponentStatus, EventKind, EventStatus } from '../../src/domain/vocabulary.ts';
import { NOW, minutesBefore } from './fixtures.ts';

const T0 = minutesBefore(NOW, 120);
const T1 = minutesBefore(NOW, 60);
const T2 = minutesBefore(NOW, 30);

const COMPONENTS = new Map<string, ComponentRef>(
  [
    { id: 'api', name: 'API', status: 'major_outage' as const },
    { id: 'web', name: 'Website', status: 'degraded_performance' as const },
    { id: 'db', name: 'Database', status: 'operational' as const },
    { id: 'cdn', name: 'CDN', status: 'under_maintenance' as const },
  ].map((c) => [c.id, c]),
);

function state(kind: EventKind, status: EventStatus, times: Partial<EventState> = {}): EventState {
  return { kind, status, startedAt: T0, monitoringAt: null, resolvedAt: null, ...times };
}

function plan(input: Partial<UpdatePlanInput>) {
  return planUpdate({
    current: null,
    kind: 'incident',
    status: 'investigating',
    componentChanges: {},
    previouslyAffected: [],
    components: COMPONENTS,
    now: NOW,
    ...input,
  });
}

function violationOf(run: () => unknown): { code: string; field: string | undefined } {
  try {
    run();
  } catch (error) {
    if (isRuleViolation(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected a RuleViolation, nothing was thrown');
}

const move = (
  id: string,
  name: string,
  oldStatus: ComponentStatus,
  newStatus: ComponentStatus,
): ComponentTransition => ({
  id,
  name,
  oldStatus,
  newStatus,
});

describe('allowedNextStatuses', () => {
  const OPEN_INCIDENT = ['investigating', 'identified', 'monitoring', 'resolved'];

  it.each<[EventKind, EventStatus | null, EventStatus[]]>([
    ['incident', null, OPEN_INCIDENT as EventStatus[]],
    ['incident', 'investigating', OPEN_INCIDENT as EventStatus[]],
    ['incident', 'monitoring', OPEN_INCIDENT as EventStatus[]],
    // A resolved incident may be reopened, but postmortem is never reached by an update.
    ['incident', 'resolved', OPEN_INCIDENT as EventStatus[]],
    ['incident', 'postmortem', ['postmortem']],
    ['maintenance', null, ['scheduled', 'in_progress']],
    ['maintenance', 'scheduled', ['scheduled', 'in_progress', 'verifying', 'completed']],
    ['maintenance', 'in_progress', ['in_progress', 'verifying', 'completed']],
    ['maintenance', 'verifying', ['verifying', 'completed']],
    ['maintenance', 'completed', ['completed']],
  ])('a %s at %s may move to %j', (kind, current, expected) => {
    expect(allowedNextStatuses(kind, current)).toEqual(expected);
  });
});

describe('planUpdate', () => {
  describe('rejects a status the event cannot take', () => {
    it.each<[EventKind, EventStatus | null, EventStatus, string]>([
      ['incident', null, 'postmortem', 'invalid_transition'],
      ['incident', 'resolved', 'postmortem', 'invalid_transition'],
      ['incident', 'postmortem', 'investigating', 'invalid_transition'],
      ['maintenance', null, 'verifying', 'invalid_transition'],
      ['maintenance', null, 'completed', 'invalid_transition'],
      ['maintenance', 'in_progress', 'scheduled', 'invalid_transition'],
      ['maintenance', 'completed', 'in_progress', 'invalid_transition'],
      ['incident', null, 'scheduled', 'invalid_status'],
      ['incident', 'investigating', 'completed', 'invalid_status'],
      ['maintenance', 'in_progress', 'resolved', 'invalid_status'],
    ])('%s from %s to %s: %s', (kind, current, status, code) => {
      const violation = violationOf(() =>
        plan({ kind, status, current: current === null ? null : state(kind, current) }),
      );
      expect(violation).toEqual({ code, field: 'status' });
    });
  });

  it('names the unknown component in the field of its violation', () => {
    const violation = violationOf(() => plan({ componentChanges: { api: 'partial_outage', ghost: 'major_outage' } }));
    expect(violation).toEqual({ code: 'unknown_component', field: 'components.ghost' });
  });

  describe('lifecycle timestamps', () => {
    it.each<[string, EventState | null, EventKind, EventStatus, Partial<EventState>]>([
      [
        'a new incident starts now',
        null,
        'incident',
        'investigating',
        { startedAt: NOW, monitoringAt: null, resolvedAt: null },
      ],
      [
        'a new incident opened as resolved',
        null,
        'incident',
        'resolved',
        { startedAt: NOW, monitoringAt: null, resolvedAt: NOW },
      ],
      [
        'an update keeps the start',
        state('incident', 'investigating'),
        'incident',
        'identified',
        { startedAt: T0, monitoringAt: null, resolvedAt: null },
      ],
      [
        'monitoring is stamped once',
        state('incident', 'identified'),
        'incident',
        'monitoring',
        { startedAt: T0, monitoringAt: NOW, resolvedAt: null },
      ],
      [
        'monitoring again keeps the first stamp',
        state('incident', 'monitoring', { monitoringAt: T1 }),
        'incident',
        'monitoring',
        { monitoringAt: T1 },
      ],
      [
        'resolving stamps resolvedAt',
        state('incident', 'monitoring', { monitoringAt: T1 }),
        'incident',
        'resolved',
        { startedAt: T0, monitoringAt: T1, resolvedAt: NOW },
      ],
      [
        'resolving again keeps the first stamp',
        state('incident', 'resolved', { resolvedAt: T2 }),
        'incident',
        'resolved',
        { resolvedAt: T2 },
      ],
      [
        'reopening clears resolvedAt',
        state('incident', 'resolved', { monitoringAt: T1, resolvedAt: T2 }),
        'incident',
        'investigating',
        { startedAt: T0, monitoringAt: T1, resolvedAt: null },
      ],
      [
        'a new maintenance in progress starts now',
        null,
        'maintenance',
        'in_progress',
        { startedAt: NOW, monitoringAt: null, resolvedAt: null },
      ],
      [
        'a scheduled maintenance starts when it goes in progress',
        state('maintenance', 'scheduled'),
        'maintenance',
        'in_progress',
        { startedAt: NOW },
      ],
      [
        'a maintenance in progress keeps its start',
        state('maintenance', 'in_progress', { startedAt: T1 }),
        'maintenance',
        'in_progress',
        { startedAt: T1 },
      ],
      [
        'verifying stamps monitoringAt',
        state('maintenance', 'in_progress', { startedAt: T1 }),
        'maintenance',
        'verifying',
        { startedAt: T1, monitoringAt: NOW, resolvedAt: null },
      ],
      [
        'completing stamps resolvedAt',
        state('maintenance', 'verifying', { startedAt: T1, monitoringAt: T2 }),
        'maintenance',
        'completed',
        { startedAt: T1, monitoringAt: T2, resolvedAt: NOW },
      ],
    ])('%s', (_case, current, kind, status, expected) => {
      const result = plan({ current, kind, status });
      expect(result).toMatchObject({ kind, status, ...expected });
    });
  });

  describe('component transitions', () => {
    it.each<[string, Partial<UpdatePlanInput>, ComponentTransition[]]>([
      [
        'an explicit change moves the component',
        { componentChanges: { api: 'partial_outage' } },
        [move('api', 'API', 'major_outage', 'partial_outage')],
      ],
      [
        'an explicit change to the same status is still recorded',
        { componentChanges: { db: 'operational' } },
        [move('db', 'Database', 'operational', 'operational')],
      ],
      [
        'an open update leaves earlier components alone',
        { current: state('incident', 'investigating'), status: 'identified', previouslyAffected: ['api', 'web'] },
        [],
      ],
      [
        'resolving returns affected components to operational',
        { current: state('incident', 'monitoring'), status: 'resolved', previouslyAffected: ['api', 'web', 'db'] },
        [
          move('api', 'API', 'major_outage', 'operational'),
          move('web', 'Website', 'degraded_performance', 'operational'),
        ],
      ],
      [
        'resolving honours a change requested with it',
        {
          current: state('incident', 'monitoring'),
          status: 'resolved',
          previouslyAffected: ['api', 'web'],
          componentChanges: { api: 'degraded_performance' },
        },
        [
          move('api', 'API', 'major_outage', 'degraded_performance'),
          move('web', 'Website', 'degraded_performance', 'operational'),
        ],
      ],
      [
        'a component deleted since an earlier update drops out',
        { current: state('incident', 'monitoring'), status: 'resolved', previouslyAffected: ['gone', 'api'] },
        [move('api', 'API', 'major_outage', 'operational')],
      ],
      [
        'a scheduled maintenance changes nothing',
        { kind: 'maintenance', status: 'scheduled', componentChanges: { db: 'under_maintenance' } },
        [],
      ],
      [
        'a maintenance going in progress puts its components under maintenance',
        {
          kind: 'maintenance',
          current: state('maintenance', 'scheduled'),
          status: 'in_progress',
          previouslyAffected: ['db', 'web'],
        },
        [
          move('db', 'Database', 'operational', 'under_maintenance'),
          move('web', 'Website', 'degraded_performance', 'under_maintenance'),
        ],
      ],
      [
        'a new maintenance in progress puts requested components under maintenance',
        { kind: 'maintenance', status: 'in_progress', componentChanges: { db: 'under_maintenance' } },
        [move('db', 'Database', 'operational', 'under_maintenance')],
      ],
      [
        'verifying leaves components under maintenance',
        {
          kind: 'maintenance',
          current: state('maintenance', 'in_progress'),
          status: 'verifying',
          previouslyAffected: ['cdn'],
        },
        [],
      ],
      [
        'completing returns components to operational',
        {
          kind: 'maintenance',
          current: state('maintenance', 'verifying'),
          status: 'completed',
          previouslyAffected: ['cdn'],
        },
        [move('cdn', 'CDN', 'under_maintenance', 'operational')],
      ],
      // Cancelling a maintenance that never started must not reset an outage an incident set.
      [
        'cancelling a scheduled maintenance leaves its components alone',
        {
          kind: 'maintenance',
          current: state('maintenance', 'scheduled'),
          status: 'completed',
          previouslyAffected: ['api'],
        },
        [],
      ],
    ])('%s', (_case, input, expected) => {
      expect(plan(input).transitions).toEqual(expected);
    });
  });
});

describe('impactAfterUpdate', () => {
  const outage = [{ id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'major_outage' }] as const;
  const degraded = [{ id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'degraded_performance' }] as const;
  it.each([
    ['raises an incident to what its components imply', 'incident', 'none', outage, undefined, 'critical'],
    ['never lowers it by itself', 'incident', 'critical', degraded, undefined, 'critical'],
    ['keeps it without component changes', 'incident', 'major', [], undefined, 'major'],
    ['keeps a maintenance a maintenance', 'maintenance', 'maintenance', outage, undefined, 'maintenance'],
    ['lets an override win', 'incident', 'critical', outage, 'minor', 'minor'],
  ] as const)('%s', (_label, kind, current, transitions, override, expected) => {
    expect(impactAfterUpdate({ kind, current, transitions, override })).toBe(expected);
  });
});

describe('nextUpdateDueAfter', () => {
  const now = new Date('2026-03-15T12:00:00Z');
  const promised = new Date('2026-03-15T12:30:00Z');
  it.each([
    ['keeps the promise when the update says nothing', false, promised, undefined, promised],
    ['sets a new one from now', false, promised, 45, new Date('2026-03-15T12:45:00Z')],
    ['withdraws it on null', false, promised, null, null],
    ['drops it once the event is closed', true, promised, 45, null],
  ] as const)('%s', (_label, closed, current, inMinutes, expected) => {
    expect(nextUpdateDueAfter({ closed, current, inMinutes, now })).toEqual(expected);
  });
});
