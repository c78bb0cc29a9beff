import type { Impact } from './vocabulary.ts';

// Severity levels, in the incident handbooks' style: four levels with clear definitions, each
// with the impact the public sees by default, how often customers are promised an update, and
// whether subscribers are told by default. Severity is internal: the public page keeps showing
// impact in Statuspage's words. Pure.

export const SEVERITY_KEYS = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type SeverityKey = (typeof SEVERITY_KEYS)[number];

export interface SeverityLevel {
  key: SeverityKey;
  name: string;
  definition: string;
  /** The impact an incident of this level shows when its request names none. */
  default_impact: Exclude<Impact, 'maintenance'>;
  /** The promised "next update by", in minutes, when a request names none. */
  update_cadence_minutes: number;
  /** Whether subscribers are told when a request does not say. */
  notify_by_default: boolean;
}

export const DEFAULT_SEVERITY_LEVELS: readonly SeverityLevel[] = [
  {
    key: 'sev1',
    name: 'SEV1 Critical',
    definition:
      'A critical incident with very high impact: a customer-facing service is down for all customers, confidential or private data is exposed, or data is lost. Respond at once, around the clock.',
    default_impact: 'critical',
    update_cadence_minutes: 30,
    notify_by_default: true,
  },
  {
    key: 'sev2',
    name: 'SEV2 Major',
    definition:
      'A major incident with significant impact: a customer-facing service is down for some customers, or a core function is seriously impaired. Respond within 30 minutes.',
    default_impact: 'major',
    update_cadence_minutes: 60,
    notify_by_default: true,
  },
  {
    key: 'sev3',
    name: 'SEV3 Minor',
    definition:
      'A minor incident with low impact: a small inconvenience to customers, with a workaround, or a degraded function few rely on. Respond within working hours.',
    default_impact: 'minor',
    update_cadence_minutes: 120,
    notify_by_default: true,
  },
  {
    key: 'sev4',
    name: 'SEV4 Low',
    definition:
      'An issue customers do not notice yet: internal tools, redundancy lost, a risk to act on before it becomes an incident. Handle as planned work.',
    default_impact: 'none',
    update_cadence_minutes: 240,
    notify_by_default: false,
  },
];

/** The page's levels: those saved in the settings, else the defaults (always all four, in order). */
export function severityLevels(saved: readonly SeverityLevel[] | null | undefined): SeverityLevel[] {
  return SEVERITY_KEYS.map(
    (key) => saved?.find((level) => level.key === key) ?? DEFAULT_SEVERITY_LEVELS.find((level) => level.key === key)!,
  );
}

/** A level by its key. */
export function severityLevel(levels: readonly SeverityLevel[], key: SeverityKey): SeverityLevel {
  return levels.find((level) => level.key === key) ?? DEFAULT_SEVERITY_LEVELS.find((level) => level.key === key)!;
}
