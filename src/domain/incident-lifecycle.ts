import { RuleViolation } from './errors.ts';
import { impactOfComponentStatuses, worseImpact } from './status-rollup.ts';
import {
  isIncidentStatus,
  isMaintenanceStatus,
  type ComponentStatus,
  type EventKind,
  type EventStatus,
  type Impact,
} from './vocabulary.ts';

export interface LifecycleTimes {
  startedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
}

export interface EventState extends LifecycleTimes {
  kind: EventKind;
  status: EventStatus;
}

export interface ComponentRef {
  id: string;
  name: string;
  status: ComponentStatus;
}

export interface ComponentTransition {
  id: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface UpdatePlanInput {
  /** null when the update opens a new incident or maintenance. */
  current: EventState | null;
  kind: EventKind;
  status: EventStatus;
  /** Explicit component status changes requested with this update. */
  componentChanges: Readonly<Record<string, ComponentStatus>>;
  /** Components this event affected in earlier updates. */
  previouslyAffected: readonly string[];
  components: ReadonlyMap<string, ComponentRef>;
  now: Date;
}

export interface UpdatePlan extends EventState {
  transitions: ComponentTransition[];
}

const MAINTENANCE_ORDER = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

export function isClosedStatus(status: EventStatus): boolean {
  return status === 'resolved' || status === 'postmortem' || status === 'completed';
}

/** Which statuses an update may move an event to from its current status. */
export function allowedNextStatuses(kind: EventKind, current: EventStatus | null): EventStatus[] {
  if (kind === 'incident') {
    // postmortem is reached only by publishing a postmortem, never by an update.
    if (current === 'postmortem') return ['postmortem'];
    return ['investigating', 'identified', 'monitoring', 'resolved'];
  }
  if (current === null) return ['scheduled', 'in_progress'];
  // Maintenance only moves forward; "completed" doubles as cancel from "scheduled".
  const index = MAINTENANCE_ORDER.indexOf(current as (typeof MAINTENANCE_ORDER)[number]);
  return MAINTENANCE_ORDER.slice(Math.max(index, 0));
}

function checkStatus(kind: EventKind, current: EventStatus | null, next: EventStatus): void {
  const fitsKind = kind === 'incident' ? isIncidentStatus(next) : isMaintenanceStatus(next);
  if (!fitsKind) {
    throw new RuleViolation(
      'invalid_status',
      `"${next}" is not a status a${kind === 'incident' ? 'n incident' : ' maintenance'} can have`,
      'status',
    );
  }
  const allowed = allowedNextStatuses(kind, current);
  if (!allowed.includes(next)) {
    throw new RuleViolation(
      'invalid_transition',
      `cannot move from "${current ?? 'new'}" to "${next}"; allowed: ${allowed.join(', ')}`,
      'status',
    );
  }
}

function nextTimes(current: EventState | null, kind: EventKind, status: EventStatus, now: Date): LifecycleTimes {
  const startedAt = current?.startedAt ?? now;
  let monitoringAt = current?.monitoringAt ?? null;
  let resolvedAt = current?.resolvedAt ?? null;
  if ((status === 'monitoring' || status === 'verifying') && monitoringAt === null) monitoringAt = now;
  if (isClosedStatus(status)) resolvedAt ??= now;
  else resolvedAt = null; // reopened
  if (kind === 'maintenance' && status === 'in_progress' && current?.status === 'scheduled') {
    return { startedAt: now, monitoringAt, resolvedAt };
  }
  return { startedAt, monitoringAt, resolvedAt };
}

/**
 * Components follow the event: closing it returns every component it affected to
 * operational (unless this update says otherwise), and a maintenance going in progress
 * puts its components under maintenance.
 */
function componentTargets(input: UpdatePlanInput): Map<string, ComponentStatus> {
  const targets = new Map<string, ComponentStatus>();
  // A scheduled maintenance names its components but leaves them alone until it starts,
  // and cancelling it before it started ("completed" from "scheduled") changes nothing either.
  const notStarted = input.kind === 'maintenance' && (input.current === null || input.current.status === 'scheduled');
  if (notStarted && input.status !== 'in_progress') return targets;
  const affected = new Set([...input.previouslyAffected, ...Object.keys(input.componentChanges)]);
  if (isClosedStatus(input.status)) {
    for (const id of affected) targets.set(id, 'operational');
  } else if (input.kind === 'maintenance' && input.status === 'in_progress') {
    for (const id of affected) targets.set(id, 'under_maintenance');
  }
  for (const [id, status] of Object.entries(input.componentChanges)) targets.set(id, status);
  return targets;
}

export function planUpdate(input: UpdatePlanInput): UpdatePlan {
  checkStatus(input.kind, input.current?.status ?? null, input.status);
  for (const id of Object.keys(input.componentChanges)) {
    if (!input.components.has(id))
      throw new RuleViolation('unknown_component', `no component with id "${id}"`, `components.${id}`);
  }
  const transitions: ComponentTransition[] = [];
  for (const [id, newStatus] of componentTargets(input)) {
    const component = input.components.get(id);
    // A component deleted since an earlier update simply drops out.
    if (!component) continue;
    const requested = id in input.componentChanges;
    if (!requested && component.status === newStatus) continue;
    transitions.push({ id, name: component.name, oldStatus: component.status, newStatus });
  }
  return {
    kind: input.kind,
    status: input.status,
    ...nextTimes(input.current, input.kind, input.status, input.now),
    transitions,
  };
}

/**
 * An event's impact after an update: a maintenance is always "maintenance"; an incident
 * takes the worse of its impact so far and what this update's component changes imply (an
 * update never lowers it by itself); an explicit override wins.
 */
export function impactAfterUpdate(input: {
  kind: EventKind;
  current: Impact;
  transitions: readonly ComponentTransition[];
  override?: Impact | undefined;
}): Impact {
  if (input.override) return input.override;
  if (input.kind === 'maintenance') return 'maintenance';
  const implied = impactOfComponentStatuses(input.transitions.map((t) => t.newStatus));
  return worseImpact(input.current, implied);
}

/**
 * The promised next update after an update: none once the event is closed; unchanged when
 * the update says nothing (undefined); withdrawn by null; otherwise `inMinutes` from now.
 */
export function nextUpdateDueAfter(input: {
  closed: boolean;
  current: Date | null;
  inMinutes: number | null | undefined;
  now: Date;
}): Date | null {
  if (input.closed) return null;
  if (input.inMinutes === undefined) return input.current;
  return input.inMinutes === null ? null : new Date(input.now.getTime() + input.inMinutes * 60_000);
}

export interface NextStateInput extends UpdatePlanInput {
  /** The event's impact and promised next update so far ('none' and null for a new one). */
  impact: Impact;
  nextUpdateDueAt: Date | null;
  /** undefined keeps the promise, null withdraws it. */
  nextUpdateInMinutes: number | null | undefined;
  impactOverride: Impact | undefined;
}

export interface NextState extends UpdatePlan {
  impact: Impact;
  nextUpdateDueAt: Date | null;
  /** The components the event affects after the update: before, named now, and changed now. */
  componentIds: string[];
}

/**
 * An event's state after an update, from its state before, the request, the components and
 * `now`: the one rule both for posting an update (read, compute, write) and for previewing
 * it in the admin (compute, show), so the preview is what the update will do.
 */
export function nextIncidentState(input: NextStateInput): NextState {
  const plan = planUpdate(input);
  const impact = impactAfterUpdate({
    kind: input.kind,
    current: input.impact,
    transitions: plan.transitions,
    override: input.impactOverride,
  });
  const nextUpdateDueAt = nextUpdateDueAfter({
    closed: plan.resolvedAt !== null,
    current: input.nextUpdateDueAt,
    inMinutes: input.nextUpdateInMinutes,
    now: input.now,
  });
  const componentIds = [...new Set([...input.previouslyAffected, ...plan.transitions.map((t) => t.id)])];
  return { ...plan, impact, nextUpdateDueAt, componentIds };
}
