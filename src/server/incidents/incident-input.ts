import { z } from 'zod';
import { SEVERITY_KEYS } from '../../domain/severity.ts';
import { COMPONENT_STATUSES, EVENT_KINDS, EVENT_STATUSES, IMPACTS } from '../../domain/vocabulary.ts';
import { text } from '../../infra/text-input.ts';

// Boundary schemas for incidents, maintenances and their updates. Field names follow
// Statuspage's manage API (`body`, `impact_override`, `components`, `component_ids`,
// `deliver_notifications`, `scheduled_for`...), so Statuspage scripts work unchanged.

const componentId = z.string().regex(/^[0-9a-z]{12}$/, 'must be a 12-character component id');
const body = text(10_000, { required: true });
const timestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-11-21T14:30:00Z' })
  .transform((s) => new Date(s));
const version = z.number().int().positive().optional();

const componentChanges = z.record(
  componentId,
  z.enum(COMPONENT_STATUSES, { message: `must be one of ${COMPONENT_STATUSES.join(', ')}` }),
);

/** Minutes until the next promised update; null withdraws the promise. */
const nextUpdate = z
  .number()
  .int()
  .min(1, 'must be at least 1 minute')
  .max(7 * 24 * 60, 'must be at most 7 days')
  .nullable()
  .optional();

const name = text(200, { required: true });

/** A user in an incident role (incident manager, communications lead); null: nobody. */
const roleHolder = z
  .string()
  .regex(/^[0-9a-z]{12}$/, 'must be a 12-character user id')
  .nullable()
  .optional();
const roles = { incident_manager_id: roleHolder, communications_lead_id: roleHolder };

/** Internal; its level's defaults fill what the request leaves out (impact, next update, notify). */
const severity = z.enum(SEVERITY_KEYS, { error: `must be one of ${SEVERITY_KEYS.join(', ')}` });

/** What any update may carry besides its status and text. */
const updateExtras = {
  components: componentChanges.optional(),
  component_ids: z.array(componentId).max(500).optional(),
  deliver_notifications: z.boolean().optional(),
  next_update_in_minutes: nextUpdate,
  impact_override: z.enum(IMPACTS).optional(),
};

/** A maintenance window and whether Herald moves it along by itself. */
const windowFields = {
  scheduled_for: timestamp.optional(),
  scheduled_until: timestamp.optional(),
  scheduled_auto_in_progress: z.boolean().optional(),
  scheduled_auto_completed: z.boolean().optional(),
};

function checkWindow(
  input: { scheduled_for?: Date | undefined; scheduled_until?: Date | undefined },
  ctx: z.RefinementCtx,
): void {
  if (input.scheduled_for && input.scheduled_until && input.scheduled_until <= input.scheduled_for) {
    ctx.addIssue({ code: 'custom', path: ['scheduled_until'], message: 'must be after scheduled_for' });
  }
}

export const IncidentCreateInput = z
  .strictObject({
    kind: z.enum(EVENT_KINDS).optional(),
    name,
    status: z.enum(EVENT_STATUSES).optional(),
    body,
    severity: severity.optional(),
    ...roles,
    ...updateExtras,
    ...windowFields,
    // Accepted for Statuspage compatibility; Herald has no Twitter integration.
    auto_tweet_at_beginning: z.boolean().optional(),
    auto_tweet_on_completion: z.boolean().optional(),
    auto_tweet_on_creation: z.boolean().optional(),
    auto_tweet_one_hour_before: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    const maintenance = input.kind === 'maintenance' || input.scheduled_for !== undefined;
    if (maintenance && (!input.scheduled_for || !input.scheduled_until)) {
      ctx.addIssue({
        code: 'custom',
        path: [input.scheduled_for ? 'scheduled_until' : 'scheduled_for'],
        message: 'is required for a scheduled maintenance',
      });
    }
    checkWindow(input, ctx);
  });
export type IncidentCreateInput = z.infer<typeof IncidentCreateInput>;

export const UpdateInput = z.strictObject({
  status: z.enum(EVENT_STATUSES),
  body,
  ...updateExtras,
  version,
});
export type UpdateInput = z.infer<typeof UpdateInput>;

/** Statuspage's PATCH /incidents/{id}: edits fields and, with a status or body, posts an update. */
export const IncidentPatch = z
  .strictObject({
    name: name.optional(),
    status: z.enum(EVENT_STATUSES).optional(),
    body: body.optional(),
    /** null takes the incident's severity away. */
    severity: severity.nullable().optional(),
    ...roles,
    ...updateExtras,
    ...windowFields,
    version,
  })
  .superRefine(checkWindow);
export type IncidentPatch = z.infer<typeof IncidentPatch>;

/** GET /incidents: the query string, each parameter checked (a kind not in the list is a 422, not an empty list). */
export const IncidentQuery = z.strictObject({
  kind: z.enum(EVENT_KINDS).optional(),
  unresolved: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  after: z
    .string()
    .regex(/^[0-9a-z]{12}$/, 'must be a 12-character incident id')
    .optional(),
});

export const UpdateEdit = z.strictObject({
  body,
  display_at: timestamp.optional(),
  version,
});
export type UpdateEdit = z.infer<typeof UpdateEdit>;
