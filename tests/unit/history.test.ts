import { describe, expect, it } from 'vitest';
import { historyPage, historyPageCount, historyPageOfMonth, recentDays } from '../../src/domain/history.ts';
import type { IncidentView } from '../../src/domain/snapshot.ts';
import { makeIncident, makeMaintenance, makeSnapshot } from './fixtures.ts';

// 10:00Z on Monday 2026-03-30 is 12:00 in Berlin, the day after the spring DST change.
const BERLIN_NOW = new Date('2026-03-30T10:00:00Z');
const berlinSnapshot = (incidents: IncidentView[] = []) =>
  makeSnapshot({ now: BERLIN_NOW, page: { timeZone: 'Europe/Berlin' }, incidents });

describe('recentDays', () => {
  it('lists the last 14 days in the page time zone, newest first', () => {
    const days = recentDays(berlinSnapshot());
    expect(days.map((d) => d.day)).toEqual([
      '2026-03-30',
      '2026-03-29',
      '2026-03-28',
      '2026-03-27',
      '2026-03-26',
      '2026-03-25',
      '2026-03-24',
      '2026-03-23',
      '2026-03-22',
      '2026-03-21',
      '2026-03-20',
      '2026-03-19',
      '2026-03-18',
      '2026-03-17',
    ]);
    expect(days.every((d) => d.incidents.length === 0)).toBe(true);
  });

  it('lists as many days as asked', () => {
    expect(recentDays(berlinSnapshot(), 3).map((d) => d.day)).toEqual(['2026-03-30', '2026-03-29', '2026-03-28']);
  });

  it.each<[string, IncidentView, string | null]>([
    [
      'late UTC evening counts as the next Berlin day',
      makeIncident({ id: 'e', startedAt: new Date('2026-03-29T23:30:00Z') }),
      '2026-03-30',
    ],
    [
      'late Berlin evening stays on its day',
      makeIncident({ id: 'e', startedAt: new Date('2026-03-28T22:59:00Z') }),
      '2026-03-28',
    ],
    [
      'a resolved incident is still history',
      makeIncident({ id: 'e', status: 'resolved', startedAt: new Date('2026-03-20T08:00:00Z') }),
      '2026-03-20',
    ],
    ['the oldest listed day', makeIncident({ id: 'e', startedAt: new Date('2026-03-16T23:00:00Z') }), '2026-03-17'],
    ['a day before the window', makeIncident({ id: 'e', startedAt: new Date('2026-03-16T22:59:00Z') }), null],
    [
      'a maintenance in progress',
      makeMaintenance({ id: 'e', status: 'in_progress', startedAt: new Date('2026-03-25T08:00:00Z') }),
      '2026-03-25',
    ],
    [
      'a completed maintenance',
      makeMaintenance({ id: 'e', status: 'completed', startedAt: new Date('2026-03-24T08:00:00Z') }),
      '2026-03-24',
    ],
    [
      'a scheduled maintenance is not history yet',
      makeMaintenance({
        id: 'e',
        startedAt: new Date('2026-03-25T08:00:00Z'),
        scheduledFor: new Date('2026-04-02T08:00:00Z'),
      }),
      null,
    ],
  ])('%s', (_case, event, expectedDay) => {
    const days = recentDays(berlinSnapshot([event]));
    const listing = days.filter((d) => d.incidents.some((i) => i.id === event.id)).map((d) => d.day);
    expect(listing).toEqual(expectedDay === null ? [] : [expectedDay]);
  });
});

describe('historyPage', () => {
  const MARCH = makeIncident({ id: 'mar', startedAt: new Date('2026-03-02T08:00:00Z') });
  const JANUARY = makeIncident({ id: 'jan', startedAt: new Date('2026-01-10T08:00:00Z') });
  const OCTOBER = makeIncident({ id: 'oct', status: 'resolved', startedAt: new Date('2025-10-20T08:00:00Z') });
  // Scheduled long ago but never started: it must not stretch the history back.
  const NEVER_STARTED = makeMaintenance({ id: 'never', startedAt: new Date('2024-05-01T08:00:00Z') });
  const snapshot = makeSnapshot({ now: BERLIN_NOW, incidents: [MARCH, JANUARY, OCTOBER, NEVER_STARTED] });

  const summary = (page: ReturnType<typeof historyPage>) =>
    page && {
      page: page.page,
      pageCount: page.pageCount,
      months: page.months.map((m) => [m.month, m.incidents.map((i) => i.id)]),
    };

  it.each<[number, object | null]>([
    [
      1,
      {
        page: 1,
        pageCount: 2,
        months: [
          ['2026-03', ['mar']],
          ['2026-02', []],
          ['2026-01', ['jan']],
        ],
      },
    ],
    [
      2,
      {
        page: 2,
        pageCount: 2,
        months: [
          ['2025-12', []],
          ['2025-11', []],
          ['2025-10', ['oct']],
        ],
      },
    ],
    [3, null],
    [0, null],
    [-1, null],
    [1.5, null],
    [Number.NaN, null],
  ])('page %s', (page, expected) => {
    expect(summary(historyPage(snapshot, page))).toEqual(expected);
  });

  it.each<[string, IncidentView[], number, string[]]>([
    ['no events: the current month alone', [], 1, ['2026-03']],
    ['oldest event two months back', [JANUARY], 1, ['2026-03', '2026-02', '2026-01']],
    [
      'oldest event three months back',
      [makeIncident({ id: 'dec', startedAt: new Date('2025-12-31T08:00:00Z') })],
      2,
      ['2025-12'],
    ],
    [
      'oldest event six months back',
      [makeIncident({ id: 'sep', startedAt: new Date('2025-09-01T08:00:00Z') })],
      3,
      ['2025-09'],
    ],
  ])('%s', (_case, incidents, pageCount, lastPageMonths) => {
    const history = makeSnapshot({ now: BERLIN_NOW, incidents });
    expect(historyPageCount(history)).toBe(pageCount);
    expect(historyPage(history, pageCount)?.months.map((m) => m.month)).toEqual(lastPageMonths);
  });

  it('files an event under its month in the page time zone', () => {
    // 23:30Z on 31 January is already 1 February in Berlin, so January is not listed at all.
    const lateJanuary = makeIncident({ id: 'late', startedAt: new Date('2026-01-31T23:30:00Z') });
    const history = makeSnapshot({ now: BERLIN_NOW, page: { timeZone: 'Europe/Berlin' }, incidents: [lateJanuary] });
    expect(summary(historyPage(history, 1))?.months).toEqual([
      ['2026-03', []],
      ['2026-02', ['late']],
    ]);
  });

  it('files events either side of a local month boundary under their own months, in any order', () => {
    // Berlin's March starts at 2026-02-28T23:00:00Z.
    const at = (id: string, iso: string) => makeIncident({ id, startedAt: new Date(iso) });
    const incidents = [
      at('feb-last', '2026-02-28T22:59:59.999Z'),
      at('mar-first', '2026-02-28T23:00:00Z'),
      at('mar-later', '2026-03-10T08:00:00Z'),
      at('jan', '2026-01-15T08:00:00Z'),
      at('feb-mid', '2026-02-14T08:00:00Z'),
    ];
    const history = makeSnapshot({ now: BERLIN_NOW, page: { timeZone: 'Europe/Berlin' }, incidents });
    expect(summary(historyPage(history, 1))?.months).toEqual([
      ['2026-03', ['mar-first', 'mar-later']],
      ['2026-02', ['feb-last', 'feb-mid']],
      ['2026-01', ['jan']],
    ]);
  });
});

describe('historyPageOfMonth', () => {
  const snapshot = makeSnapshot({
    now: BERLIN_NOW,
    incidents: [makeIncident({ id: 'oct', startedAt: new Date('2025-10-20T08:00:00Z') })],
  });

  it.each([
    ['2026-03', 1],
    ['2026-01', 1],
    ['2025-12', 2],
    ['2025-10', 2],
    ['2025-09', 1],
    ['2027-01', 1],
  ])('lists %s on page %i', (month, page) => {
    expect(historyPageOfMonth(snapshot, month)).toBe(page);
  });
});
