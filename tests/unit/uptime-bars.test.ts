import { describe, expect, it } from 'vitest';
import { pageUptime, sameUptimeEvents, type UptimeDay } from '../../src/domain/page-uptime.ts';
import {
  dayCell,
  dayCellAttributes,
  uptimeBarItems,
  uptimeCalendar,
  uptimeDaysFile,
  type BarWords,
  type DayCell,
} from '../../src/domain/uptime-bars.ts';
import type { StatusChange } from '../../src/domain/uptime.ts';
import { makeComponent, makeGroup, makeIncident, makeMaintenance, makeSnapshot } from './fixtures.ts';

const at = (iso: string) => new Date(iso);
const change = (status: StatusChange['status'], iso: string): StatusChange => ({ status, changedAt: at(iso) });
const words: BarWords = {
  key: 'test',
  describe: (day) => `${day.worst ?? 'none'} <${day.events.map((e) => e.name).join(',')}>`,
  monthMark: (month) => `m${month.slice(5)}`,
  monthLabel: (month) => `<${month}>`,
  dayAround: (month) => [`[${month}-`, ']'],
};
const HOUR = 3_600_000;
const MINUTE = 60_000;

describe('dayCell: what a day cell shows, on the index bars and the /uptime/ calendar alike', () => {
  const day = (worst: UptimeDay['worst'], durations: UptimeDay['durations'] = {}): UptimeDay => ({
    day: '2026-03-14',
    observedMs: worst === null ? 0 : 24 * HOUR,
    durations,
    downtimeMs: 0,
    worst,
    uptime: worst === null ? null : 100,
    events: [],
  });

  it.each<[string, UptimeDay, DayCell, string]>([
    ['no data (before the component existed)', day(null), { status: 'no-data', tint: 3 }, ' data-status="no-data"'],
    [
      'operational all day',
      day('operational', { operational: 24 * HOUR }),
      { status: 'operational', tint: 3 },
      ' data-status="operational"',
    ],
    [
      'operational for the few hours it existed',
      day('operational', { operational: 2 * HOUR }),
      { status: 'operational', tint: 3 },
      ' data-status="operational"',
    ],
    [
      'degraded for 7 hours',
      day('degraded_performance', { operational: 17 * HOUR, degraded_performance: 7 * HOUR }),
      { status: 'degraded_performance', tint: 3 },
      ' data-status="degraded_performance"',
    ],
    [
      'a partial outage of exactly 6 hours: full',
      day('partial_outage', { partial_outage: 6 * HOUR }),
      { status: 'partial_outage', tint: 3 },
      ' data-status="partial_outage"',
    ],
    [
      'a major outage of 5 h 59 min: t2',
      day('major_outage', { major_outage: 6 * HOUR - MINUTE }),
      { status: 'major_outage', tint: 2 },
      ' data-status="major_outage" class="t2"',
    ],
    [
      'maintenance of exactly 1 hour: t2',
      day('under_maintenance', { under_maintenance: HOUR }),
      { status: 'under_maintenance', tint: 2 },
      ' data-status="under_maintenance" class="t2"',
    ],
    [
      'a major outage of 59 minutes: t1',
      day('major_outage', { major_outage: 59 * MINUTE }),
      { status: 'major_outage', tint: 1 },
      ' data-status="major_outage" class="t1"',
    ],
    [
      'degraded for 10 minutes: t1',
      day('degraded_performance', { degraded_performance: 10 * MINUTE }),
      { status: 'degraded_performance', tint: 1 },
      ' data-status="degraded_performance" class="t1"',
    ],
    // The tint follows the worst status's own time, not the other statuses' of the day.
    [
      'a 10-minute major outage in a day of 8 hours partial: the major outage, t1',
      day('major_outage', { partial_outage: 8 * HOUR, major_outage: 10 * MINUTE }),
      { status: 'major_outage', tint: 1 },
      ' data-status="major_outage" class="t1"',
    ],
  ])('%s', (_label, input, cell, attributes) => {
    expect(dayCell(input)).toEqual(cell);
    expect(dayCellAttributes(input)).toBe(attributes);
  });

  it("adds the column of a month's first weekday before the tint, and none for Monday", () => {
    const short = day('partial_outage', { partial_outage: 30 * MINUTE });
    expect(dayCellAttributes(short, 4)).toBe(' data-status="partial_outage" class="c4 t1"');
    expect(dayCellAttributes(day(null), 7)).toBe(' data-status="no-data" class="c7"');
    expect(dayCellAttributes(day(null), 1)).toBe(' data-status="no-data"');
  });
});

describe('uptimeBarItems', () => {
  const day = (overrides: Partial<UptimeDay>): UptimeDay => ({
    day: '2026-03-14',
    observedMs: 86_400_000,
    durations: { operational: 86_400_000 },
    downtimeMs: 0,
    worst: 'operational',
    uptime: 100,
    events: [],
    ...overrides,
  });
  const date = '<b>[2026-03-14]</b>';

  it.each([
    [
      'a whole operational day',
      day({}),
      `<li data-status="operational" tabindex="0"><span>${date} operational &lt;&gt;</span></li>`,
    ],
    [
      'no data',
      day({ worst: null, observedMs: 0, durations: {} }),
      `<li data-status="no-data" tabindex="0"><span>${date} none &lt;&gt;</span></li>`,
    ],
    [
      'a short outage, lighter, with an incident name escaped',
      day({
        worst: 'major_outage',
        durations: { operational: 86_000_000, major_outage: 400_000 },
        events: [{ id: 'i', name: 'A & <B>' }],
      }),
      `<li data-status="major_outage" class="t1" tabindex="0"><span>${date} major_outage &lt;A &amp; &lt;B&gt;&gt;</span></li>`,
    ],
  ])('renders today as %s, with its date and words', (_label, input, html) => {
    expect(uptimeBarItems([input], words)).toBe(html);
  });

  it("makes the last day (today) the row's one tab stop and the one with words; past days are their colour alone", () => {
    const html = uptimeBarItems(
      [
        day({ day: '2026-03-12' }),
        day({ day: '2026-03-13', worst: 'partial_outage', durations: { partial_outage: 600_000 } }),
        day({}),
      ],
      words,
    );
    expect(html.match(/tabindex/g)).toEqual(['tabindex']);
    expect(html).toBe(
      '<li data-status="operational"></li>' +
        '<li data-status="partial_outage" class="t1"></li>' +
        `<li data-status="operational" tabindex="0"><span>${date} operational &lt;&gt;</span></li>`,
    );
  });

  it('builds an item once per day and wording', () => {
    let described = 0;
    const counting: BarWords = { ...words, describe: (d) => (described++, words.describe(d)) };
    const days = [day({ day: '2026-03-13' }), day({})];
    uptimeBarItems(days, counting);
    uptimeBarItems(days, counting);
    expect(described).toBe(1);
    expect(uptimeBarItems(days, { ...counting, key: 'other', dayAround: () => ['<', '>'] })).toContain(
      '<b>&lt;14&gt;</b>',
    );
    expect(described).toBe(2);
  });
});

describe('uptimeDaysFile: the words of the bars, fetched by /uptime.js', () => {
  const day = (overrides: Partial<UptimeDay>): UptimeDay => ({
    day: '2026-03-14',
    observedMs: 86_400_000,
    durations: { operational: 86_400_000 },
    downtimeMs: 0,
    worst: 'operational',
    uptime: 100,
    events: [],
    ...overrides,
  });

  it("lists the dates once and each row's words aligned with them, unescaped (JSON, set as text)", () => {
    const a = [day({ day: '2026-03-13', events: [{ id: 'i', name: 'A & <B>' }] }), day({})];
    const b = [day({ day: '2026-03-13', worst: null }), day({ worst: 'major_outage' })];
    expect(
      uptimeDaysFile(
        ['2026-03-13', '2026-03-14'],
        new Map([
          ['c1', a],
          ['g1', b],
        ]),
        words,
      ),
    ).toEqual({
      dates: ['[2026-03-13]', '[2026-03-14]'],
      rows: { c1: ['operational <A & <B>>', 'operational <>'], g1: ['none <>', 'major_outage <>'] },
    });
  });

  it("says every day in a row of the page's bars", () => {
    const snapshot = makeSnapshot({ components: [makeComponent({ id: 'c1' })] });
    const uptime = pageUptime(snapshot);
    const file = uptimeDaysFile(
      uptime.spans.map((s) => s.day),
      new Map([...uptime.components].map(([id, row]) => [id, row.days])),
      words,
    );
    expect(file.dates).toHaveLength(90);
    expect(file.rows.c1).toHaveLength(90);
  });
});

describe('uptimeCalendar', () => {
  const day = (d: string, worst: UptimeDay['worst'] = 'operational'): UptimeDay => ({
    day: d,
    observedMs: 86_400_000,
    durations: worst ? { [worst]: 86_400_000 } : {},
    downtimeMs: 0,
    worst,
    uptime: worst ? 100 : null,
    events: [],
  });

  it("writes a list per month, its first day in its weekday's column, today alone in the tab order", () => {
    // 2026-03-30 is a Monday, 2026-04-01 a Wednesday. A cell's date is the month's words around a counter.
    const html = uptimeCalendar(
      [day('2026-03-30', null), day('2026-03-31'), day('2026-04-01'), day('2026-04-02')],
      words,
    );
    expect(html).toBe(
      '<li><span class="mark" aria-hidden="true">m03</span><ol aria-label="&lt;2026-03&gt;" style="counter-reset:d 29;--before:&#39;[2026-03-&#39;;--after:&#39;]&#39;">' +
        '<li data-status="no-data"><span>none &lt;&gt;</span></li>' +
        '<li data-status="operational"><span>operational &lt;&gt;</span></li></ol></li>' +
        '<li><span class="mark" aria-hidden="true">m04</span><ol aria-label="&lt;2026-04&gt;" style="--before:&#39;[2026-04-&#39;;--after:&#39;]&#39;">' +
        '<li data-status="operational" class="c3"><span>operational &lt;&gt;</span></li>' +
        '<li data-status="operational" tabindex="0"><span>operational &lt;&gt;</span></li></ol></li>',
    );
  });

  it("places a first day shown in the middle of a month in its weekday's column too, and quotes the words for CSS", () => {
    // 2026-03-04 is a Wednesday.
    expect(uptimeCalendar([day('2026-03-04'), day('2026-03-05')], words)).toContain(
      '<li data-status="operational" class="c3"><span>',
    );
    expect(uptimeCalendar([day('2026-03-04')], { ...words, dayAround: () => ["it's \\", ''] })).toContain(
      `--before:&#39;it\\&#39;s \\\\&#39;;`,
    );
    expect(uptimeCalendar([], words)).toBe('');
  });
});

describe('uptime days across snapshots', () => {
  const base = {
    groups: [makeGroup({ id: 'core' })],
    components: [makeComponent({ id: 'api', groupId: 'core' }), makeComponent({ id: 'web', groupId: 'core' })],
    incidents: [
      makeIncident({
        id: 'x',
        name: 'API down',
        componentIds: ['api'],
        startedAt: at('2026-03-13T10:00:00Z'),
        resolvedAt: at('2026-03-13T11:00:00Z'),
        status: 'resolved',
      }),
    ],
  };
  const api = [
    change('operational', '2025-01-01T00:00:00Z'),
    change('major_outage', '2026-03-13T10:00:00Z'),
    change('operational', '2026-03-13T11:00:00Z'),
  ];
  const web = [change('operational', '2025-01-01T00:00:00Z')];

  it('shares the past days of an unchanged history and recomputes today', () => {
    const first = pageUptime(
      makeSnapshot({ ...base, now: at('2026-03-15T12:00:00Z'), statusChanges: { api, web } }),
      5,
    );
    const later = pageUptime(
      makeSnapshot({ ...base, now: at('2026-03-15T12:30:00Z'), statusChanges: { api, web } }),
      5,
    );
    const [before, after] = [first.components.get('api')!.days, later.components.get('api')!.days];
    expect(after.slice(0, -1).every((d, i) => d === before[i])).toBe(true);
    expect(after.at(-1)!.observedMs).toBe(before.at(-1)!.observedMs + 30 * 60_000);
    expect(after[2]!.events.map((e) => e.name)).toEqual(['API down']);
    const [groupBefore, groupAfter] = [first.groups.get('core')!.days, later.groups.get('core')!.days];
    expect(groupAfter.slice(0, -1).every((d, i) => d === groupBefore[i])).toBe(true);
    expect(groupAfter[2]).toMatchObject({ worst: 'major_outage', events: [{ id: 'x', name: 'API down' }] });
    expect(groupAfter.at(-1)!.observedMs).toBe(groupBefore.at(-1)!.observedMs + 30 * 60_000);
  });

  it('computes afresh when the history, the incidents or the weight change', () => {
    const now = at('2026-03-15T12:00:00Z');
    const first = pageUptime(makeSnapshot({ ...base, now, statusChanges: { api, web } }), 5).components.get(
      'api',
    )!.days;
    const partial = [
      ...api.slice(0, 1),
      change('partial_outage', '2026-03-14T00:00:00Z'),
      change('operational', '2026-03-14T12:00:00Z'),
    ];
    const changed = pageUptime(makeSnapshot({ ...base, now, statusChanges: { api: partial, web } }), 5).components.get(
      'api',
    )!.days;
    expect(changed[3]!.worst).toBe('partial_outage');
    expect(changed[3]!.uptime).toBeCloseTo(100 * (1 - 0.5 * 0.3), 9);
    const weighted = pageUptime(
      makeSnapshot({ ...base, now, page: { partialOutageWeight: 1 }, statusChanges: { api: partial, web } }),
      5,
    ).components.get('api')!.days;
    expect(weighted[3]!.uptime).toBeCloseTo(50, 9);
    const renamed = pageUptime(
      makeSnapshot({
        ...base,
        now,
        incidents: [{ ...base.incidents[0]!, name: 'API slow' }],
        statusChanges: { api, web },
      }),
      5,
    ).components.get('api')!.days;
    expect(renamed[2]!.events.map((e) => e.name)).toEqual(['API slow']);
    expect(first[2]!.events.map((e) => e.name)).toEqual(['API down']);
  });
});

describe('sameUptimeEvents', () => {
  const incident = makeIncident({
    id: 'i',
    name: 'API down',
    componentIds: ['api', 'web'],
    startedAt: at('2026-03-13T10:00:00Z'),
    resolvedAt: null,
    status: 'identified',
  });
  it.each([
    ['the same incident with another update', { ...incident, updates: [] }, true],
    ['its components in another order', { ...incident, componentIds: ['web', 'api'] }, true],
    ['a new name', { ...incident, name: 'API slow' }, false],
    ['resolved', { ...incident, resolvedAt: at('2026-03-13T12:00:00Z') }, false],
    ['another start', { ...incident, startedAt: at('2026-03-13T09:00:00Z') }, false],
    ['another component', { ...incident, componentIds: ['api', 'db'] }, false],
    ['deleted', undefined, false],
  ])('%s', (_label, after, same) => {
    expect(sameUptimeEvents(incident, after)).toBe(same);
  });

  it('treats a maintenance as shown once it is under way', () => {
    const scheduled = makeMaintenance({ id: 'm', status: 'scheduled' });
    expect(sameUptimeEvents(scheduled, { ...scheduled, status: 'in_progress' })).toBe(false);
    expect(sameUptimeEvents(undefined, undefined)).toBe(true);
    expect(sameUptimeEvents(undefined, incident)).toBe(false);
  });
});
