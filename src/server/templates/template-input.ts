import { z } from 'zod';
import { EVENT_KINDS, EVENT_STATUSES, LANGUAGES } from '../../domain/vocabulary.ts';

const title = z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters');
const body = z.string().trim().min(1, 'is required').max(10_000, 'must be at most 10,000 characters');

/** The wording in other languages, by language code; the comms lead picks one when filling a form. */
export const TemplateTranslations = z.partialRecord(
  z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }),
  z.strictObject({ title, body }),
);
export type TemplateTranslations = z.infer<typeof TemplateTranslations>;

export const TemplateInput = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  kind: z.enum(EVENT_KINDS).optional(),
  status: z.enum(EVENT_STATUSES),
  title,
  body,
  translations: TemplateTranslations.optional(),
});
export type TemplateInput = z.infer<typeof TemplateInput>;

export const TemplatePatch = TemplateInput.partial().extend({ version: z.number().int().positive().optional() });
export type TemplatePatch = z.infer<typeof TemplatePatch>;
