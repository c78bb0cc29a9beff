import { z } from 'zod';
import { EVENT_KINDS, EVENT_STATUSES, LANGUAGES } from '../../domain/vocabulary.ts';
import { text } from '../../infra/text-input.ts';

const title = text(200, { required: true });
const body = text(10_000, { required: true });

/** The wording in other languages, by language code; the comms lead picks one when filling a form. */
export const TemplateTranslations = z.partialRecord(
  z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }),
  z.strictObject({ title, body }),
);
export type TemplateTranslations = z.infer<typeof TemplateTranslations>;

export const TemplateInput = z.strictObject({
  name: text(120, { required: true }),
  kind: z.enum(EVENT_KINDS).optional(),
  status: z.enum(EVENT_STATUSES),
  title,
  body,
  translations: TemplateTranslations.optional(),
});
export type TemplateInput = z.infer<typeof TemplateInput>;

export const TemplatePatch = TemplateInput.partial().extend({ version: z.number().int().positive().optional() });
export type TemplatePatch = z.infer<typeof TemplatePatch>;
