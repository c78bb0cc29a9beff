import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { maintenanceCalendar } from '../../src/domain/maintenance-calendar.ts';
import {
  icalRepeating,
  lastOccurrence,
  nextOccurrence,
  occurrencesBetween,
  recurrenceProblem,
  type SeriesView,
} from '../../src/domain/recurrence.ts';
import { makeComponent, makeMaintenance, makeSnapshot } from './fixtures.ts';

// Occurrences keep their wall-clock time in the series' zone across daylight-saving changes,
// in both directions and on both sides of the Atlantic; the calendar says the same to an
// independent reader (ical.js expands the RRULE against the published VTIMEZONE).

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const localTimes = (dates: Date[], timeZone: string) =>
  dates.map((d) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d),
  );

describe('occurrences', () => {
  it('keeps a weekly 02:00 at 02:00 in Berlin through spring and autumn', () => {
    const series = { rrule: 'FREQ=WEEKLY;BYDAY=SU', startsAtLocal: '2027-03-14T02:00', timeZone: 'Europe/Berlin' };
    const spring = occurrencesBetween(series, new Date('2027-03-14T00:00Z'), new Date('2027-04-12T00:00Z'));
    expect(iso(spring)).toEqual([
      '2027-03-14T01:00:00.000Z',
      '2027-03-21T01:00:00.000Z',
      // 02:00 is skipped on 28 March: the window opens when the clocks say 03:00.
      '2027-03-28T01:00:00.000Z',
      '2027-04-04T00:00:00.000Z',
      '2027-04-11T00:00:00.000Z',
    ]);
    const autumn = occurrencesBetween(series, new Date('2027-10-20T00:00Z'), new Date('2027-11-08T00:00Z'));
    expect(iso(autumn)).toEqual(['2027-10-24T00:00:00.000Z', '2027-10-31T01:00:00.000Z', '2027-11-07T01:00:00.000Z']);
    expect(localTimes(autumn, 'Europe/Berlin')).toEqual(['Sun 02:00', 'Sun 02:00', 'Sun 02:00']);
  });

  it('keeps a monthly "first Tuesday 23:30" in New York, and ends with UNTIL', () => {
    const series = {
      rrule: 'FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271201T000000Z',
      startsAtLocal: '2027-01-05T23:30',
      timeZone: 'America/New_York',
    };
    const all = occurrencesBetween(series, new Date('2027-01-01Z'), new Date('2028-06-01Z'));
    expect(all).toHaveLength(11);
    expect(new Set(localTimes(all, 'America/New_York'))).toEqual(new Set(['Tue 23:30']));
    // 23:30 local is the next day in UTC; EST and EDT both.
    expect(iso(all.slice(2, 4))).toEqual(['2027-03-03T04:30:00.000Z', '2027-04-07T03:30:00.000Z']);
    expect(lastOccurrence(series)?.toISOString()).toBe('2027-11-03T03:30:00.000Z');
    expect(nextOccurrence(series, new Date('2027-11-04Z'))).toBeNull();
  });

  it('finds the next occurrence from any moment, whatever the zone', () => {
    const series = { rrule: 'FREQ=DAILY', startsAtLocal: '2027-01-01T01:00', timeZone: 'Pacific/Kiritimati' };
    // 01:00 at UTC+14 is 11:00 UTC the day before.
    expect(nextOccurrence(series, new Date('2027-02-01T10:59Z'))?.toISOString()).toBe('2027-02-01T11:00:00.000Z');
    expect(nextOccurrence(series, new Date('2027-02-01T11:01Z'))?.toISOString()).toBe('2027-02-02T11:00:00.000Z');
  });

  it('refuses rules Herald cannot repeat a window by, saying why', () => {
    expect(recurrenceProblem('FREQ=WEEKLY;BYDAY=MO,TH;INTERVAL=2')).toBeNull();
    expect(recurrenceProblem('FREQ=MONTHLY;BYDAY=-1FR')).toBeNull();
    expect(recurrenceProblem('FREQ=YEARLY')).toMatch(/DAILY, WEEKLY or MONTHLY/);
    expect(recurrenceProblem('FREQ=DAILY;BYMINUTE=5')).toMatch(/BYMINUTE/);
    expect(recurrenceProblem('FREQ=DAILY;INTERVAL=500')).toMatch(/INTERVAL/);
    expect(recurrenceProblem('FREQ=DAILY;COUNT=5000')).toMatch(/COUNT/);
    expect(recurrenceProblem('FREQ=MONTHLY;BYDAY=1MO,2TU')).toMatch(/only one weekday/);
    expect(recurrenceProblem('DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY')).toMatch(/without DTSTART/);
  });

  it('writes a numbered weekday as BYDAY with BYSETPOS for the calendar writer', () => {
    expect(icalRepeating('FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2')).toEqual({
      freq: 'MONTHLY',
      interval: 2,
      byDay: ['FR'],
      bySetPos: [-1],
    });
  });
});

describe('the calendar of a recurring window', () => {
  const db = makeComponent({ id: 'db', name: 'Database' });
  const series: SeriesView = {
    id: 'weekly',
    name: 'Weekly patching',
    body: 'Routine **patching**.',
    componentIds: ['db'],
    rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=8',
    // 04:00: ical.js reads a time in the spring gap (02:00 on 28 March) unlike RFC 5545, a step back.
    startsAtLocal: '2027-03-14T04:00',
    timeZone: 'Europe/Berlin',
    durationMinutes: 90,
    skipped: ['2027-03-21T03:00:00.000Z'],
    createdAt: new Date('2027-03-01T00:00:00Z'),
    updatedAt: new Date('2027-03-01T00:10:00Z'),
  };
  const moved = makeMaintenance({
    id: 'moved',
    name: 'Weekly patching (moved)',
    seriesId: 'weekly',
    occurrenceStart: new Date('2027-04-04T02:00:00Z'),
    detached: true,
    scheduledFor: new Date('2027-04-04T04:00:00Z'),
    scheduledUntil: new Date('2027-04-04T05:30:00Z'),
    componentIds: ['db'],
  });
  const made = makeMaintenance({
    id: 'made',
    seriesId: 'weekly',
    occurrenceStart: new Date('2027-03-14T03:00:00Z'),
    scheduledFor: new Date('2027-03-14T03:00:00Z'),
    scheduledUntil: new Date('2027-03-14T04:30:00Z'),
  });
  const snapshot = makeSnapshot({
    now: new Date('2027-03-10T00:00:00Z'),
    components: [db],
    incidents: [moved, made],
    series: [series],
  });

  it('reads back, expanded by ical.js against its VTIMEZONE, at 04:00 Berlin time every week', () => {
    const text = maintenanceCalendar(snapshot);
    const calendar = new ICAL.Component(ICAL.parse(text));
    const zone = new ICAL.Timezone(calendar.getFirstSubcomponent('vtimezone')!);
    ICAL.TimezoneService.register(zone, 'Europe/Berlin');
    const [main, override] = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(main!.uid).toBe('series-weekly@status.example.com');
    expect(main!.isRecurring()).toBe(true);
    main!.relateException(override!);
    const iterator = main!.iterator();
    const starts: string[] = [];
    for (let next = iterator.next(); next; next = iterator.next()) {
      const details = main!.getOccurrenceDetails(next);
      starts.push(details.startDate.toJSDate().toISOString());
    }
    // Eight by COUNT, less the skipped one (EXDATE), with 4 April moved to 06:00 local (04:00 UTC).
    expect(starts).toEqual([
      '2027-03-14T03:00:00.000Z',
      '2027-03-28T02:00:00.000Z',
      '2027-04-04T04:00:00.000Z',
      '2027-04-11T02:00:00.000Z',
      '2027-04-18T02:00:00.000Z',
      '2027-04-25T02:00:00.000Z',
      '2027-05-02T02:00:00.000Z',
    ]);
    // The same starts as Herald's own expansion, less the skipped one and with the moved one's own time.
    const ours = occurrencesBetween(series, new Date('2027-03-01Z'), new Date('2027-06-01Z'));
    expect(ours.map((d) => d.toISOString()).filter((d) => !series.skipped.includes(d))).toEqual(
      starts.map((d) => (d === '2027-04-04T04:00:00.000Z' ? '2027-04-04T02:00:00.000Z' : d)),
    );
    expect(main!.description).toContain('Routine patching.');
    expect(main!.description).toContain('Affected components: Database');
    // Made occurrences are the series' and are not listed a second time.
    expect(text).not.toContain('made@');
  });

  it("is in a component's calendar only when it names the component", () => {
    const other = makeComponent({ id: 'api', name: 'API' });
    const withOther = { ...snapshot, components: [db, other] };
    expect(maintenanceCalendar(withOther, { component: db })).toContain('RRULE:');
    expect(maintenanceCalendar(withOther, { component: other })).not.toContain('RRULE:');
  });
});
