import { z } from 'zod';
import { incidents } from '../../db/schema.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import { planPostmortem, type PostmortemAction } from '../../domain/postmortem.ts';
import { enqueueEventNotification } from '../../notify/enqueue.ts';
import { enqueueWebhooks } from '../../notify/webhook-enqueue.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { text } from '../../infra/text-input.ts';
import { lockForChange } from '../versioning.ts';
import { saveIncidentFields } from './apply-update.ts';
import { incidentParts } from './incident-queries.ts';
import { incidentFields, incidentResource } from '../resources.ts';

export const PostmortemInput = z.strictObject({
  body: text(50_000, { required: true }),
  /** true publishes; false keeps it a draft (withdrawing it if published); omitted keeps it as it is. */
  publish: z.boolean().optional(),
  /** Email it to the incident's subscribers when it is first published (default true). */
  deliver_notifications: z.boolean().optional(),
  version: z.number().int().positive().optional(),
});
export type PostmortemInput = z.infer<typeof PostmortemInput>;

type IncidentRow = typeof incidents.$inferSelect;

function changePostmortem(
  ctx: ChangeContext,
  id: string,
  version: number | undefined,
  action: PostmortemAction,
  body?: string,
  notify = true,
) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<IncidentRow>(tx, incidents, 'incident', id, version);
    const { updates, componentIds } = await incidentParts(tx, id);
    const before = incidentResource(current, updates, componentIds);
    const plan = planPostmortem(current, action, ctx.now);
    if (plan.action === 'none') return { value: before, audit: [] };
    const row = await saveIncidentFields(tx, id, {
      ...(body !== undefined ? { postmortemBody: stripControlCharacters(body) } : {}),
      status: plan.status,
      postmortemPublishedAt: plan.postmortemPublishedAt,
      updatedAt: ctx.now,
    });
    if (plan.action === 'publish' && notify) {
      await enqueueEventNotification(tx, { incident: row, update: null, kind: 'postmortem', now: ctx.now });
      // Statuspage's webhook for a published postmortem: the incident, now in status "postmortem".
      await enqueueWebhooks(tx, { incident: { id, event: 'incident.updated' }, now: ctx.now });
    }
    const value = incidentResource(row, updates, componentIds);
    // A draft is not public, but the incident's updated_at in the public JSON moves with it.
    return {
      value,
      scope: { incidentIds: [id] },
      audit: [
        {
          action: `postmortem.${plan.action}`,
          entityType: 'incident',
          entityId: id,
          before: incidentFields(current, componentIds),
          after: incidentFields(row, componentIds),
        },
      ],
    };
  });
}

/** Saves the postmortem's text, and publishes or withdraws it as asked. */
export function savePostmortem(ctx: ChangeContext, id: string, input: PostmortemInput) {
  return changePostmortem(
    ctx,
    id,
    input.version,
    { type: 'save', publish: input.publish },
    input.body,
    input.deliver_notifications ?? true,
  );
}

/** Takes a published postmortem off the public page; the text stays as a draft. */
export function unpublishPostmortem(ctx: ChangeContext, id: string, version: number | undefined) {
  return changePostmortem(ctx, id, version, { type: 'unpublish' });
}
