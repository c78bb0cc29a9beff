import { escapeXml } from './feeds.ts';
import { overallStatus, type ComponentView, type Snapshot } from './snapshot.ts';
import { COMPONENT_STATUS_LABELS, type ComponentStatus, type Indicator } from './vocabulary.ts';

// Shields-style SVG badges: a grey label (page or component name) and the status on a
// colour per status. The colours are the light theme's status colours of the page, dark
// enough for white text (contrast >= 4.5:1).

const BADGE_COLORS: Record<ComponentStatus | Indicator, string> = {
  operational: '#1a7f37',
  none: '#1a7f37',
  degraded_performance: '#9a6700',
  minor: '#9a6700',
  partial_outage: '#bc4c00',
  major: '#bc4c00',
  major_outage: '#cf222e',
  critical: '#cf222e',
  under_maintenance: '#0969da',
  maintenance: '#0969da',
};

const LABEL_COLOR = '#555';
const MAX_LABEL_LENGTH = 40;

// Approximate advance widths of Verdana at 11px (what shields.io measures with). The text
// is also given a textLength, so a different fallback font is squeezed to fit, never cut.
function charWidth(char: string): number {
  if (char === ' ') return 3.9;
  if ("il.,:;|!'`".includes(char)) return 3.4;
  if ('fjrtI()[]{}/\\-'.includes(char)) return 4.6;
  if ('mwMW%@'.includes(char)) return 10.2;
  if (/[A-Z]/.test(char)) return 7.6;
  if (/[a-z0-9]/.test(char)) return 6.8;
  const code = char.codePointAt(0) ?? 0;
  // CJK, emoji and other wide scripts.
  return code >= 0x2e80 ? 11 : 7.4;
}

export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return Math.ceil(width);
}

function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

export interface BadgeContent {
  label: string;
  message: string;
  color: string;
}

export function badgeSvg({ label, message, color }: BadgeContent): string {
  const left = truncate(label, MAX_LABEL_LENGTH) || 'status';
  const right = truncate(message, MAX_LABEL_LENGTH);
  const leftText = textWidth(left);
  const rightText = textWidth(right);
  const leftWidth = leftText + 10;
  const rightWidth = rightText + 10;
  const width = leftWidth + rightWidth;
  const title = escapeXml(`${left}: ${right}`);
  // Text is drawn at 10x and scaled down, as shields does, for sub-pixel placement.
  const text = (content: string, x: number, length: number) =>
    `<text aria-hidden="true" x="${x * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${length * 10}">${escapeXml(content)}</text>` +
    `<text x="${x * 10}" y="140" transform="scale(.1)" fill="#fff" textLength="${length * 10}">${escapeXml(content)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${leftWidth}" height="20" fill="${LABEL_COLOR}"/><rect x="${leftWidth}" width="${rightWidth}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">`,
    text(left, leftWidth / 2, leftText),
    text(right, leftWidth + rightWidth / 2, rightText),
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** The page's overall status, worded as on the page ("All Systems Operational"). */
export function pageBadge(snapshot: Snapshot): string {
  const status = overallStatus(snapshot);
  return badgeSvg({ label: snapshot.page.name, message: status.description, color: BADGE_COLORS[status.indicator] });
}

export function componentBadge(component: ComponentView): string {
  return badgeSvg({
    label: component.name,
    message: COMPONENT_STATUS_LABELS[component.status],
    color: BADGE_COLORS[component.status],
  });
}
