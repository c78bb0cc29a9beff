import type { EventKind, EventStatus } from './vocabulary.ts';

// When time alone calls for a nudge: a promised update that is overdue (to the incident's
// editors, repeated at an interval), an incident left open too long (flagged in the
// dashboard), a maintenance window about to open (to its subscribers, once). Pure: the
// tick's SQL selects candidates with the same conditions and re-checks each with these.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface OverdueCandidate {
  resolvedAt: Date | null;
  nextUpdateDueAt: Date | null;
  overdueRemindedAt: Date | null;
}

/**
 * A reminder is due once the promise has passed, and again every `intervalMinutes` after
 * the last one. Posting an update clears `overdueRemindedAt`, so a new promise that passes
 * is reminded of at once.
 */
export function isOverdueReminderDue(incident: OverdueCandidate, now: Date, intervalMinutes: number): boolean {
  if (incident.resolvedAt || !incident.nextUpdateDueAt) return false;
  if (incident.nextUpdateDueAt.getTime() > now.getTime()) return false;
  if (!incident.overdueRemindedAt) return true;
  return now.getTime() - incident.overdueRemindedAt.getTime() >= intervalMinutes * MINUTE;
}

export interface StaleCandidate {
  kind: EventKind;
  resolvedAt: Date | null;
  startedAt: Date;
}

/** An unresolved incident open for longer than `staleHours` (a maintenance has its window instead). */
export function isIncidentStale(incident: StaleCandidate, now: Date, staleHours: number): boolean {
  return (
    incident.kind === 'incident' &&
    !incident.resolvedAt &&
    now.getTime() - incident.startedAt.getTime() > staleHours * HOUR
  );
}

export interface MaintenanceCandidate {
  status: EventStatus;
  scheduledFor: Date | null;
  maintenanceRemindedAt: Date | null;
}

/**
 * Once per window: when it is at most `leadMinutes` away and has not started (0 turns the
 * reminder off). A window already open gets no "starts in" email.
 */
export function isMaintenanceReminderDue(maintenance: MaintenanceCandidate, now: Date, leadMinutes: number): boolean {
  if (
    leadMinutes <= 0 ||
    maintenance.status !== 'scheduled' ||
    !maintenance.scheduledFor ||
    maintenance.maintenanceRemindedAt
  )
    return false;
  const ahead = maintenance.scheduledFor.getTime() - now.getTime();
  return ahead > 0 && ahead <= leadMinutes * MINUTE;
}

/**
 * Whole minutes in words, as a reminder says them: "45 minutes", "1 hour", "1 hour
 * 30 minutes", "2 days 3 hours" (minutes are dropped once it is days).
 */
export function formatMinutes(total: number): string {
  const minutes = Math.max(0, Math.round(total));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return unit(minutes, 'minute');
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return [unit(days, 'day'), ...(hours ? [unit(hours, 'hour')] : [])].join(' ');
  return [unit(hours, 'hour'), ...(rest ? [unit(rest, 'minute')] : [])].join(' ');
}

/** Minutes from `from` to `to`, rounded to the nearest whole minute (never negative). */
export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / MINUTE));
}
