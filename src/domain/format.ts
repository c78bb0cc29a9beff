// Dates as the page's visitors read them: in the page's time zone, never the server's.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions, locale = 'en-US'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formatters.set(key, cached);
  }
  return cached;
}

/** "Nov 21, 2026, 14:05 UTC" */
export function formatDateTime(date: Date, timeZone: string): string {
  return formatter(timeZone, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(date);
}

/** "14:05 UTC" */
export function formatTime(date: Date, timeZone: string): string {
  return formatter(timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(date);
}

/** "Nov 21, 2026" */
export function formatDate(date: Date, timeZone: string): string {
  return formatter(timeZone, { month: 'short', day: 'numeric', year: 'numeric' }).format(date);
}

/** "November 2026" */
export function formatMonth(monthKey: string): string {
  const [year, month] = monthKey.split('-').map(Number);
  return formatter('UTC', { month: 'long', year: 'numeric' }).format(new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1)));
}

/** The calendar day in the time zone, as "2026-11-21". */
export function dayKey(date: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return formatter(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA').format(date);
}

export function monthKey(date: Date, timeZone: string): string {
  return dayKey(date, timeZone).slice(0, 7);
}

/** The `count` calendar days ending with today, newest first, as day keys. */
export function lastDays(now: Date, timeZone: string, count: number): string[] {
  const days: string[] = [];
  // Step back by 24h from noon of today; noon keeps DST shifts from skipping a day.
  const today = dayKey(now, timeZone);
  let cursor = Date.parse(`${today}T12:00:00Z`);
  for (let i = 0; i < count; i++) {
    days.push(new Date(cursor).toISOString().slice(0, 10));
    cursor -= 86_400_000;
  }
  return days;
}

/** "Nov 21, 2026" for a day key. */
export function formatDayKey(day: string): string {
  return formatter('UTC', { month: 'short', day: 'numeric', year: 'numeric' }).format(new Date(`${day}T12:00:00Z`));
}

/** "in 25 minutes", "2 hours ago". */
export function formatRelative(target: Date, now: Date): string {
  const minutes = Math.round((target.getTime() - now.getTime()) / 60_000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}
