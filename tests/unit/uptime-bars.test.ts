import { describe, expect, it } from 'vitest';
import { pageUptime, sameUptimeEvents, type UptimeDay } from '../../src/domain/page-uptime.ts';
import { uptimeBarItems, uptimeCalendarRows, type BarWords } from '../../src/domain/uptime-bars.ts';
import type { StatusChange } from '../../src/domain/uptime.ts';
import { makeComponent, makeGroup, makeIncident, makeMaintenance, makeSnapshot } from './fixtures.ts';

const at = (iso: string) => new Date(iso);
const change = (status: StatusChange['status'], iso: string): StatusChange => ({ status, changedAt: at(iso) });
const words: BarWords = { key: 'test', dayLabel: (day) => `[${day}]`, describe: (day) => `${day.worst ?? 'none'} <${day.events.map((e) => e.name).join(',')}>` };

describe('uptimeBarItems', () => {
  const day = (overrides: Partial<UptimeDay>): UptimeDay => ({ day: '2026-03-14', observedMs: 86_400_000, durations: { operational: 86_400_000 }, downtimeMs: 0, worst: 'operational', uptime: 100, events: [], ...overrides });

  it.each([
    ['a whole operational day', day({}), '<li tabindex="0" class="d-operational"><span><b>[2026-03-14]</b> operational &lt;&gt;</span></li>'],
    ['no data', day({ worst: null, observedMs: 0, durations: {} }), '<li tabindex="0" class="d-none"><span><b>[2026-03-14]</b> none &lt;&gt;</span></li>'],
    [
      'a short outage, lighter, with an incident name escaped',
      day({ worst: 'major_outage', durations: { operational: 86_000_000, major_outage: 400_000 }, events: [{ id: 'i', name: 'A & <B>' }] }),
      '<li tabindex="0" class="d-major_outage s1"><span><b>[2026-03-14]</b> major_outage &lt;A &amp; &lt;B&gt;&gt;</span></li>',
    ],
  ])('renders %s', (_label, input, html) => {
    expect(uptimeBarItems([input], words)).toBe(html);
  });

  it('builds an item once per day and wording', () => {
    let described = 0;
    const counting: BarWords = { ...words, describe: (d) => (described++, words.describe(d)) };
    const days = [day({ day: '2026-03-13' }), day({})];
    uptimeBarItems(days, counting);
    uptimeBarItems(days, counting);
    expect(described).toBe(2);
    expect(uptimeBarItems(days, { ...counting, key: 'other', dayLabel: (d) => `<${d}>` })).toContain('<b>&lt;2026-03-14&gt;</b>');
    expect(described).toBe(4);
  });
});

describe('uptimeCalendarRows', () => {
  const day = (d: string): UptimeDay => ({ day: d, observedMs: 86_400_000, durations: { operational: 86_400_000 }, downtimeMs: 0, worst: 'operational', uptime: 100, events: [] });

  it('writes a row per week, the day of the month in each cell and its words, empty cells for padding', () => {
    const html = uptimeCalendarRows([[null, null, day('2026-03-04'), day('2026-03-05'), null, null, null]], words);
    expect(html).toBe(
      '<tr><td></td><td></td>' +
        '<td tabindex="0" class="d-operational">4<span><b>[2026-03-04]</b> operational &lt;&gt;</span></td>' +
        '<td tabindex="0" class="d-operational">5<span><b>[2026-03-05]</b> operational &lt;&gt;</span></td>' +
        '<td></td><td></td><td></td></tr>',
    );
  });
});

describe('uptime days across snapshots', () => {
  const base = {
    groups: [makeGroup({ id: 'core' })],
    components: [makeComponent({ id: 'api', groupId: 'core' }), makeComponent({ id: 'web', groupId: 'core' })],
    incidents: [makeIncident({ id: 'x', name: 'API down', componentIds: ['api'], startedAt: at('2026-03-13T10:00:00Z'), resolvedAt: at('2026-03-13T11:00:00Z'), status: 'resolved' })],
  };
  const api = [change('operational', '2025-01-01T00:00:00Z'), change('major_outage', '2026-03-13T10:00:00Z'), change('operational', '2026-03-13T11:00:00Z')];
  const web = [change('operational', '2025-01-01T00:00:00Z')];

  it('shares the past days of an unchanged history and recomputes today', () => {
    const first = pageUptime(makeSnapshot({ ...base, now: at('2026-03-15T12:00:00Z'), statusChanges: { api, web } }), 5);
    const later = pageUptime(makeSnapshot({ ...base, now: at('2026-03-15T12:30:00Z'), statusChanges: { api, web } }), 5);
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
    const first = pageUptime(makeSnapshot({ ...base, now, statusChanges: { api, web } }), 5).components.get('api')!.days;
    const partial = [...api.slice(0, 1), change('partial_outage', '2026-03-14T00:00:00Z'), change('operational', '2026-03-14T12:00:00Z')];
    const changed = pageUptime(makeSnapshot({ ...base, now, statusChanges: { api: partial, web } }), 5).components.get('api')!.days;
    expect(changed[3]!.worst).toBe('partial_outage');
    expect(changed[3]!.uptime).toBeCloseTo(100 * (1 - 0.5 * 0.3), 9);
    const weighted = pageUptime(makeSnapshot({ ...base, now, page: { partialOutageWeight: 1 }, statusChanges: { api: partial, web } }), 5).components.get('api')!.days;
    expect(weighted[3]!.uptime).toBeCloseTo(50, 9);
    const renamed = pageUptime(makeSnapshot({ ...base, now, incidents: [{ ...base.incidents[0]!, name: 'API slow' }], statusChanges: { api, web } }), 5).components.get('api')!.days;
    expect(renamed[2]!.events.map((e) => e.name)).toEqual(['API slow']);
    expect(first[2]!.events.map((e) => e.name)).toEqual(['API down']);
  });
});

describe('sameUptimeEvents', () => {
  const incident = makeIncident({ id: 'i', name: 'API down', componentIds: ['api', 'web'], startedAt: at('2026-03-13T10:00:00Z'), resolvedAt: null, status: 'identified' });
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
