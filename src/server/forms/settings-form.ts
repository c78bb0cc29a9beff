import { SettingsPatch } from '../settings/manage-settings.ts';
import { nullableText, textOf, versionOf, type FormInput } from './form-fields.ts';

/** Empty URL fields clear the URL. */
export function formToSettingsPatch(form: FormInput): SettingsPatch {
  return SettingsPatch.parse({
    name: textOf(form, 'name'),
    homepage_url: nullableText(form, 'homepage_url')?.trim() ?? null,
    time_zone: textOf(form, 'time_zone').trim(),
    brand_color: textOf(form, 'brand_color').trim(),
    logo_url: nullableText(form, 'logo_url')?.trim() ?? null,
    support_url: nullableText(form, 'support_url')?.trim() ?? null,
    version: versionOf(form),
  });
}
