// Every status vocabulary is declared here once; pgEnums, zod schemas, labels and the
// Statuspage-compatible JSON all derive from these arrays.

/** Ordered from best to worst: the roll-up relies on this order. */
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

/** An incident row carries either vocabulary, depending on its kind. */
export const EVENT_STATUSES = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES] as const;
export type EventStatus = IncidentStatus | MaintenanceStatus;

export const EVENT_KINDS = ['incident', 'maintenance'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Ordered from least to most severe. */
export const IMPACTS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Impact = (typeof IMPACTS)[number];

export const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
export type Indicator = (typeof INDICATORS)[number];

export const COMPONENT_STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  under_maintenance: 'Under Maintenance',
  degraded_performance: 'Degraded Performance',
  partial_outage: 'Partial Outage',
  major_outage: 'Major Outage',
};

export const EVENT_STATUS_LABELS: Record<EventStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const IMPACT_LABELS: Record<Impact, string> = {
  none: 'None',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

export function isIncidentStatus(status: string): status is IncidentStatus {
  return (INCIDENT_STATUSES as readonly string[]).includes(status);
}

export function isMaintenanceStatus(status: string): status is MaintenanceStatus {
  return (MAINTENANCE_STATUSES as readonly string[]).includes(status);
}

/** Admin roles, from most to least powerful. */
export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin (users, settings, API tokens, everything)',
  editor: 'Editor (incidents, maintenance, components, templates)',
  viewer: 'Viewer (read-only)',
};

/** Whether `role` may do what `required` may. */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(required);
}

/** The less privileged of two roles. */
export function lowerRole(a: Role, b: Role): Role {
  return roleAllows(a, b) ? b : a;
}

/** Languages of the public page, widget, feeds and emails; the first is the fallback. */
export const LANGUAGES = ['en', 'zh-TW', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
