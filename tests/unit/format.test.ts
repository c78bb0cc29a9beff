import { describe, expect, it } from 'vitest';
import {
  dayKey,
  dayKeyAround,
  formatMonthShort,
  formatDate,
  formatDateTime,
  formatDayKey,
  formatMonth,
  formatRelative,
  formatTime,
  lastDays,
  monthKey,
} from '../../src/domain/format.ts';
import { NOW, minutesAfter } from './fixtures.ts';

const WINTER = '2026-01-15T12:00:00Z';
const SUMMER = '2026-07-15T12:00:00Z';

describe('dayKey', () => {
  it.each([
    ['2026-03-29T00:30:00Z', 'Europe/Berlin', '2026-03-29'],
    ['2026-03-29T00:30:00Z', 'America/New_York', '2026-03-28'],
    ['2026-03-29T00:30:00Z', 'UTC', '2026-03-29'],
    ['2026-12-31T15:00:00Z', 'Asia/Tokyo', '2027-01-01'],
    ['2026-01-01T04:59:00Z', 'America/New_York', '2025-12-31'],
  ])('of %s in %s is %s', (iso, timeZone, expected) => {
    expect(dayKey(new Date(iso), timeZone)).toBe(expected);
  });
});

describe('monthKey', () => {
  it.each([
    ['2026-03-31T23:30:00Z', 'Europe/Berlin', '2026-04'],
    ['2026-03-31T23:30:00Z', 'UTC', '2026-03'],
    ['2026-01-01T03:00:00Z', 'America/New_York', '2025-12'],
  ])('of %s in %s is %s', (iso, timeZone, expected) => {
    expect(monthKey(new Date(iso), timeZone)).toBe(expected);
  });
});

describe('lastDays', () => {
  it.each([
    // Berlin springs forward on 2026-03-29; 22:30Z on the 29th is already the 30th there.
    [
      'spring forward in Berlin',
      '2026-03-30T10:00:00Z',
      'Europe/Berlin',
      4,
      ['2026-03-30', '2026-03-29', '2026-03-28', '2026-03-27'],
    ],
    ['just after midnight in Berlin', '2026-03-29T22:30:00Z', 'Europe/Berlin', 2, ['2026-03-30', '2026-03-29']],
    // New York falls back on 2026-11-01; 04:30Z on the 2nd is still the 1st there.
    [
      'fall back in New York',
      '2026-11-02T04:30:00Z',
      'America/New_York',
      3,
      ['2026-11-01', '2026-10-31', '2026-10-30'],
    ],
    [
      'spring forward in New York',
      '2026-03-09T03:00:00Z',
      'America/New_York',
      3,
      ['2026-03-08', '2026-03-07', '2026-03-06'],
    ],
    ['no days', '2026-03-09T03:00:00Z', 'UTC', 0, []],
  ])('across %s', (_case, iso, timeZone, count, expected) => {
    expect(lastDays(new Date(iso), timeZone, count)).toEqual(expected);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'])(
    'returns a year of consecutive distinct days in %s',
    (timeZone) => {
      const days = lastDays(NOW, timeZone, 400);
      const gaps = days.slice(1).map((day, i) => (Date.parse(days[i]!) - Date.parse(day)) / 86_400_000);
      expect(days).toHaveLength(400);
      expect(new Set(days).size).toBe(400);
      expect(new Set(gaps)).toEqual(new Set([1]));
    },
  );
});

describe('formatDateTime', () => {
  it.each([
    [WINTER, 'UTC', 'Jan 15, 2026, 12:00 UTC'],
    [WINTER, 'America/New_York', 'Jan 15, 2026, 07:00 EST'],
    [SUMMER, 'America/New_York', 'Jul 15, 2026, 08:00 EDT'],
    // en-US has no abbreviation for Central European Time, so the offset stands in for it.
    [WINTER, 'Europe/Berlin', 'Jan 15, 2026, 13:00 GMT+1'],
    [SUMMER, 'Europe/Berlin', 'Jul 15, 2026, 14:00 GMT+2'],
    ['2026-03-29T23:05:00Z', 'UTC', 'Mar 29, 2026, 23:05 UTC'],
  ])('formats %s in %s as %s', (iso, timeZone, expected) => {
    expect(formatDateTime(new Date(iso), timeZone)).toBe(expected);
  });
});

describe('formatTime', () => {
  it.each([
    [WINTER, 'UTC', '12:00 UTC'],
    [SUMMER, 'America/New_York', '08:00 EDT'],
    ['2026-01-15T00:05:00Z', 'UTC', '00:05 UTC'],
  ])('formats %s in %s as %s', (iso, timeZone, expected) => {
    expect(formatTime(new Date(iso), timeZone)).toBe(expected);
  });
});

describe('formatDate', () => {
  it.each([
    ['2026-03-29T00:30:00Z', 'Europe/Berlin', 'Mar 29, 2026'],
    ['2026-03-29T00:30:00Z', 'America/New_York', 'Mar 28, 2026'],
  ])('formats %s in %s as %s', (iso, timeZone, expected) => {
    expect(formatDate(new Date(iso), timeZone)).toBe(expected);
  });
});

describe('formatMonth and formatDayKey', () => {
  it.each([
    ['2026-11', 'November 2026'],
    ['2027-01', 'January 2027'],
  ])('formats month %s as %s', (key, expected) => {
    expect(formatMonth(key)).toBe(expected);
  });

  it.each([
    ['2026-11-21', 'Nov 21, 2026'],
    ['2026-01-01', 'Jan 1, 2026'],
  ])('formats day %s as %s', (key, expected) => {
    expect(formatDayKey(key)).toBe(expected);
  });
});

describe('formatRelative', () => {
  it.each([
    [25, 'in 25 minutes'],
    [-1, '1 minute ago'],
    [0, 'this minute'],
    [-59, '59 minutes ago'],
    [-120, '2 hours ago'],
    [30 * 60, 'in 30 hours'],
    [-3 * 24 * 60, '3 days ago'],
  ])('describes %i minutes from now as %s', (minutes, expected) => {
    expect(formatRelative(minutesAfter(NOW, minutes), NOW)).toBe(expected);
  });
});

describe('dayKeyAround and formatMonthShort', () => {
  it.each([
    ['en', '2026-11', ['Nov ', ', 2026'], 'Nov'],
    ['zh-TW', '2026-01', ['2026年1月', '日'], '1月'],
    ['zh-CN', '2026-12', ['2026年12月', '日'], '12月'],
  ] as const)('%s: a day of %s is its number between %j', (language, month, around, mark) => {
    expect(dayKeyAround(month, language)).toEqual(around);
    // The same date formatDayKey writes, for every day of the month.
    expect(`${around[0]}21${around[1]}`).toBe(formatDayKey(`${month}-21`, language));
    expect(formatMonthShort(month, language)).toBe(mark);
  });
});
