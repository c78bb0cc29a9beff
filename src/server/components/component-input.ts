import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../domain/vocabulary.ts';
import { text } from '../../infra/text-input.ts';

// Boundary schemas for components and groups, shared by the JSON API and the admin form.

const id = z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component or group id');
const name = text(120, { required: true });
const description = text(500).nullable();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-01-31');

export const ComponentInput = z.strictObject({
  name,
  description: description.optional(),
  status: z.enum(COMPONENT_STATUSES).optional(),
  group_id: id.nullable().optional(),
  position: z.number().int().min(0).max(100_000).optional(),
  showcase: z.boolean().optional(),
  only_show_if_degraded: z.boolean().optional(),
  hidden: z.boolean().optional(),
  start_date: date.nullable().optional(),
});
export type ComponentInput = z.infer<typeof ComponentInput>;

export const ComponentPatch = ComponentInput.partial().extend({ version: z.number().int().positive().optional() });
export type ComponentPatch = z.infer<typeof ComponentPatch>;

export const GroupInput = z.strictObject({
  name,
  description: description.optional(),
  position: z.number().int().min(0).max(100_000).optional(),
  hidden: z.boolean().optional(),
  /** Member components, in order. */
  components: z.array(id).max(500).optional(),
});
export type GroupInput = z.infer<typeof GroupInput>;

export const GroupPatch = GroupInput.partial().extend({ version: z.number().int().positive().optional() });
export type GroupPatch = z.infer<typeof GroupPatch>;

export const ReorderInput = z.strictObject({
  /** Groups and ungrouped components in display order. */
  order: z.array(id).min(1).max(1000),
});
