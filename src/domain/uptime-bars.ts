import { escapeHtml } from './markdown.ts';
import type { UptimeDay } from './page-uptime.ts';
import { severityShade } from './uptime.ts';

// The 90 day bars of an uptime row as HTML: 1,800 list items at 20 components, on the
// page every change re-renders first. Built as a string rather than through Astro's
// per-element rendering, and each day's item kept with the day: past days are the same
// objects from one snapshot to the next (see page-uptime.ts), so a change publish only
// builds today's item.

export interface BarWords {
  /** Identifies the wording (the language): items are cached per day and per key. */
  key: string;
  /** The day's date as shown, e.g. "Nov 21, 2026". */
  dayLabel(day: string): string;
  /** The day in words (uptime, worst status, incidents): the colour is never all it says. */
  describe(day: UptimeDay): string;
}

const items = new WeakMap<UptimeDay, Map<string, string>>();

function barItem(day: UptimeDay, words: BarWords): string {
  let byWords = items.get(day);
  if (!byWords) items.set(day, (byWords = new Map()));
  let html = byWords.get(words.key);
  if (html === undefined) {
    const shade = severityShade(day);
    const className = `d-${day.worst ?? 'none'}${shade < 3 ? ` s${shade}` : ''}`;
    html = `<li tabindex="0" class="${className}"><span><b>${escapeHtml(words.dayLabel(day.day))}</b> ${escapeHtml(words.describe(day))}</span></li>`;
    byWords.set(words.key, html);
  }
  return html;
}

/** The `<li>` items of a row's bars, oldest first. */
export function uptimeBarItems(days: readonly UptimeDay[], words: BarWords): string {
  let html = '';
  for (const day of days) html += barItem(day, words);
  return html;
}
