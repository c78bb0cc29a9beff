import { describe, expect, it } from 'vitest';
import { renderEmail, type MaintenanceReminderEmailMessage } from '../../src/domain/email-message.ts';
import {
  formatMinutes,
  isIncidentStale,
  isMaintenanceReminderDue,
  isOverdueReminderDue,
  minutesBetween,
} from '../../src/domain/reminders.ts';
import {
  adminIncidentUrl,
  renderStaffEmail,
  staffIdempotencyKey,
  type OverdueReminderMessage,
} from '../../src/domain/staff-email.ts';
import { batchIdempotencyKey } from '../../src/domain/email-message.ts';

const NOW = new Date('2026-11-21T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const ahead = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

describe('overdue reminders', () => {
  it.each([
    ['no promise', { resolvedAt: null, nextUpdateDueAt: null, overdueRemindedAt: null }, false],
    ['promise still ahead', { resolvedAt: null, nextUpdateDueAt: ahead(1), overdueRemindedAt: null }, false],
    [
      'promise just passed, never reminded',
      { resolvedAt: null, nextUpdateDueAt: ago(0), overdueRemindedAt: null },
      true,
    ],
    [
      'overdue, reminded 29 minutes ago',
      { resolvedAt: null, nextUpdateDueAt: ago(60), overdueRemindedAt: ago(29) },
      false,
    ],
    [
      'overdue, reminded 30 minutes ago',
      { resolvedAt: null, nextUpdateDueAt: ago(60), overdueRemindedAt: ago(30) },
      true,
    ],
    ['resolved', { resolvedAt: ago(5), nextUpdateDueAt: ago(60), overdueRemindedAt: null }, false],
  ])('%s → %s (30-minute interval)', (_, incident, due) => {
    expect(isOverdueReminderDue(incident, NOW, 30)).toBe(due);
  });
});

describe('stale incidents', () => {
  it.each([
    ['incident open 23 hours', { kind: 'incident' as const, resolvedAt: null, startedAt: ago(23 * 60) }, 24, false],
    ['incident open 25 hours', { kind: 'incident' as const, resolvedAt: null, startedAt: ago(25 * 60) }, 24, true],
    [
      'incident open 2 hours, limit 1 hour',
      { kind: 'incident' as const, resolvedAt: null, startedAt: ago(120) },
      1,
      true,
    ],
    ['resolved incident', { kind: 'incident' as const, resolvedAt: ago(1), startedAt: ago(48 * 60) }, 24, false],
    [
      'maintenance in a long window',
      { kind: 'maintenance' as const, resolvedAt: null, startedAt: ago(48 * 60) },
      24,
      false,
    ],
  ])('%s → %s', (_, incident, hours, stale) => {
    expect(isIncidentStale(incident, NOW, hours)).toBe(stale);
  });
});

describe('maintenance reminders', () => {
  const scheduled = (startsIn: number, remindedAt: Date | null = null) => ({
    status: 'scheduled' as const,
    scheduledFor: ahead(startsIn),
    maintenanceRemindedAt: remindedAt,
  });
  it.each([
    ['starts in 61 minutes, lead 60', scheduled(61), 60, false],
    ['starts in 60 minutes, lead 60', scheduled(60), 60, true],
    ['starts in 5 minutes, lead 60', scheduled(5), 60, true],
    ['already reminded', scheduled(30, ago(30)), 60, false],
    ['lead 0 means never', scheduled(1), 0, false],
    ['start time reached', scheduled(0), 60, false],
    ['already in progress', { ...scheduled(10), status: 'in_progress' as const }, 60, false],
  ])('%s → %s', (_, maintenance, lead, due) => {
    expect(isMaintenanceReminderDue(maintenance, NOW, lead)).toBe(due);
  });
});

describe('durations in words', () => {
  it.each([
    [0, '0 minutes'],
    [1, '1 minute'],
    [45, '45 minutes'],
    [60, '1 hour'],
    [90, '1 hour 30 minutes'],
    [120, '2 hours'],
    [1440, '1 day'],
    [1440 + 180 + 7, '1 day 3 hours'],
    [10080, '7 days'],
  ])('%i minutes → %s', (minutes, words) => {
    expect(formatMinutes(minutes)).toBe(words);
  });

  it('rounds the time between two moments to whole minutes', () => {
    expect(minutesBetween(NOW, new Date(NOW.getTime() + 59.6 * 60_000))).toBe(60);
    expect(minutesBetween(NOW, ago(5))).toBe(0);
  });
});

describe('the overdue reminder email', () => {
  const message: OverdueReminderMessage = {
    kind: 'overdue_reminder',
    page: { name: 'Acme', brandColor: '#112233', timeZone: 'Europe/Berlin' },
    incident: { id: 'inc123456789', kind: 'incident', name: 'Checkout <errors>' },
    dueAt: ago(95).toISOString(),
    remindedAt: NOW.toISOString(),
  };

  it('names the incident, how long it is overdue and links the admin incident page absolutely', () => {
    const email = renderStaffEmail(message, 'https://status.example.com');
    expect(email.subject).toBe('[Acme] Update overdue by 1 hour 35 minutes: Checkout <errors>');
    expect(email.text).toContain('overdue by 1 hour 35 minutes');
    expect(email.text).toContain('Nov 21, 2026, 11:25 GMT+1');
    expect(email.text).toContain('Post an update: https://status.example.com/admin/incidents/inc123456789/');
    expect(email.html).toContain('href="https://status.example.com/admin/incidents/inc123456789/"');
    expect(email.html).toContain('Checkout &lt;errors&gt;');
    expect(email.html).not.toContain('<errors>');
    expect(adminIncidentUrl('https://example.com/status', 'a b')).toBe(
      'https://example.com/status/admin/incidents/a%20b/',
    );
  });

  it('renders the same email every time (retries carry the same payload) under a key of its own', () => {
    expect(renderStaffEmail(message, 'https://s.example')).toEqual(renderStaffEmail(message, 'https://s.example'));
    expect(staffIdempotencyKey(7)).toBe(staffIdempotencyKey(7));
    expect(staffIdempotencyKey(7)).not.toBe(staffIdempotencyKey(8));
    // Staff and subscriber rows come from different sequences: the same number must not share a key.
    expect(staffIdempotencyKey(7)).not.toBe(batchIdempotencyKey([7]));
  });
});

describe('the maintenance reminder email', () => {
  it('says when the window starts, with the window, components and subscriber links', () => {
    const message: MaintenanceReminderEmailMessage = {
      kind: 'maintenance_reminder',
      page: { name: 'Acme', brandColor: '#112233', timeZone: 'UTC' },
      incident: { id: 'mnt123456789', kind: 'maintenance', name: 'Database upgrade' },
      scheduledFor: ahead(60).toISOString(),
      scheduledUntil: ahead(120).toISOString(),
      startsInMinutes: 60,
      components: [{ id: 'c1', groupId: null, name: 'Database', status: 'operational' }],
    };
    const links = { manage: 'https://s.example/manage?t=1', unsubscribe: 'https://s.example/unsub?t=1' };
    const email = renderEmail(message, 'https://s.example', links);
    expect(email.subject).toBe('[Acme] Scheduled maintenance starts in 1 hour: Database upgrade');
    expect(email.text).toContain('Scheduled maintenance starts in 1 hour.');
    expect(email.text).toContain('Window: Nov 21, 2026, 13:00 UTC – Nov 21, 2026, 14:00 UTC');
    expect(email.text).toContain('- Database');
    expect(email.text).toContain('View on the status page: https://s.example/incidents/mnt123456789/');
    expect(email.text).toContain('Unsubscribe: https://s.example/unsub?t=1');
    expect(email.headers['List-Unsubscribe']).toBe('<https://s.example/unsub?t=1>');
  });
});
