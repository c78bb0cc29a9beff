import { planPostmortem } from '../../domain/postmortem.ts';
import type { IncidentView, Snapshot } from '../../domain/snapshot.ts';
import { getIncident } from '../incidents/incident-queries.ts';
import { PostmortemInput, savePostmortem } from '../incidents/postmortem.ts';
import type { IncidentResource } from '../resources.ts';
import type { HeraldServices } from '../services.ts';
import { attempt, changeContext, publishAll } from './admin-page.ts';
import { type FormInput, intentAmong, submittedValues, textOf, versionOf } from './form-fields.ts';
import { FormState } from './form-state.ts';
import { incidentViewOf } from './incident-preview.ts';

// The admin's postmortem form: its own intents, posted to the incident page, so the
// page only asks isPostmortemIntent() and hands the post over.

export const POSTMORTEM_INTENTS = ['postmortem_preview', 'postmortem_draft', 'postmortem_publish'] as const;

export function isPostmortemIntent(form: FormInput): boolean {
  return intentAmong(form, POSTMORTEM_INTENTS) !== null;
}

/** Save draft keeps it off the page (withdrawing it if it was published); Publish publishes or updates it. */
export function formToPostmortemInput(form: FormInput): PostmortemInput {
  const intent = textOf(form, 'intent');
  return PostmortemInput.parse({ body: textOf(form, 'body'), publish: intent === 'postmortem_publish', version: versionOf(form) });
}

/** The incident page as it will read with this postmortem published. */
export function previewPostmortem(current: IncidentView, input: PostmortemInput, now: Date): IncidentView {
  // Throws the same RuleViolation (naming the field) that publishing would.
  const plan = planPostmortem(current, { type: 'save', publish: true }, now);
  return { ...current, status: plan.status, postmortemBody: input.body, postmortemPublishedAt: plan.postmortemPublishedAt };
}

export type PostmortemFormResult = { done: true; redirect: string } | { done: false; form: FormState; preview: IncidentView | null };

export async function runPostmortemForm(locals: App.Locals, herald: HeraldServices, incident: IncidentResource, snapshot: Snapshot, data: FormInput & Pick<FormData, 'keys'>): Promise<PostmortemFormResult> {
  const intent = intentAmong(data, POSTMORTEM_INTENTS);
  const back = `/admin/incidents/${incident.id}/`;
  const outcome = await attempt(herald, 'incident', async () => {
    const ctx = changeContext(locals, 'editor');
    const input = formToPostmortemInput(data);
    if (intent === 'postmortem_preview') return { preview: previewPostmortem(incidentViewOf(incident), input, snapshot.now) };
    const notice = await publishAll(herald, [await savePostmortem(ctx, incident.id, input)]);
    // A draft re-renders the site too (the incident's updated_at moves), but nothing of it is public.
    return { redirect: `${back}?notice=${input.publish || notice === 'publish_failed' ? notice : 'saved'}#postmortem-heading` };
  });
  if (outcome.ok && outcome.value.redirect) return { done: true, redirect: outcome.value.redirect };
  let values: Record<string, string | string[]> = submittedValues(data);
  const error = outcome.ok ? null : outcome.error;
  if (error?.code === 'version_conflict') {
    // Their change is shown above; the next submit builds on it, with this text kept.
    const latest = await getIncident(herald.db, incident.id).catch(() => null);
    values = { ...values, version: String(latest?.version ?? '') };
  }
  return { done: false, form: new FormState('postmortem', values, error), preview: outcome.ok ? (outcome.value.preview ?? null) : null };
}
