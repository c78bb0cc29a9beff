import { RuleViolation } from './errors.ts';
import { formatDateTime } from './format.ts';
import type { EventKind, EventStatus } from './vocabulary.ts';

// A postmortem is Markdown attached to a resolved incident. It is drafted (saved, not
// public), published (public, and the incident's status becomes "postmortem": the only
// way to reach it) and may be withdrawn (back to "resolved", the text kept as a draft).

export interface PostmortemFacts {
  incidentName: string;
  componentNames: readonly string[];
  startedAt: Date;
  resolvedAt: Date | null;
  timeZone: string;
}

/** The structure a new draft starts from, with the facts Herald already knows filled in. */
export function defaultPostmortem(facts: PostmortemFacts): string {
  const window = facts.resolvedAt
    ? `from ${formatDateTime(facts.startedAt, facts.timeZone)} to ${formatDateTime(facts.resolvedAt, facts.timeZone)}`
    : `from ${formatDateTime(facts.startedAt, facts.timeZone)}`;
  const affected = facts.componentNames.length > 0 ? facts.componentNames.join(', ') : '[the affected services]';
  return [
    '### What happened',
    '',
    `${facts.incidentName}: ${window}, ${affected} [describe what customers saw: errors, slowness, data delays].`,
    '',
    '### Who was affected',
    '',
    '[Which customers, regions or features, and roughly how many.]',
    '',
    '### Why it happened',
    '',
    '[The root cause, in plain words, and why our safeguards did not catch it.]',
    '',
    '### What we did',
    '',
    '[How we noticed, the steps that restored service, and when.]',
    '',
    '### How we will prevent it',
    '',
    '- [A change that removes the cause]',
    '- [A change that detects or limits it sooner]',
    '',
    '### Our apology',
    '',
    'We are sorry for the disruption this caused you and your customers. We know you rely on us, and we are taking the steps above so that it does not happen again.',
    '',
  ].join('\n');
}

export interface PostmortemState {
  kind: EventKind;
  status: EventStatus;
  postmortemPublishedAt: Date | null;
}

/** publish: true publishes, false keeps (or makes) it a draft, undefined keeps it as it is. */
export type PostmortemAction = { type: 'save'; publish: boolean | undefined } | { type: 'unpublish' };

export interface PostmortemPlan {
  status: EventStatus;
  postmortemPublishedAt: Date | null;
  /** What happened, for the audit log. */
  action: 'draft' | 'publish' | 'edit' | 'unpublish' | 'none';
}

/** What a postmortem change does to the incident; throws naming the field when it may not. */
export function planPostmortem(current: PostmortemState, action: PostmortemAction, now: Date): PostmortemPlan {
  if (current.kind !== 'incident')
    throw new RuleViolation('not_an_incident', 'a maintenance has no postmortem; only incidents do');
  const published = current.postmortemPublishedAt !== null;
  const withdraw = (): PostmortemPlan => ({
    status: current.status === 'postmortem' ? 'resolved' : current.status,
    postmortemPublishedAt: null,
    action: 'unpublish',
  });
  if (action.type === 'unpublish')
    return published ? withdraw() : { status: current.status, postmortemPublishedAt: null, action: 'none' };
  if (action.publish === true) {
    if (current.status !== 'resolved' && current.status !== 'postmortem') {
      throw new RuleViolation(
        'invalid_transition',
        `a postmortem can be published only once the incident is resolved; it is "${current.status}"`,
        'publish',
      );
    }
    // Corrections to a published postmortem keep the date it first appeared.
    return {
      status: 'postmortem',
      postmortemPublishedAt: current.postmortemPublishedAt ?? now,
      action: published ? 'edit' : 'publish',
    };
  }
  if (action.publish === false && published) return withdraw();
  return {
    status: current.status,
    postmortemPublishedAt: current.postmortemPublishedAt,
    action: published ? 'edit' : 'draft',
  };
}
