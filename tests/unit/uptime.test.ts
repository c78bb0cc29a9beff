import { describe, expect, it } from 'vitest';
import { calendarDayCount, describeDay, pageUptime, todayStandsStill } from '../../src/domain/page-uptime.ts';
import {
  dailyUptime,
  daySpans,
  formatUptime,
  groupDays,
  groupUptimePercent,
  severityShade,
  startOfDay,
  uptimePercent,
  type DayUptime,
  type StatusChange,
} from '../../src/domain/uptime.ts';
import type { ComponentStatus } from '../../src/domain/vocabulary.ts';
import { makeComponent, makeGroup, makeIncident, makeSnapshot, NOW } from './fixtures.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const change = (status: ComponentStatus, iso: string): StatusChange => ({ status, changedAt: at(iso) });

describe('startOfDay and daySpans', () => {
  it.each<[string, string, string, string, number]>([
    ['a plain UTC day', 'UTC', '2026-03-10', '2026-03-10T00:00:00.000Z', 24],
    ['Berlin in winter', 'Europe/Berlin', '2026-03-10', '2026-03-09T23:00:00.000Z', 24],
    ['Berlin on the spring change (23 h)', 'Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z', 23],
    ['Berlin the day after it', 'Europe/Berlin', '2026-03-30', '2026-03-29T22:00:00.000Z', 24],
    ['Berlin on the autumn change (25 h)', 'Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00.000Z', 25],
    ['New York on its spring change', 'America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z', 23],
    [
      'Santiago, where midnight is skipped: the day starts at 01:00',
      'America/Santiago',
      '2026-09-06',
      '2026-09-06T04:00:00.000Z',
      23,
    ],
    ['Kolkata (half-hour offset)', 'Asia/Kolkata', '2026-03-10', '2026-03-09T18:30:00.000Z', 24],
  ])('%s', (_case, zone, day, start, hours) => {
    expect(startOfDay(day, zone).toISOString()).toBe(start);
    // The day's span, as the last of the spans ending with it.
    const [span] = daySpans(new Date(startOfDay(day, zone).getTime() + HOUR * 1.5), zone, 1);
    expect(span!.day).toBe(day);
    expect(span!.start.toISOString()).toBe(start);
    expect((span!.end.getTime() - span!.start.getTime()) / HOUR).toBe(hours);
  });

  it('lists the days oldest first, each ending where the next begins, across a DST change', () => {
    const spans = daySpans(at('2026-03-30T10:00:00Z'), 'Europe/Berlin', 4);
    expect(spans.map((s) => s.day)).toEqual(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toEqual(spans[i - 1]!.end);
    expect(spans.map((s) => (s.end.getTime() - s.start.getTime()) / HOUR)).toEqual([24, 24, 23, 24]);
  });
});

interface DayExpectation {
  day: string;
  worst: ComponentStatus | null;
  uptime: number | null;
  observedHours: number;
}

describe('dailyUptime', () => {
  // Three UTC days ending on Tuesday 2026-03-10 at 12:00.
  const NOW = at('2026-03-10T12:00:00Z');
  const SINCE_LONG_AGO = [change('operational', '2025-01-01T00:00:00Z')];
  const daysOf = (
    changes: StatusChange[],
    options: { since?: Date; now?: Date; zone?: string; weight?: number; days?: number } = {},
  ) =>
    dailyUptime(
      { changes, since: options.since ?? null },
      {
        timeZone: options.zone ?? 'UTC',
        now: options.now ?? NOW,
        days: options.days ?? 3,
        ...(options.weight !== undefined ? { partialOutageWeight: options.weight } : {}),
      },
    ).map((d): DayExpectation => ({
      day: d.day,
      worst: d.worst,
      uptime: d.uptime === null ? null : Number(d.uptime.toFixed(4)),
      observedHours: d.observedMs / HOUR,
    }));

  it.each<[string, StatusChange[], Parameters<typeof daysOf>[1], DayExpectation[]]>([
    [
      'operational throughout; today counts up to now',
      SINCE_LONG_AGO,
      {},
      [
        { day: '2026-03-08', worst: 'operational', uptime: 100, observedHours: 24 },
        { day: '2026-03-09', worst: 'operational', uptime: 100, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'a major outage of 2 h counts fully',
      [
        ...SINCE_LONG_AGO,
        change('major_outage', '2026-03-08T10:00:00Z'),
        change('operational', '2026-03-08T12:00:00Z'),
      ],
      {},
      [
        { day: '2026-03-08', worst: 'major_outage', uptime: 91.6667, observedHours: 24 },
        { day: '2026-03-09', worst: 'operational', uptime: 100, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'a partial outage of 10 h counts 30%: 3 h down',
      [
        ...SINCE_LONG_AGO,
        change('partial_outage', '2026-03-09T00:00:00Z'),
        change('operational', '2026-03-09T10:00:00Z'),
      ],
      {},
      [
        { day: '2026-03-08', worst: 'operational', uptime: 100, observedHours: 24 },
        { day: '2026-03-09', worst: 'partial_outage', uptime: 87.5, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'the partial-outage weight is configurable',
      [
        ...SINCE_LONG_AGO,
        change('partial_outage', '2026-03-09T00:00:00Z'),
        change('operational', '2026-03-09T12:00:00Z'),
      ],
      { weight: 0.5, days: 2 },
      [
        { day: '2026-03-09', worst: 'partial_outage', uptime: 75, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'degraded performance and maintenance are not downtime, but colour the day',
      [
        ...SINCE_LONG_AGO,
        change('degraded_performance', '2026-03-08T01:00:00Z'),
        change('operational', '2026-03-08T09:00:00Z'),
        change('under_maintenance', '2026-03-09T02:00:00Z'),
        change('operational', '2026-03-09T04:00:00Z'),
      ],
      {},
      [
        { day: '2026-03-08', worst: 'degraded_performance', uptime: 100, observedHours: 24 },
        { day: '2026-03-09', worst: 'under_maintenance', uptime: 100, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'an outage spanning midnight is split between the two days',
      [
        ...SINCE_LONG_AGO,
        change('major_outage', '2026-03-08T22:00:00Z'),
        change('operational', '2026-03-09T04:00:00Z'),
      ],
      {},
      [
        { day: '2026-03-08', worst: 'major_outage', uptime: 91.6667, observedHours: 24 },
        { day: '2026-03-09', worst: 'major_outage', uptime: 83.3333, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'an outage still going on counts up to now only',
      [...SINCE_LONG_AGO, change('major_outage', '2026-03-10T09:00:00Z')],
      { days: 1 },
      [{ day: '2026-03-10', worst: 'major_outage', uptime: 75, observedHours: 12 }],
    ],
    [
      'the status before the window comes from the change before it',
      [change('major_outage', '2026-03-01T00:00:00Z'), change('operational', '2026-03-09T06:00:00Z')],
      {},
      [
        { day: '2026-03-08', worst: 'major_outage', uptime: 0, observedHours: 24 },
        { day: '2026-03-09', worst: 'major_outage', uptime: 75, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'a component created mid-window: no data before, a partial first day',
      [change('operational', '2026-03-09T18:00:00Z')],
      {},
      [
        { day: '2026-03-08', worst: null, uptime: null, observedHours: 0 },
        { day: '2026-03-09', worst: 'operational', uptime: 100, observedHours: 6 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'a start date later than the first change hides the days before it',
      [change('major_outage', '2026-03-01T00:00:00Z'), change('operational', '2026-03-09T06:00:00Z')],
      { since: at('2026-03-09T00:00:00Z') },
      [
        { day: '2026-03-08', worst: null, uptime: null, observedHours: 0 },
        { day: '2026-03-09', worst: 'major_outage', uptime: 75, observedHours: 24 },
        { day: '2026-03-10', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'an earlier start date than the first change: operational until then',
      [change('major_outage', '2026-03-09T12:00:00Z')],
      { since: at('2026-03-08T12:00:00Z') },
      [
        { day: '2026-03-08', worst: 'operational', uptime: 100, observedHours: 12 },
        { day: '2026-03-09', worst: 'major_outage', uptime: 50, observedHours: 24 },
        { day: '2026-03-10', worst: 'major_outage', uptime: 0, observedHours: 12 },
      ],
    ],
    [
      'no history at all: no data',
      [],
      {},
      ['2026-03-08', '2026-03-09', '2026-03-10'].map((day) => ({ day, worst: null, uptime: null, observedHours: 0 })),
    ],
    [
      'a status held for no time does not colour the day',
      [
        ...SINCE_LONG_AGO,
        change('major_outage', '2026-03-10T06:00:00Z'),
        change('degraded_performance', '2026-03-10T06:00:00Z'),
        change('operational', '2026-03-10T07:00:00Z'),
      ],
      { days: 1 },
      [{ day: '2026-03-10', worst: 'degraded_performance', uptime: 100, observedHours: 12 }],
    ],
    [
      'Berlin, 2026-03-29 has 23 hours: an all-day outage is 23 h of downtime',
      [
        ...SINCE_LONG_AGO,
        change('major_outage', '2026-03-28T23:00:00Z'),
        change('operational', '2026-03-29T22:00:00Z'),
      ],
      { zone: 'Europe/Berlin', now: at('2026-03-30T10:00:00Z'), days: 3 },
      [
        { day: '2026-03-28', worst: 'operational', uptime: 100, observedHours: 24 },
        { day: '2026-03-29', worst: 'major_outage', uptime: 0, observedHours: 23 },
        { day: '2026-03-30', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
    [
      'Berlin, 2026-10-25 has 25 hours: 5 h of outage is 20% of it',
      [
        ...SINCE_LONG_AGO,
        change('major_outage', '2026-10-25T00:00:00Z'),
        change('operational', '2026-10-25T05:00:00Z'),
      ],
      { zone: 'Europe/Berlin', now: at('2026-10-26T11:00:00Z'), days: 2 },
      [
        { day: '2026-10-25', worst: 'major_outage', uptime: 80, observedHours: 25 },
        { day: '2026-10-26', worst: 'operational', uptime: 100, observedHours: 12 },
      ],
    ],
  ])('%s', (_case, changes, options, expected) => {
    expect(daysOf(changes, options)).toEqual(expected);
  });

  it('records how long each status lasted', () => {
    const [day] = dailyUptime(
      {
        changes: [
          ...SINCE_LONG_AGO,
          change('partial_outage', '2026-03-10T01:00:00Z'),
          change('major_outage', '2026-03-10T02:30:00Z'),
          change('operational', '2026-03-10T03:00:00Z'),
        ],
      },
      { timeZone: 'UTC', now: NOW, days: 1 },
    );
    expect(day!.durations).toEqual({ operational: 10 * HOUR, partial_outage: 1.5 * HOUR, major_outage: 0.5 * HOUR });
    expect(day!.downtimeMs).toBeCloseTo(0.5 * HOUR + 0.3 * 1.5 * HOUR);
  });
});

const day = (overrides: Partial<DayUptime> & { day: string }): DayUptime => ({
  observedMs: 24 * HOUR,
  durations: { operational: 24 * HOUR },
  downtimeMs: 0,
  worst: 'operational',
  uptime: 100,
  ...overrides,
});
const NO_DATA = (d: string): DayUptime => ({
  day: d,
  observedMs: 0,
  durations: {},
  downtimeMs: 0,
  worst: null,
  uptime: null,
});

describe('uptimePercent', () => {
  it.each<[string, DayUptime[], number | undefined, number | null]>([
    ['all up', [day({ day: 'a' }), day({ day: 'b' })], undefined, 100],
    ['6 h down over two days', [day({ day: 'a', downtimeMs: 6 * HOUR }), day({ day: 'b' })], undefined, 87.5],
    [
      'days without data do not count as up',
      [NO_DATA('a'), NO_DATA('b'), day({ day: 'c', downtimeMs: 12 * HOUR })],
      undefined,
      50,
    ],
    [
      'a partial day weighs by its length',
      [day({ day: 'a' }), day({ day: 'b', observedMs: 12 * HOUR, downtimeMs: 12 * HOUR })],
      undefined,
      66.66666666666667,
    ],
    ['only the last N days', [day({ day: 'a', downtimeMs: 24 * HOUR }), day({ day: 'b' })], 1, 100],
    ['no data at all', [NO_DATA('a')], undefined, null],
  ])('%s', (_case, days, count, expected) => {
    const result = uptimePercent(days, count);
    if (expected === null) expect(result).toBeNull();
    else expect(result).toBeCloseTo(expected, 9);
  });
});

describe('groupDays and groupUptimePercent', () => {
  const api = [
    day({ day: 'a' }),
    day({
      day: 'b',
      worst: 'partial_outage',
      durations: { partial_outage: 2 * HOUR, operational: 22 * HOUR },
      downtimeMs: 0.6 * HOUR,
      uptime: 97.5,
    }),
    NO_DATA('c'),
  ];
  const web = [
    NO_DATA('a'),
    day({
      day: 'b',
      worst: 'major_outage',
      durations: { major_outage: HOUR / 2, operational: 23.5 * HOUR },
      downtimeMs: HOUR / 2,
      uptime: 97.9,
    }),
    NO_DATA('c'),
  ];

  it('shows the worst member status, averages the uptime of members with data, and is "no data" when none has any', () => {
    const days = groupDays([api, web]);
    expect(days.map((d) => [d.day, d.worst, d.uptime])).toEqual([
      ['a', 'operational', 100],
      ['b', 'major_outage', (97.5 + 97.9) / 2],
      ['c', null, null],
    ]);
    expect(days[1]!.durations).toEqual({ operational: 23.5 * HOUR, partial_outage: 2 * HOUR, major_outage: HOUR / 2 });
  });

  it("averages the members' percentages over the period, leaving out members without data", () => {
    expect(groupUptimePercent([api, web])).toBeCloseTo((uptimePercent(api)! + uptimePercent(web)!) / 2, 9);
    expect(groupUptimePercent([api, [NO_DATA('a')]])).toBeCloseTo(uptimePercent(api)!, 9);
    expect(groupUptimePercent([[NO_DATA('a')]])).toBeNull();
  });
});

describe('formatUptime and severityShade', () => {
  it.each<[number | null, string]>([
    [100, '100%'],
    [99.999, '99.99%'],
    [99.95, '99.95%'],
    [91.66666, '91.66%'],
    [87.5, '87.5%'],
    [0, '0%'],
    [null, 'no data'],
  ])('%s reads %s', (percent, text) => {
    expect(formatUptime(percent)).toBe(text);
  });

  it.each<[string, DayUptime, 1 | 2 | 3]>([
    [
      'a ten-minute outage is light',
      day({ day: 'a', worst: 'major_outage', durations: { major_outage: 10 * 60_000 } }),
      1,
    ],
    ['a three-hour one is medium', day({ day: 'a', worst: 'major_outage', durations: { major_outage: 3 * HOUR } }), 2],
    ['a six-hour one is full', day({ day: 'a', worst: 'partial_outage', durations: { partial_outage: 6 * HOUR } }), 3],
    ['an operational day is full', day({ day: 'a' }), 3],
  ])('%s', (_case, d, shade) => {
    expect(severityShade(d)).toBe(shade);
  });
});

describe('pageUptime', () => {
  const NOW = at('2026-03-15T12:00:00Z');
  const snapshot = makeSnapshot({
    now: NOW,
    groups: [makeGroup({ id: 'core' })],
    components: [
      makeComponent({ id: 'api', groupId: 'core', position: 1 }),
      makeComponent({ id: 'web', groupId: 'core', position: 2, startDate: at('2026-03-14T00:00:00Z') }),
      makeComponent({ id: 'quiet', showcase: false }),
      makeComponent({ id: 'secret', hidden: true }),
    ],
    statusChanges: {
      api: [
        change('operational', '2025-01-01T00:00:00Z'),
        change('major_outage', '2026-03-14T10:00:00Z'),
        change('operational', '2026-03-14T16:00:00Z'),
      ],
      web: [change('operational', '2025-01-01T00:00:00Z')],
      quiet: [change('operational', '2025-01-01T00:00:00Z')],
      secret: [change('operational', '2025-01-01T00:00:00Z')],
    },
    incidents: [
      makeIncident({
        id: 'outage',
        name: 'API down',
        componentIds: ['api'],
        startedAt: at('2026-03-14T10:00:00Z'),
        resolvedAt: at('2026-03-14T16:00:00Z'),
        status: 'resolved',
      }),
      makeIncident({
        id: 'old',
        name: 'Long ago',
        componentIds: ['api'],
        startedAt: at('2025-06-01T10:00:00Z'),
        resolvedAt: at('2025-06-01T11:00:00Z'),
        status: 'resolved',
      }),
    ],
  });
  const uptime = pageUptime(snapshot, 3);

  it('has a row for each listed component that showcases uptime, and one per group', () => {
    expect([...uptime.components.keys()]).toEqual(['api', 'web']);
    expect([...uptime.groups.keys()]).toEqual(['core']);
  });

  it('marks each day with its worst status and the incidents under way', () => {
    const api = uptime.components.get('api')!;
    expect(api.days.map((d) => [d.day, d.worst, d.events.map((e) => e.name)])).toEqual([
      ['2026-03-13', 'operational', []],
      ['2026-03-14', 'major_outage', ['API down']],
      ['2026-03-15', 'operational', []],
    ]);
    expect(api.whole).toBeCloseTo(100 * (1 - 6 / 60), 9);
  });

  it("starts a component at its start date, and a group shows its members' days", () => {
    expect(uptime.components.get('web')!.days.map((d) => d.worst)).toEqual([null, 'operational', 'operational']);
    const group = uptime.groups.get('core')!;
    expect(group.days.map((d) => [d.worst, d.events.map((e) => e.id)])).toEqual([
      ['operational', []],
      ['major_outage', ['outage']],
      ['operational', []],
    ]);
    expect(group.whole).toBeCloseTo((100 * (1 - 6 / 60) + 100) / 2, 9);
  });

  it.each([
    [0, 100],
    [0.3, 100 * (1 - (0.3 * 6) / 60)],
    [0.5, 100 * (1 - (0.5 * 6) / 60)],
    [1, 100 * (1 - 6 / 60)],
  ])("counts a partial outage at the page's weight %d", (weight, whole) => {
    const partial = {
      ...snapshot,
      page: { ...snapshot.page, partialOutageWeight: weight },
      statusChanges: {
        ...snapshot.statusChanges,
        api: [
          change('operational', '2025-01-01T00:00:00Z'),
          change('partial_outage', '2026-03-14T10:00:00Z'),
          change('operational', '2026-03-14T16:00:00Z'),
        ],
      },
    };
    const api = pageUptime(partial, 3).components.get('api')!;
    expect(api.days[1]!.worst).toBe('partial_outage');
    expect(api.whole).toBeCloseTo(whole, 9);
  });

  it('counts the days of a 12-month calendar', () => {
    // 2025-04-01 through 2026-03-15: 30+31+30+31+31+30+31+30+31 (Apr-Dec) + 31+28 + 15.
    expect(calendarDayCount(NOW, 'UTC')).toBe(349);
    expect(calendarDayCount(at('2026-01-01T00:30:00Z'), 'Europe/Berlin')).toBe(
      31 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 - 31 + 1,
    );
  });
});

describe('describeDay', () => {
  it.each<[string, Parameters<typeof describeDay>[0], string]>([
    ['a quiet day', { ...day({ day: 'a' }), events: [] }, '100% uptime. No incidents.'],
    ['no data', { ...NO_DATA('a'), events: [] }, 'No data.'],
    [
      'an outage, in words as well as colour',
      {
        ...day({
          day: 'a',
          worst: 'partial_outage',
          durations: { partial_outage: 2 * HOUR + 5 * 60_000 },
          uptime: 97.39,
        }),
        events: [
          { id: 'i', name: 'Checkout errors' },
          { id: 'j', name: 'Slow search' },
        ],
      },
      '97.39% uptime. Partial Outage for 2 h 5 min. Checkout errors; Slow search.',
    ],
  ])('%s', (_case, d, text) => {
    expect(describeDay(d)).toBe(text);
  });
});

describe('todayStandsStill', () => {
  const at = (hoursBeforeNow: number) => new Date(NOW.getTime() - hoursBeforeNow * 3_600_000);
  const snapshotWith = (status: ComponentStatus, changes: Array<[ComponentStatus, number]>) =>
    makeSnapshot({
      components: [makeComponent({ id: 'api', status })],
      statusChanges: { api: changes.map(([s, hours]) => ({ status: s, changedAt: at(hours) })) },
    });

  it('holds while every component has been operational all day', () => {
    expect(todayStandsStill(snapshotWith('operational', [['operational', 24 * 30]]))).toBe(true);
    // An outage that ended yesterday does not move today's figures.
    expect(
      todayStandsStill(
        snapshotWith('operational', [
          ['major_outage', 24 * 3],
          ['operational', 24 * 2],
        ]),
      ),
    ).toBe(true);
  });

  it('fails while a component is not operational, or was earlier today', () => {
    expect(todayStandsStill(snapshotWith('partial_outage', [['partial_outage', 24 * 3]]))).toBe(false);
    expect(
      todayStandsStill(
        snapshotWith('operational', [
          ['major_outage', 24 * 3],
          ['operational', 0.01],
        ]),
      ),
    ).toBe(false);
  });

  it('looks only at components whose uptime is shown', () => {
    const down = { statusChanges: { api: [{ status: 'major_outage' as const, changedAt: at(1) }] } };
    expect(
      todayStandsStill(
        makeSnapshot({ components: [makeComponent({ id: 'api', status: 'major_outage', hidden: true })], ...down }),
      ),
    ).toBe(true);
    expect(
      todayStandsStill(
        makeSnapshot({ components: [makeComponent({ id: 'api', status: 'major_outage', showcase: false })], ...down }),
      ),
    ).toBe(true);
    expect(
      todayStandsStill(makeSnapshot({ components: [makeComponent({ id: 'api', status: 'major_outage' })], ...down })),
    ).toBe(false);
  });
});
