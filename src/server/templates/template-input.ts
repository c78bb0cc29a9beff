import { z } from 'zod';
import { EVENT_KINDS, EVENT_STATUSES } from '../../domain/vocabulary.ts';

export const TemplateInput = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters'),
  kind: z.enum(EVENT_KINDS).optional(),
  status: z.enum(EVENT_STATUSES),
  title: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  body: z.string().trim().min(1, 'is required').max(10_000, 'must be at most 10,000 characters'),
});
export type TemplateInput = z.infer<typeof TemplateInput>;

export const TemplatePatch = TemplateInput.partial().extend({ version: z.number().int().positive().optional() });
export type TemplatePatch = z.infer<typeof TemplatePatch>;
