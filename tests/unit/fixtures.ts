import type {
  ComponentView,
  GroupView,
  IncidentView,
  PageInfo,
  Snapshot,
  UpdateView,
} from '../../src/domain/snapshot.ts';

// Plain-data builders for domain tests: every field has a fixed, sensible default so a
// test states only what it is about. No clock: every date derives from NOW.

export const NOW = new Date('2026-03-15T12:00:00.000Z');

export const minutesBefore = (date: Date, minutes: number) => new Date(date.getTime() - minutes * 60_000);
export const minutesAfter = (date: Date, minutes: number) => new Date(date.getTime() + minutes * 60_000);

const CREATED = new Date('2025-01-01T00:00:00.000Z');

export function makePage(overrides: Partial<PageInfo> = {}): PageInfo {
  return {
    id: 'page-1',
    name: 'Acme Status',
    siteUrl: 'https://status.example.com',
    appUrl: 'https://status.example.com',
    homepageUrl: 'https://example.com',
    timeZone: 'UTC',
    brandColor: '#0b5fff',
    logoUrl: null,
    supportUrl: null,
    defaultLanguage: 'en',
    partialOutageWeight: 0.3,
    updatedAt: new Date('2026-03-15T11:00:00.000Z'),
    ...overrides,
  };
}

export function makeGroup(overrides: Partial<GroupView> & Pick<GroupView, 'id'>): GroupView {
  return {
    name: overrides.id,
    description: null,
    position: 0,
    hidden: false,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

export function makeComponent(overrides: Partial<ComponentView> & Pick<ComponentView, 'id'>): ComponentView {
  return {
    groupId: null,
    name: overrides.id,
    description: null,
    position: 0,
    status: 'operational',
    showcase: true,
    onlyShowIfDegraded: false,
    hidden: false,
    startDate: null,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

export function makeUpdate(overrides: Partial<UpdateView> & Pick<UpdateView, 'id' | 'incidentId'>): UpdateView {
  const at = overrides.createdAt ?? minutesBefore(NOW, 60);
  return {
    status: 'investigating',
    body: 'We are looking into it.',
    displayAt: at,
    createdAt: at,
    updatedAt: at,
    affectedComponents: [],
    deliverNotifications: true,
    ...overrides,
  };
}

export function makeIncident(overrides: Partial<IncidentView> & Pick<IncidentView, 'id'>): IncidentView {
  const startedAt = overrides.startedAt ?? minutesBefore(NOW, 60);
  return {
    kind: 'incident',
    name: `Incident ${overrides.id}`,
    status: 'investigating',
    impact: 'minor',
    createdAt: startedAt,
    updatedAt: startedAt,
    startedAt,
    monitoringAt: null,
    resolvedAt: null,
    scheduledFor: null,
    scheduledUntil: null,
    nextUpdateDueAt: null,
    postmortemBody: null,
    postmortemPublishedAt: null,
    componentIds: [],
    updates: [],
    seriesId: null,
    occurrenceStart: null,
    detached: false,
    ...overrides,
  } as IncidentView;
}

export function makeMaintenance(overrides: Partial<IncidentView> & Pick<IncidentView, 'id'>): IncidentView {
  return makeIncident({
    kind: 'maintenance',
    name: `Maintenance ${overrides.id}`,
    status: 'scheduled',
    impact: 'maintenance',
    ...overrides,
  });
}

type SnapshotOverrides = Partial<Omit<Snapshot, 'page'>> & { page?: Partial<PageInfo> };

export function makeSnapshot({ page, ...overrides }: SnapshotOverrides = {}): Snapshot {
  return {
    revision: 1,
    now: NOW,
    page: makePage(page),
    groups: [],
    components: [],
    incidents: [],
    series: [],
    statusChanges: {},
    ...overrides,
  } as Snapshot;
}
