import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { pageSettings } from '../../db/schema.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { lockForChange, nextVersion } from '../versioning.ts';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const SettingsPatch = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters').optional(),
  homepage_url: httpUrl.nullable().optional(),
  time_zone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
  brand_color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #2563eb').optional(),
  logo_url: httpUrl.nullable().optional(),
  support_url: httpUrl.nullable().optional(),
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
    updated_at: s.updatedAt.toISOString(),
    version: s.version,
  };
}

export async function getSettings(db: Queryable) {
  const [row] = await db.select().from(pageSettings).where(eq(pageSettings.id, 1));
  return settingsResource(row!);
}

export function updateSettings(ctx: ChangeContext, patch: SettingsPatch) {
  return runChange(ctx, async (tx) => {
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
        updatedAt: ctx.now,
        version: nextVersion(pageSettings),
      })
      .where(eq(pageSettings.id, 1))
      .returning();
    const value = settingsResource(row!);
    return { value, scope: { everything: true }, audit: [{ action: 'settings.update', entityType: 'settings', entityId: null, before: settingsResource(current), after: value }] };
  });
}
