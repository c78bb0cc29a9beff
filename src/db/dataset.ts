import type { ComponentTransition } from '../domain/incident-lifecycle.ts';
import type { ComponentStatus, EventStatus, Impact } from '../domain/vocabulary.ts';
import type { Queryable } from './client.ts';
import {
  componentGroups,
  components,
  componentStatusChanges,
  incidentComponents,
  incidents,
  incidentUpdates,
  pageSettings,
  siteState,
} from './schema.ts';

// Realistic status-page history for a SaaS company, generated deterministically: the demo
// data on first start and the large data sets of the benchmarks come from here.

type GroupRow = typeof componentGroups.$inferInsert;
type ComponentRow = typeof components.$inferInsert;
type IncidentRow = typeof incidents.$inferInsert;
type UpdateRow = typeof incidentUpdates.$inferInsert;
type LinkRow = typeof incidentComponents.$inferInsert;
type StatusChangeRow = typeof componentStatusChanges.$inferInsert;

export interface Dataset {
  groups: GroupRow[];
  components: ComponentRow[];
  incidents: IncidentRow[];
  updates: UpdateRow[];
  links: LinkRow[];
  statusChanges: StatusChangeRow[];
}

export interface DatasetOptions {
  now: Date;
  /** Leaf components, spread over three groups. */
  componentCount: number;
  /** Resolved incidents spread over `spanDays` before now. */
  incidentCount: number;
  /** Completed maintenances spread over the same span. */
  maintenanceCount: number;
  spanDays: number;
  /** Add one active incident and one upcoming maintenance. */
  withCurrentEvents: boolean;
  /** Make every update body distinct, so benchmarks cannot profit from repeated text. */
  uniqueBodies?: boolean;
  seed?: number;
}

const GROUPS = [
  {
    name: 'Core platform',
    description: 'The product our customers use every day',
    members: ['Web app', 'REST API', 'GraphQL API', 'Authentication', 'Webhooks'],
  },
  {
    name: 'Data',
    description: 'Storage, search and processing',
    members: ['Primary database', 'Search', 'File storage', 'Background jobs'],
  },
  {
    name: 'Integrations',
    description: 'Connections to services we rely on',
    members: ['Email delivery', 'Slack integration', 'Payment processing'],
  },
];

const DESCRIPTIONS: Record<string, string> = {
  'Web app': 'app.example.com dashboard',
  'REST API': 'api.example.com/v1',
  Authentication: 'Sign-in, SSO and two-factor',
  'Primary database': 'Customer data in all regions',
  'Background jobs': 'Imports, exports and scheduled reports',
};

interface Scenario {
  name: (component: string) => string;
  status: ComponentStatus;
  steps: Array<[EventStatus, (component: string) => string]>;
}

const SCENARIOS: Scenario[] = [
  {
    name: (c) => `Elevated error rates on ${c}`,
    status: 'partial_outage',
    steps: [
      [
        'investigating',
        (c) => `We are investigating elevated error rates affecting **${c}**. Some requests are failing with HTTP 500.`,
      ],
      ['identified', () => 'The issue has been traced to a faulty configuration change, which we are rolling back.'],
      [
        'monitoring',
        () => 'The rollback is complete and error rates are back to normal. We are monitoring the results.',
      ],
      ['resolved', () => 'This incident has been resolved. We apologise for the disruption.'],
    ],
  },
  {
    name: (c) => `Slow responses from ${c}`,
    status: 'degraded_performance',
    steps: [
      ['investigating', (c) => `Requests to ${c} are slower than usual. We are looking into it.`],
      ['identified', () => 'A database node is under heavy load; we are adding capacity.'],
      ['resolved', () => 'Response times have returned to normal.'],
    ],
  },
  {
    name: (c) => `${c} unavailable`,
    status: 'major_outage',
    steps: [
      ['investigating', (c) => `${c} is not responding. Our engineers are working on it.`],
      [
        'identified',
        () =>
          'A failed network switch in one data centre caused the outage. Traffic is being moved to healthy hardware.',
      ],
      ['monitoring', () => 'Service is restored. We continue to watch closely.'],
      [
        'resolved',
        (c) => `${c} has been fully available for an hour; this incident is resolved. A postmortem will follow.`,
      ],
    ],
  },
  {
    name: (c) => `Delays in ${c}`,
    status: 'degraded_performance',
    steps: [
      ['investigating', (c) => `Work handled by ${c} is delayed by up to 15 minutes.`],
      ['monitoring', () => 'The backlog is draining; new work is processed on time.'],
      ['resolved', () => 'All delayed work has been processed.'],
    ],
  },
];

/** A small seeded PRNG: the same options always give the same data set. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const IMPACT_OF: Record<ComponentStatus, Impact> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

export function generateDataset(options: DatasetOptions): Dataset {
  const rand = random(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const now = options.now.getTime();
  const origin = new Date(now - (options.spanDays + 1) * DAY);
  let counter = 0;
  const id = (prefix: string) => `${prefix}${(counter++).toString(36).padStart(11, '0')}`.slice(-12);

  const data: Dataset = { groups: [], components: [], incidents: [], updates: [], links: [], statusChanges: [] };
  GROUPS.forEach((g, index) => {
    data.groups.push({
      id: id('g'),
      name: g.name,
      description: g.description,
      position: index + 1,
      createdAt: origin,
      updatedAt: origin,
    });
  });
  for (let i = 0; i < options.componentCount; i++) {
    const groupIndex = i % GROUPS.length;
    const template = GROUPS[groupIndex]!;
    const round = Math.floor(i / GROUPS.length);
    const base = template.members[round % template.members.length]!;
    const name = round < template.members.length ? base : `${base} ${Math.floor(round / template.members.length) + 1}`;
    const componentId = id('c');
    data.components.push({
      id: componentId,
      groupId: data.groups[groupIndex]!.id,
      name,
      description: DESCRIPTIONS[name] ?? null,
      position: round + 1,
      status: 'operational',
      createdAt: origin,
      updatedAt: origin,
    });
    data.statusChanges.push({ componentId, status: 'operational', changedAt: origin });
  }

  const addEvent = (
    start: number,
    scenario: Scenario,
    component: ComponentRow,
    stepsToTake: number,
    kind: 'incident' | 'maintenance',
  ) => {
    const incidentId = id(kind === 'incident' ? 'i' : 'm');
    let at = start;
    let status: EventStatus = 'investigating';
    const updates: UpdateRow[] = [];
    const times: { monitoringAt: Date | null; resolvedAt: Date | null } = { monitoringAt: null, resolvedAt: null };
    for (let step = 0; step < stepsToTake; step++) {
      const [stepStatus, body] = scenario.steps[step]!;
      status = stepStatus;
      const oldStatus: ComponentStatus = step === 0 ? 'operational' : scenario.status;
      const closing = stepStatus === 'resolved' || stepStatus === 'completed';
      const newStatus: ComponentStatus = closing ? 'operational' : scenario.status;
      const affected: ComponentTransition[] =
        oldStatus !== newStatus || step === 0
          ? [{ id: component.id!, name: component.name, oldStatus, newStatus }]
          : [];
      if (oldStatus !== newStatus)
        data.statusChanges.push({ componentId: component.id!, status: newStatus, changedAt: new Date(at), incidentId });
      if (stepStatus === 'monitoring' || stepStatus === 'verifying') times.monitoringAt ??= new Date(at);
      if (closing) times.resolvedAt = new Date(at);
      updates.push({
        id: id('u'),
        incidentId,
        status: stepStatus,
        body: options.uniqueBodies
          ? `${body(component.name)}\n\nReference: ${incidentId}/${step + 1}`
          : body(component.name),
        displayAt: new Date(at),
        createdAt: new Date(at),
        updatedAt: new Date(at),
        affectedComponents: affected,
      });
      at += (10 + Math.floor(rand() * 50)) * MINUTE;
    }
    const last = updates[updates.length - 1]!;
    data.incidents.push({
      id: incidentId,
      kind,
      name: scenario.name(component.name),
      status,
      impact: kind === 'maintenance' ? 'maintenance' : IMPACT_OF[scenario.status],
      createdAt: new Date(start),
      updatedAt: last.createdAt!,
      startedAt: new Date(start),
      ...times,
      nextUpdateDueAt: times.resolvedAt ? null : new Date(last.createdAt!.getTime() + 60 * MINUTE),
    });
    data.updates.push(...updates);
    data.links.push({ incidentId, componentId: component.id! });
    return incidentId;
  };

  const leaves = data.components;
  const spanMs = options.spanDays * DAY;
  for (let n = 0; n < options.incidentCount; n++) {
    const start = now - spanMs + Math.floor(((n + rand()) / options.incidentCount) * (spanMs - 2 * DAY));
    const scenario = pick(SCENARIOS);
    addEvent(start, scenario, pick(leaves), scenario.steps.length, 'incident');
  }
  for (let n = 0; n < options.maintenanceCount; n++) {
    const start = now - spanMs + Math.floor(((n + 0.5) / options.maintenanceCount) * (spanMs - 2 * DAY));
    addMaintenance(data, id, pick(leaves), new Date(start), 'completed');
  }
  if (options.withCurrentEvents && leaves.length > 1) {
    const searchLike = leaves.find((c) => c.name === 'Search') ?? leaves[1]!;
    const scenario = SCENARIOS[1]!;
    const incidentId = addEvent(now - 40 * MINUTE, scenario, searchLike, 2, 'incident');
    const current = data.incidents.find((i) => i.id === incidentId)!;
    const lastUpdate = data.updates.filter((u) => u.incidentId === incidentId).at(-1)!;
    lastUpdate.displayAt = lastUpdate.createdAt = lastUpdate.updatedAt = new Date(now - 15 * MINUTE);
    current.updatedAt = lastUpdate.createdAt;
    current.nextUpdateDueAt = new Date(now + 30 * MINUTE);
    searchLike.status = scenario.status;
    const database = leaves.find((c) => c.name === 'Primary database') ?? leaves[0]!;
    const windowStart = new Date(Math.ceil((now + 3 * DAY) / (60 * MINUTE)) * 60 * MINUTE);
    addMaintenance(data, id, database, windowStart, 'scheduled');
  }
  // Components end in the status of their last change.
  data.statusChanges.sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime());
  for (const change of data.statusChanges) {
    const component = data.components.find((c) => c.id === change.componentId);
    if (component && change.changedAt.getTime() <= now) component.status = change.status;
  }
  return data;
}

function addMaintenance(
  data: Dataset,
  id: (prefix: string) => string,
  component: ComponentRow,
  start: Date,
  outcome: 'completed' | 'scheduled',
): void {
  const incidentId = id('m');
  const end = new Date(start.getTime() + 2 * 60 * MINUTE);
  const announced = new Date(start.getTime() - 5 * DAY);
  const name = `Scheduled maintenance of ${component.name}`;
  const update = (status: EventStatus, at: Date, body: string, transitions: ComponentTransition[] = []): UpdateRow => ({
    id: id('u'),
    incidentId,
    status,
    body,
    displayAt: at,
    createdAt: at,
    updatedAt: at,
    affectedComponents: transitions,
  });
  const updates = [
    update(
      'scheduled',
      announced,
      `We will upgrade ${component.name} during this window. Short interruptions of a few seconds are possible.`,
    ),
  ];
  if (outcome === 'completed') {
    updates.push(
      update('in_progress', start, 'Maintenance is under way.', [
        { id: component.id!, name: component.name, oldStatus: 'operational', newStatus: 'under_maintenance' },
      ]),
      update('completed', end, 'Maintenance has been completed successfully.', [
        { id: component.id!, name: component.name, oldStatus: 'under_maintenance', newStatus: 'operational' },
      ]),
    );
    data.statusChanges.push(
      { componentId: component.id!, status: 'under_maintenance', changedAt: start, incidentId },
      { componentId: component.id!, status: 'operational', changedAt: end, incidentId },
    );
  }
  data.incidents.push({
    id: incidentId,
    kind: 'maintenance',
    name,
    status: outcome,
    impact: 'maintenance',
    createdAt: announced,
    updatedAt: updates.at(-1)!.createdAt!,
    startedAt: start,
    resolvedAt: outcome === 'completed' ? end : null,
    scheduledFor: start,
    scheduledUntil: end,
    autoStart: true,
    autoComplete: true,
  });
  data.updates.push(...updates.reverse());
  data.links.push({ incidentId, componentId: component.id! });
}

/** Inserts a data set in bulk (chunks keep every statement under the parameter limit). */
export async function insertDataset(db: Queryable, data: Dataset, pageName = 'Acme Cloud'): Promise<void> {
  const chunked = async <T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
  };
  await db
    .insert(pageSettings)
    .values({ id: 1, name: pageName, homepageUrl: 'https://example.com', timeZone: 'Etc/UTC' })
    .onConflictDoUpdate({ target: pageSettings.id, set: { name: pageName, homepageUrl: 'https://example.com' } });
  if (data.groups.length) await db.insert(componentGroups).values(data.groups);
  await chunked(data.components, 500, (c) => db.insert(components).values(c));
  // Stamped as a change would stamp them (see runChange): the dataset is revision 1.
  await chunked(data.statusChanges, 2000, (c) =>
    db.insert(componentStatusChanges).values(c.map((row) => ({ ...row, revision: 1 }))),
  );
  await chunked(data.incidents, 1000, (c) => db.insert(incidents).values(c));
  await chunked(data.links, 5000, (c) => db.insert(incidentComponents).values(c));
  await chunked(data.updates, 1000, (c) => db.insert(incidentUpdates).values(c));
  await db
    .insert(siteState)
    .values({ id: 1, revision: 1 })
    .onConflictDoUpdate({ target: siteState.id, set: { revision: 1 } });
}
