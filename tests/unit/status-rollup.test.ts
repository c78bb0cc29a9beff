import { describe, expect, it } from 'vitest';
import {
  impactOfComponentStatuses,
  pageStatus,
  rollUpComponents,
  worstComponentStatus,
} from '../../src/domain/status-rollup.ts';
import type { ComponentStatus, Impact } from '../../src/domain/vocabulary.ts';

const OPERATIONAL = { indicator: 'none', description: 'All Systems Operational' };
const MAJOR_SYSTEM_OUTAGE = { indicator: 'critical', description: 'Major System Outage' };
const PARTIAL_SYSTEM_OUTAGE = { indicator: 'major', description: 'Partial System Outage' };
const MINOR_SERVICE_OUTAGE = { indicator: 'minor', description: 'Minor Service Outage' };
const DEGRADED_SYSTEM_SERVICE = { indicator: 'minor', description: 'Degraded System Service' };
const PARTIALLY_DEGRADED_SERVICE = { indicator: 'minor', description: 'Partially Degraded Service' };
const UNDER_MAINTENANCE = { indicator: 'maintenance', description: 'Service Under Maintenance' };

describe('rollUpComponents', () => {
  it('reports all systems operational for a page without components', () => {
    expect(rollUpComponents([])).toEqual(OPERATIONAL);
  });

  // Statuspage words a single component differently from "all" of several.
  it.each<[ComponentStatus, object]>([
    ['major_outage', MAJOR_SYSTEM_OUTAGE],
    ['partial_outage', PARTIAL_SYSTEM_OUTAGE],
    ['degraded_performance', PARTIALLY_DEGRADED_SERVICE],
    ['under_maintenance', UNDER_MAINTENANCE],
    ['operational', OPERATIONAL],
  ])('words a single %s component as %o', (status, expected) => {
    expect(rollUpComponents([status])).toEqual(expected);
  });

  it.each<[string, ComponentStatus[], object]>([
    ['all major', ['major_outage', 'major_outage'], MAJOR_SYSTEM_OUTAGE],
    ['some major', ['major_outage', 'operational'], PARTIAL_SYSTEM_OUTAGE],
    ['some major among partial', ['major_outage', 'partial_outage', 'partial_outage'], PARTIAL_SYSTEM_OUTAGE],
    ['some major among maintenance', ['under_maintenance', 'major_outage'], PARTIAL_SYSTEM_OUTAGE],
    ['all partial', ['partial_outage', 'partial_outage', 'partial_outage'], PARTIAL_SYSTEM_OUTAGE],
    ['some partial', ['partial_outage', 'operational'], MINOR_SERVICE_OUTAGE],
    ['some partial among degraded', ['degraded_performance', 'partial_outage'], MINOR_SERVICE_OUTAGE],
    ['all degraded', ['degraded_performance', 'degraded_performance'], DEGRADED_SYSTEM_SERVICE],
    ['some degraded', ['operational', 'degraded_performance', 'operational'], PARTIALLY_DEGRADED_SERVICE],
    ['some degraded among maintenance', ['under_maintenance', 'degraded_performance'], PARTIALLY_DEGRADED_SERVICE],
    ['all maintenance', ['under_maintenance', 'under_maintenance'], UNDER_MAINTENANCE],
    ['some maintenance', ['operational', 'under_maintenance'], UNDER_MAINTENANCE],
    ['all operational', ['operational', 'operational', 'operational'], OPERATIONAL],
  ])('words %s of several components', (_case, statuses, expected) => {
    expect(rollUpComponents(statuses)).toEqual(expected);
  });
});

describe('pageStatus', () => {
  it.each<[string, ComponentStatus[], Impact[], object]>([
    [
      'no active events: components decide',
      ['degraded_performance', 'degraded_performance'],
      [],
      DEGRADED_SYSTEM_SERVICE,
    ],
    ['an incident without component changes', ['operational'], ['minor'], MINOR_SERVICE_OUTAGE],
    ['a major incident', ['operational', 'operational'], ['major'], PARTIAL_SYSTEM_OUTAGE],
    ['a critical incident', [], ['critical'], MAJOR_SYSTEM_OUTAGE],
    ['a maintenance in progress', ['operational'], ['maintenance'], UNDER_MAINTENANCE],
    ['an impact of none', ['operational'], ['none'], OPERATIONAL],
    ['the worst of several impacts', ['operational'], ['minor', 'critical', 'major'], MAJOR_SYSTEM_OUTAGE],
    [
      'an impact no worse than the components',
      ['degraded_performance', 'degraded_performance'],
      ['minor'],
      DEGRADED_SYSTEM_SERVICE,
    ],
    ['an impact milder than the components', ['major_outage'], ['minor'], MAJOR_SYSTEM_OUTAGE],
    [
      "an incident during maintenance: worse indicator, components' words",
      ['under_maintenance'],
      ['minor'],
      { indicator: 'minor', description: 'Service Under Maintenance' },
    ],
    [
      'one outage among many under a critical incident',
      ['major_outage', 'operational', 'operational'],
      ['critical'],
      { indicator: 'critical', description: 'Partial System Outage' },
    ],
    ['a maintenance during an outage', ['partial_outage'], ['maintenance'], PARTIAL_SYSTEM_OUTAGE],
  ])('%s', (_case, statuses, impacts, expected) => {
    expect(pageStatus(statuses, impacts)).toEqual(expected);
  });
});

describe('worstComponentStatus', () => {
  it.each<[ComponentStatus[], ComponentStatus]>([
    [[], 'operational'],
    [['operational', 'operational'], 'operational'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    [['degraded_performance', 'partial_outage', 'operational'], 'partial_outage'],
    [['major_outage', 'partial_outage'], 'major_outage'],
  ])('of %j is %s', (statuses, expected) => {
    expect(worstComponentStatus(statuses)).toBe(expected);
  });
});

describe('impactOfComponentStatuses', () => {
  it.each<[ComponentStatus[], Impact]>([
    [[], 'none'],
    [['operational'], 'none'],
    [['under_maintenance'], 'none'],
    [['degraded_performance', 'operational'], 'minor'],
    [['partial_outage', 'degraded_performance'], 'major'],
    [['operational', 'major_outage'], 'critical'],
  ])('of %j is %s', (statuses, expected) => {
    expect(impactOfComponentStatuses(statuses)).toBe(expected);
  });
});
