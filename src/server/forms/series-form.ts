import { DateTime } from 'luxon';
import { RuleViolation } from '../../domain/errors.ts';
import { REPEAT_CHOICES, ruleOfChoice, type RepeatChoice } from '../../domain/recurrence.ts';
import type { IncidentCreateInput } from '../incidents/incident-input.ts';
import {
  deleteSeries,
  listSeries,
  MoveInput,
  moveOccurrence,
  OccurrenceInput,
  SeriesInput,
  skipOccurrence,
} from '../maintenance/manage-series.ts';
import { getSettings } from '../settings/manage-settings.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';
import { integerOf, textOf, type FormInput } from './form-fields.ts';
import { zonedLocalToUtc } from '../../domain/format.ts';
import { listComponents } from '../components/manage-components.ts';

// Recurring maintenance in the admin: the "Repeat" part of the schedule-maintenance form, and
// the page of series (src/pages/admin/maintenances/recurring.astro) with its actions: skip or
// move one occurrence, delete the series.

/**
 * The series a schedule-maintenance form describes when it repeats: its first window is the
 * form's window, the rule the repeat chosen (or the custom RRULE), announced `announce_days` ahead.
 */
export function formToSeriesInput(input: IncidentCreateInput, form: FormInput, timeZone: string): SeriesInput {
  const choice = textOf(form, 'repeat').trim();
  const start = input.scheduled_for!;
  const end = input.scheduled_until!;
  const startsAtLocal = DateTime.fromJSDate(start, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
  const until = textOf(form, 'repeat_until').trim();
  if (until !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(until))
    throw new RuleViolation('invalid_field', 'must be a date such as 2027-06-30', 'repeat_until');
  let rrule: string;
  if (choice === 'custom') rrule = textOf(form, 'rrule');
  else if ((REPEAT_CHOICES as readonly string[]).includes(choice))
    rrule = ruleOfChoice(choice as RepeatChoice, startsAtLocal, timeZone, until || null);
  else throw new RuleViolation('invalid_field', 'is not one of the choices', 'repeat');
  return SeriesInput.parse({
    name: input.name,
    body: input.body,
    component_ids: input.component_ids ?? [],
    rrule,
    starts_at: start.toISOString(),
    duration_minutes: Math.round((end.getTime() - start.getTime()) / 60_000),
    time_zone: timeZone,
    announce_days: integerOf(form, 'announce_days') ?? 7,
    auto_start: input.scheduled_auto_in_progress ?? true,
    auto_complete: input.scheduled_auto_completed ?? true,
    deliver_notifications: input.deliver_notifications ?? true,
  });
}

/** The series with their next occurrences and the components' names. */
export async function loadSeriesPage({ herald }: AdminViewer) {
  const [settings, series, components] = await Promise.all([
    getSettings(herald.db),
    listSeries(herald.db, herald.now()),
    listComponents(herald.db),
  ]);
  return { settings, series, componentNames: new Map(components.map((c) => [c.id, c.name])) };
}

/** An occurrence's new window, typed in the page's time zone. */
function formToMove(form: FormInput, timeZone: string) {
  const at = (name: string) => {
    const local = textOf(form, name).trim();
    const instant = local ? zonedLocalToUtc(local, timeZone) : null;
    if (!instant) throw new RuleViolation('invalid_field', 'must be a date and time such as 2027-03-14 02:00', name);
    return instant.toISOString();
  };
  return MoveInput.parse({
    occurrence: textOf(form, 'occurrence'),
    scheduled_for: at('scheduled_for'),
    scheduled_until: at('scheduled_until'),
  });
}

export const SERIES_LABELS = { occurrence: 'Occurrence', scheduled_for: 'New start', scheduled_until: 'New end' };

export const SERIES_PAGE_ACTIONS: Record<string, FormAction<never>> = {
  skip: {
    role: 'editor',
    key: (id, fields) => `skip-${id}-${textOf(fields, 'occurrence')}`,
    run: async ({ change, id, fields }) => ({
      committed: await skipOccurrence(
        change,
        id,
        OccurrenceInput.parse({ occurrence: textOf(fields, 'occurrence') }).occurrence,
      ),
      to: `/admin/maintenances/recurring#series-${id}`,
    }),
  },
  move: {
    role: 'editor',
    key: (id, fields) => `move-${id}-${textOf(fields, 'occurrence')}`,
    run: async ({ herald, change, id, fields }) => ({
      committed: await moveOccurrence(change, id, formToMove(fields, (await getSettings(herald.db)).time_zone)),
      to: `/admin/maintenances/recurring#series-${id}`,
    }),
  },
  delete: {
    role: 'editor',
    key: (id) => `delete-${id}`,
    run: async ({ change, id }) => ({ committed: await deleteSeries(change, id, undefined), notice: 'deleted' }),
  },
};
