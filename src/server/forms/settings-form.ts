import { RuleViolation } from '../../domain/errors.ts';
import { SEVERITY_KEYS, type SeverityLevel } from '../../domain/severity.ts';
import { SettingsPatch, type settingsResource } from '../settings/manage-settings.ts';
import { integerOf, nullableText, textOf, versionOf, type FormInput } from './form-fields.ts';

const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;

/** A field the form did not send is left as it is; one sent empty is an error the schema names. */
function sent<T>(form: FormInput, name: string, read: () => T): T | undefined {
  return form.has(name) ? read() : undefined;
}

function decimalOf(form: FormInput, name: string, message: string): number {
  const value = textOf(form, name).replace(',', '.');
  if (!DECIMAL.test(value)) throw new RuleViolation('invalid_field', message, name);
  return Number(value);
}

function requiredIntegerOf(form: FormInput, name: string): number {
  const value = integerOf(form, name);
  if (value === undefined) throw new RuleViolation('invalid_field', 'is required', name);
  return value;
}

/** The impacts a severity level may default to. */
export const SEVERITY_IMPACTS = ['none', 'minor', 'major', 'critical'] as const;

/** The settings as the form shows them: the staff one per line, each severity field by its own name. */
export function settingsFormValues(settings: ReturnType<typeof settingsResource>) {
  const { severity_levels: levels, ...fields } = settings;
  return { ...fields, alert_staff: settings.alert_staff.join('\n'), ...severityFormValues(levels) };
}

/** The form's values of the severity levels: `severity.<key>.<field>`. */
function severityFormValues(levels: readonly SeverityLevel[]): Record<string, string | boolean> {
  return Object.fromEntries(
    levels.flatMap((level) => [
      [`severity.${level.key}.name`, level.name],
      [`severity.${level.key}.definition`, level.definition],
      [`severity.${level.key}.default_impact`, level.default_impact],
      [`severity.${level.key}.update_cadence_minutes`, String(level.update_cadence_minutes)],
      [`severity.${level.key}.notify_by_default`, level.notify_by_default],
    ]),
  );
}

/** The four levels as the form sends them (each notify box paired with a hidden "false"). */
function severityLevelsOf(form: FormInput) {
  return SEVERITY_KEYS.map((key) => ({
    key,
    name: textOf(form, `severity.${key}.name`),
    definition: textOf(form, `severity.${key}.definition`),
    default_impact: textOf(form, `severity.${key}.default_impact`),
    update_cadence_minutes: integerOf(form, `severity.${key}.update_cadence_minutes`),
    notify_by_default: form.getAll(`severity.${key}.notify_by_default`).includes('true'),
  }));
}

/**
 * Empty URL fields clear the URL. The visitor-webhooks checkbox is paired with a hidden
 * "false" of the same name, so an unticked box reads as false rather than as "not sent".
 */
export function formToSettingsPatch(form: FormInput): SettingsPatch {
  return SettingsPatch.parse({
    name: textOf(form, 'name'),
    homepage_url: nullableText(form, 'homepage_url')?.trim() ?? null,
    time_zone: textOf(form, 'time_zone').trim(),
    brand_color: textOf(form, 'brand_color').trim(),
    logo_url: nullableText(form, 'logo_url')?.trim() ?? null,
    support_url: nullableText(form, 'support_url')?.trim() ?? null,
    partial_outage_weight: sent(form, 'partial_outage_weight', () =>
      decimalOf(form, 'partial_outage_weight', 'must be a number from 0 to 1'),
    ),
    reminder_interval_minutes: sent(form, 'reminder_interval_minutes', () =>
      requiredIntegerOf(form, 'reminder_interval_minutes'),
    ),
    stale_incident_hours: sent(form, 'stale_incident_hours', () => requiredIntegerOf(form, 'stale_incident_hours')),
    maintenance_reminder_minutes: sent(form, 'maintenance_reminder_minutes', () =>
      requiredIntegerOf(form, 'maintenance_reminder_minutes'),
    ),
    visitor_webhooks: sent(form, 'visitor_webhooks', () => form.getAll('visitor_webhooks').includes('true')),
    // One email per line (or separated by commas); empty: every admin and editor.
    alert_staff: sent(form, 'alert_staff', () =>
      textOf(form, 'alert_staff')
        .split(/[\s,;]+/)
        .filter((email) => email !== ''),
    ),
    default_language: sent(form, 'default_language', () => textOf(form, 'default_language')),
    severity_levels: form.has('severity.sev1.name') ? severityLevelsOf(form) : undefined,
    version: versionOf(form),
  });
}
