import { COMPONENT_STATUSES, type ComponentStatus, type Impact, type Indicator } from './vocabulary.ts';

export interface PageStatus {
  indicator: Indicator;
  description: string;
}

const OPERATIONAL: PageStatus = { indicator: 'none', description: 'All Systems Operational' };
const UNDER_MAINTENANCE: PageStatus = { indicator: 'maintenance', description: 'Service Under Maintenance' };

const severity = (status: ComponentStatus) => COMPONENT_STATUSES.indexOf(status);

export function worstComponentStatus(statuses: readonly ComponentStatus[]): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const status of statuses) if (severity(status) > severity(worst)) worst = status;
  return worst;
}

/**
 * The page's top-level status from its visible leaf components, worded as Statuspage
 * words it: one component maps directly; with several, "all" and "some" differ.
 */
export function rollUpComponents(statuses: readonly ComponentStatus[]): PageStatus {
  if (statuses.length === 0) return OPERATIONAL;
  const count = (status: ComponentStatus) => statuses.filter((s) => s === status).length;
  const all = (status: ComponentStatus) => count(status) === statuses.length;
  const some = (status: ComponentStatus) => count(status) > 0;

  if (statuses.length === 1) {
    const [only] = statuses;
    switch (only) {
      case 'major_outage':
        return { indicator: 'critical', description: 'Major System Outage' };
      case 'partial_outage':
        return { indicator: 'major', description: 'Partial System Outage' };
      case 'degraded_performance':
        return { indicator: 'minor', description: 'Partially Degraded Service' };
      case 'under_maintenance':
        return UNDER_MAINTENANCE;
      default:
        return OPERATIONAL;
    }
  }
  if (all('major_outage')) return { indicator: 'critical', description: 'Major System Outage' };
  if (some('major_outage') || all('partial_outage'))
    return { indicator: 'major', description: 'Partial System Outage' };
  if (some('partial_outage')) return { indicator: 'minor', description: 'Minor Service Outage' };
  if (all('degraded_performance')) return { indicator: 'minor', description: 'Degraded System Service' };
  if (some('degraded_performance')) return { indicator: 'minor', description: 'Partially Degraded Service' };
  if (some('under_maintenance')) return UNDER_MAINTENANCE;
  return OPERATIONAL;
}

const INDICATOR_RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

/** The worse of two impacts (the first when they are equal). */
export function worseImpact(a: Impact, b: Impact): Impact {
  return INDICATOR_RANK[a] >= INDICATOR_RANK[b] ? a : b;
}

const IMPACT_STATUS: Record<Exclude<Impact, 'none'>, PageStatus> = {
  maintenance: UNDER_MAINTENANCE,
  minor: { indicator: 'minor', description: 'Minor Service Outage' },
  major: { indicator: 'major', description: 'Partial System Outage' },
  critical: { indicator: 'critical', description: 'Major System Outage' },
};

/**
 * The indicator is the worse of the components' roll-up and the active events' impacts.
 * The words describe the components while any is affected (one outage among twelve is a
 * "Partial System Outage" even if its incident is critical); when all are operational an
 * active incident still turns the banner away from "All Systems Operational".
 */
export function pageStatus(
  componentStatuses: readonly ComponentStatus[],
  activeImpacts: readonly Impact[],
): PageStatus {
  const components = rollUpComponents(componentStatuses);
  let worstEvent: PageStatus | null = null;
  for (const impact of activeImpacts) {
    if (impact === 'none') continue;
    const candidate = IMPACT_STATUS[impact];
    if (!worstEvent || INDICATOR_RANK[candidate.indicator] > INDICATOR_RANK[worstEvent.indicator])
      worstEvent = candidate;
  }
  if (!worstEvent || INDICATOR_RANK[worstEvent.indicator] <= INDICATOR_RANK[components.indicator]) return components;
  if (components.indicator === 'none') return worstEvent;
  return { indicator: worstEvent.indicator, description: components.description };
}

/** The impact an incident gets from the worst status it gives its components. */
export function impactOfComponentStatuses(statuses: readonly ComponentStatus[]): Impact {
  switch (worstComponentStatus(statuses)) {
    case 'major_outage':
      return 'critical';
    case 'partial_outage':
      return 'major';
    case 'degraded_performance':
      return 'minor';
    default:
      return 'none';
  }
}
