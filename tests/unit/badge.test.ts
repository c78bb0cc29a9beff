import { afterAll, describe, expect, it } from 'vitest';
import { badgeSvg, componentBadge, pageBadge, textWidth } from '../../src/domain/badge.ts';
import type { ComponentStatus, Impact } from '../../src/domain/vocabulary.ts';
import { xmlFiles } from '../helpers/xmllint.ts';
import { makeComponent, makeIncident, makeSnapshot } from './fixtures.ts';

const xml = xmlFiles();
afterAll(xml.remove);

/** Parses the SVG with xmllint and returns its accessible name, as an image reader gets it. */
const accessibleName = (svg: string) =>
  xml.xpath(xml.expectWellFormed(svg), 'string(/*[local-name()="svg"]/@aria-label)');

const fill = (svg: string) => svg.match(/<rect x="\d+" width="\d+" height="20" fill="(#[0-9a-f]{3,6})"/)?.[1];

describe('component badges', () => {
  it.each<[ComponentStatus, string, string]>([
    ['operational', 'Operational', '#1a7f37'],
    ['degraded_performance', 'Degraded Performance', '#9a6700'],
    ['partial_outage', 'Partial Outage', '#bc4c00'],
    ['major_outage', 'Major Outage', '#cf222e'],
    ['under_maintenance', 'Under Maintenance', '#0969da'],
  ])('shows %s as "%s" on %s', (status, text, color) => {
    const svg = componentBadge(makeComponent({ id: 'api', name: 'REST API', status }));
    expect(accessibleName(svg)).toBe(`REST API: ${text}`);
    expect(fill(svg)).toBe(color);
    expect(svg).toContain(`>${text}</text>`);
  });
});

describe('the page badge', () => {
  it.each<[string, ComponentStatus[], Impact[], string, string]>([
    ['all operational', ['operational', 'operational'], [], 'All Systems Operational', '#1a7f37'],
    ['one degraded', ['degraded_performance', 'operational'], [], 'Partially Degraded Service', '#9a6700'],
    ['a major incident', ['operational'], ['major'], 'Partial System Outage', '#bc4c00'],
    ['everything down', ['major_outage', 'major_outage'], [], 'Major System Outage', '#cf222e'],
    ['maintenance', ['under_maintenance', 'operational'], [], 'Service Under Maintenance', '#0969da'],
  ])('shows %s as "%s"', (_case, statuses, impacts, text, color) => {
    const snapshot = makeSnapshot({
      page: { name: 'Acme Cloud' },
      components: statuses.map((status, i) => makeComponent({ id: `c${i}`, status })),
      incidents: impacts.map((impact, i) => makeIncident({ id: `i${i}`, impact })),
    });
    const svg = pageBadge(snapshot);
    expect(accessibleName(svg)).toBe(`Acme Cloud: ${text}`);
    expect(fill(svg)).toBe(color);
  });
});

describe('badgeSvg', () => {
  it.each([
    ['markup and entities', '<script>&amp;"x"', '<script>&amp;"x"'],
    ['a control character', 'a\u0007b', 'ab'],
    ['emoji and right-to-left text', '🔥 שרת', '🔥 שרת'],
  ])('escapes a label with %s', (_case, label, seen) => {
    expect(accessibleName(badgeSvg({ label, message: 'Operational', color: '#1a7f37' }))).toBe(`${seen}: Operational`);
  });

  it('shortens a very long label', () => {
    const svg = badgeSvg({ label: 'x'.repeat(200), message: 'Operational', color: '#1a7f37' });
    expect(accessibleName(svg)).toBe(`${'x'.repeat(39)}…: Operational`);
  });

  it('is as wide as its texts, so longer words get a wider badge', () => {
    const width = (svg: string) => Number(svg.match(/<svg[^>]* width="(\d+)"/)?.[1]);
    const short = badgeSvg({ label: 'API', message: 'Operational', color: '#1a7f37' });
    const long = badgeSvg({ label: 'API', message: 'Degraded Performance', color: '#9a6700' });
    expect(width(short)).toBe(textWidth('API') + textWidth('Operational') + 20);
    expect(width(long)).toBeGreaterThan(width(short));
  });
});
