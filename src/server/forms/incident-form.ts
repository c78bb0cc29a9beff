import { RuleViolation } from '../../domain/errors.ts';
import { IncidentCreateInput, UpdateEdit, UpdateInput } from '../incidents/incident-input.ts';
import {
  defined,
  type FormInput,
  isChecked,
  listOf,
  nullableIntegerOf,
  optionalText,
  prefixedEntries,
  textOf,
  versionOf,
} from './form-fields.ts';
import { zonedLocalToUtc } from '../../domain/format.ts';

// The admin form's incident and maintenance fields carry the JSON API's names
// ("body", "components.<id>", "next_update_in_minutes"...), so an error from the schema
// or a use case names the very input to mark.

type Form = FormInput & Pick<FormData, 'keys'>;

/**
 * With a severity, an empty impact or next update is left out, so the level's default fills it;
 * without one, an empty next update withdraws the promise.
 */
export function formToIncidentInput(form: Form): IncidentCreateInput {
  const severity = optionalText(form, 'severity')?.trim();
  const nextUpdate = nullableIntegerOf(form, 'next_update_in_minutes');
  return IncidentCreateInput.parse(
    defined({
      kind: 'incident',
      name: textOf(form, 'name'),
      status: optionalText(form, 'status'),
      severity,
      incident_manager_id: optionalText(form, 'incident_manager_id')?.trim(),
      communications_lead_id: optionalText(form, 'communications_lead_id')?.trim(),
      impact_override: optionalText(form, 'impact_override'),
      body: textOf(form, 'body'),
      components: prefixedEntries(form, 'components'),
      deliver_notifications: isChecked(form, 'deliver_notifications'),
      next_update_in_minutes: severity && nextUpdate === null ? undefined : nextUpdate,
    }),
  );
}

function windowEdge(form: FormInput, name: 'scheduled_for' | 'scheduled_until', timeZone: string): string | undefined {
  const local = textOf(form, name).trim();
  if (local === '') return undefined;
  const instant = zonedLocalToUtc(local, timeZone);
  if (!instant) throw new RuleViolation('invalid_field', 'must be a date and time such as 2026-11-21 14:30', name);
  return instant.toISOString();
}

/** The window is read in the page's time zone (the form says which). */
export function formToMaintenanceInput(form: Form, timeZone: string): IncidentCreateInput {
  const start = windowEdge(form, 'scheduled_for', timeZone);
  const end = windowEdge(form, 'scheduled_until', timeZone);
  if (start && end && end <= start)
    throw new RuleViolation('invalid_field', 'must be after the start', 'scheduled_until');
  return IncidentCreateInput.parse(
    defined({
      kind: 'maintenance',
      name: textOf(form, 'name'),
      body: textOf(form, 'body'),
      component_ids: listOf(form, 'component_ids'),
      scheduled_for: start,
      scheduled_until: end,
      scheduled_auto_in_progress: isChecked(form, 'scheduled_auto_in_progress'),
      scheduled_auto_completed: isChecked(form, 'scheduled_auto_completed'),
      deliver_notifications: isChecked(form, 'deliver_notifications'),
    }),
  );
}

/** A new update on an incident or maintenance, made from the version the form showed. */
export function formToUpdateInput(form: Form): UpdateInput {
  return UpdateInput.parse(
    defined({
      status: textOf(form, 'status'),
      body: textOf(form, 'body'),
      components: prefixedEntries(form, 'components'),
      impact_override: optionalText(form, 'impact_override'),
      deliver_notifications: isChecked(form, 'deliver_notifications'),
      next_update_in_minutes: nullableIntegerOf(form, 'next_update_in_minutes'),
      version: versionOf(form),
    }),
  );
}

export function formToUpdateEdit(form: FormInput): UpdateEdit {
  return UpdateEdit.parse({ body: textOf(form, 'body'), version: versionOf(form) });
}

/** Deleting needs the box ticked: there is no undo. */
export function formToDeletion(form: FormInput): { version: number } {
  if (!isChecked(form, 'confirm'))
    throw new RuleViolation('confirmation_required', 'tick "I am sure" to delete', 'confirm');
  return { version: versionOf(form) };
}
