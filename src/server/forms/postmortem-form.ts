import { planPostmortem } from '../../domain/postmortem.ts';
import type { IncidentView } from '../../domain/snapshot.ts';
import { PostmortemInput } from '../incidents/postmortem.ts';
import { type FormInput, textOf, versionOf } from './form-fields.ts';

// The admin's postmortem form, posted to the incident page (its actions are in incident-page.ts).

/** Save draft keeps it off the page (withdrawing it if it was published); Publish publishes or updates it. */
export function formToPostmortemInput(form: FormInput): PostmortemInput {
  const intent = textOf(form, 'intent');
  return PostmortemInput.parse({
    body: textOf(form, 'body'),
    publish: intent === 'postmortem_publish',
    version: versionOf(form),
  });
}

/** The incident page as it will read with this postmortem published. */
export function previewPostmortem(current: IncidentView, input: PostmortemInput, now: Date): IncidentView {
  // Throws the same RuleViolation (naming the field) that publishing would.
  const plan = planPostmortem(current, { type: 'save', publish: true }, now);
  return {
    ...current,
    status: plan.status,
    postmortemBody: input.body,
    postmortemPublishedAt: plan.postmortemPublishedAt,
  };
}
