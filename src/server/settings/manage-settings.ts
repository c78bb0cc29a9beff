import { languageOr } from '../../domain/i18n/translator.ts';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { pageSettings, users } from '../../db/schema.ts';
import { LANGUAGES } from '../../domain/vocabulary.ts';
import { SEVERITY_KEYS, severityLevels } from '../../domain/severity.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { storable, text } from '../../infra/text-input.ts';
import { lockForChange, nextVersion } from '../versioning.ts';
import { HttpError } from '../../infra/errors.ts';

const wholeNumber = (min: number, max: number, unit: 'minute' | 'hour') => {
  const count = (n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return z
    .number({ error: `must be a whole number of ${unit}s` })
    .int(`must be a whole number of ${unit}s`)
    .min(min, `must be at least ${count(min)}`)
    .max(max, `must be at most ${count(max)}`);
};

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(500)
  .check(storable);

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const SettingsPatch = z.strictObject({
  name: text(120, { required: true }).optional(),
  homepage_url: httpUrl.nullable().optional(),
  time_zone: text(100).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
  brand_color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #2563eb')
    .optional(),
  logo_url: httpUrl.nullable().optional(),
  support_url: httpUrl.nullable().optional(),
  /** How much of a partial outage counts as downtime: 0 none of it, 1 all of it. */
  partial_outage_weight: z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, 'must be a number from 0 to 1')
    .max(1, 'must be a number from 0 to 1')
    .optional(),
  reminder_interval_minutes: wholeNumber(5, 1440, 'minute').optional(),
  stale_incident_hours: wholeNumber(1, 720, 'hour').optional(),
  /** 0 turns the reminder off. */
  maintenance_reminder_minutes: wholeNumber(0, 10080, 'minute').optional(),
  visitor_webhooks: z.boolean({ error: 'must be true or false' }).optional(),
  /** Users (by email) told of suggested incidents from alerts; empty: every admin and editor. */
  alert_staff: z
    .array(
      text(254, { required: true }).transform((email) => email.toLowerCase()),
      {
        error: 'must be a list of user emails',
      },
    )
    .max(100, 'must list at most 100 users')
    .transform((emails) => [...new Set(emails)])
    .optional(),
  default_language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
  /** The four severity levels (any left out keep theirs), each named by its key. */
  severity_levels: z
    .array(
      z.strictObject({
        key: z.enum(SEVERITY_KEYS, { error: `must be one of ${SEVERITY_KEYS.join(', ')}` }),
        name: text(60, { required: true }),
        definition: text(1000, { required: true }),
        default_impact: z.enum(['none', 'minor', 'major', 'critical'], {
          error: 'must be one of none, minor, major, critical',
        }),
        update_cadence_minutes: wholeNumber(5, 1440, 'minute'),
        notify_by_default: z.boolean({ error: 'must be true or false' }),
      }),
    )
    .max(SEVERITY_KEYS.length)
    .refine((levels) => new Set(levels.map((l) => l.key)).size === levels.length, 'must name each level once')
    .optional(),
  version: z.number().int().positive().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatch>;

type SettingsRow = typeof pageSettings.$inferSelect;

export function settingsResource(s: SettingsRow) {
  return {
    name: s.name,
    homepage_url: s.homepageUrl,
    time_zone: s.timeZone,
    brand_color: s.brandColor,
    logo_url: s.logoUrl,
    support_url: s.supportUrl,
    partial_outage_weight: s.partialOutageWeight,
    reminder_interval_minutes: s.reminderIntervalMinutes,
    stale_incident_hours: s.staleIncidentHours,
    maintenance_reminder_minutes: s.maintenanceReminderMinutes,
    visitor_webhooks: s.visitorWebhooks,
    alert_staff: s.alertStaff,
    severity_levels: severityLevels(s.severityLevels),
    default_language: languageOr(s.defaultLanguage, 'en'),
    updated_at: s.updatedAt.toISOString(),
    version: s.version,
  };
}

export async function getSettings(db: Queryable) {
  const [row] = await db.select().from(pageSettings).where(eq(pageSettings.id, 1));
  return settingsResource(row!);
}

/** The settings the published pages show; the others (reminders, visitor webhooks) are the admin's and the dynamic pages'. */
const PUBLISHED_SETTINGS = [
  'name',
  'homepage_url',
  'brand_color',
  'logo_url',
  'support_url',
  'partial_outage_weight',
] as const;

/**
 * The default language moves every route, the time zone every day of the history and uptime
 * figures: a full publish. Another setting the pages show publishes site-wide; the rest, nothing.
 */
function settingsScope(before: ReturnType<typeof settingsResource>, after: ReturnType<typeof settingsResource>) {
  if (before.default_language !== after.default_language || before.time_zone !== after.time_zone)
    return { everything: true };
  return PUBLISHED_SETTINGS.some((field) => before[field] !== after[field]) ? { siteWide: true } : undefined;
}

/** Each listed email must be a user's: the field's index names the one that is not. */
async function checkAlertStaff(tx: Queryable, emails: readonly string[] | undefined): Promise<void> {
  if (!emails || emails.length === 0) return;
  const known = new Set(
    (
      await tx
        .select({ email: users.email })
        .from(users)
        .where(inArray(users.email, [...emails]))
    ).map((u) => u.email.toLowerCase()),
  );
  const missing = emails.findIndex((email) => !known.has(email));
  if (missing >= 0)
    throw new HttpError(422, 'invalid_field', `no user has the email "${emails[missing]}"`, {
      field: `alert_staff.${missing}`,
    });
}

export function updateSettings(ctx: ChangeContext, patch: SettingsPatch) {
  return runChange(ctx, async (tx) => {
    await checkAlertStaff(tx, patch.alert_staff);
    const current = await lockForChange<SettingsRow>(tx, pageSettings, 'page settings', 1, patch.version);
    const [row] = await tx
      .update(pageSettings)
      .set({
        name: patch.name,
        homepageUrl: patch.homepage_url,
        timeZone: patch.time_zone,
        brandColor: patch.brand_color,
        logoUrl: patch.logo_url,
        supportUrl: patch.support_url,
        partialOutageWeight: patch.partial_outage_weight,
        reminderIntervalMinutes: patch.reminder_interval_minutes,
        staleIncidentHours: patch.stale_incident_hours,
        maintenanceReminderMinutes: patch.maintenance_reminder_minutes,
        visitorWebhooks: patch.visitor_webhooks,
        alertStaff: patch.alert_staff,
        severityLevels: patch.severity_levels
          ? severityLevels([
              ...patch.severity_levels,
              ...severityLevels(current.severityLevels).filter(
                (kept) => !patch.severity_levels!.some((l) => l.key === kept.key),
              ),
            ])
          : undefined,
        defaultLanguage: patch.default_language,
        updatedAt: ctx.now,
        version: nextVersion(pageSettings),
      })
      .where(eq(pageSettings.id, 1))
      .returning();
    const value = settingsResource(row!);
    return {
      value,
      scope: settingsScope(settingsResource(current), value),
      audit: [
        {
          action: 'settings.update',
          entityType: 'settings',
          entityId: null,
          before: settingsResource(current),
          after: value,
        },
      ],
    };
  });
}
