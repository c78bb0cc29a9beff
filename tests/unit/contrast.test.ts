import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPONENT_STATUSES } from '../../src/domain/vocabulary.ts';

// WCAG 2.2 contrast, computed from the stylesheets' own colours in light and dark mode:
// every colour a day cell can take (each status, its tints, the no-data outline) at least
// 3:1 against the card it sits on (1.4.11, non-text contrast), and every colour text is set
// in at least 4.5:1 against the page and the card, and against the background of its own
// rule (1.4.3). The colours to check are read from the rules that use them, so a new
// status, tint or text colour is checked without touching this test.

const STYLES = path.resolve(import.meta.dirname, '../../src/styles');
const css = readdirSync(STYLES)
  .filter((f) => f.endsWith('.css'))
  // admin.css loads after public.css
  .sort((a, b) => (a === 'public.css' ? -1 : b === 'public.css' ? 1 : a.localeCompare(b)))
  .map((f) => readFileSync(path.join(STYLES, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, ''))
  .join('\n');

/** The bodies of `@media (prefers-color-scheme: dark) { ... }` blocks, and the stylesheet without them. */
function splitDark(text: string): { light: string; dark: string } {
  let light = '';
  let dark = '';
  let rest = text;
  for (
    let at = rest.search(/@media\s*\(prefers-color-scheme:\s*dark\)\s*\{/);
    at >= 0;
    at = rest.search(/@media\s*\(prefers-color-scheme:\s*dark\)\s*\{/)
  ) {
    const open = rest.indexOf('{', at);
    let depth = 1;
    let i = open + 1;
    for (; depth > 0 && i < rest.length; i++) depth += rest[i] === '{' ? 1 : rest[i] === '}' ? -1 : 0;
    light += rest.slice(0, at);
    dark += rest.slice(open + 1, i - 1);
    rest = rest.slice(i);
  }
  return { light: light + rest, dark };
}

function rootProperties(text: string, into: Map<string, string>): Map<string, string> {
  for (const [, body] of text.matchAll(/(?:^|[\s}]):root\s*\{([^}]*)\}/g)) {
    for (const [, name, value] of body!.matchAll(/--([\w-]+)\s*:\s*([^;]+);/g)) into.set(name!, value!.trim());
  }
  return into;
}

const { light: lightCss, dark: darkCss } = splitDark(css);
const lightProps = rootProperties(lightCss, new Map());
const SCHEMES = { light: lightProps, dark: rootProperties(darkCss, new Map(lightProps)) };

/** A custom property's colour as #rrggbb, following var() references (and their fallbacks). */
function resolve(props: Map<string, string>, name: string, seen = new Set<string>()): string {
  const value = props.get(name);
  if (value === undefined || seen.has(name)) throw new Error(`--${name} is not a custom property of :root`);
  seen.add(name);
  const reference = /^var\(--([\w-]+)(?:\s*,\s*(.+))?\)$/.exec(value);
  if (reference) return props.has(reference[1]!) ? resolve(props, reference[1]!, seen) : hex(reference[2] ?? value);
  return hex(value);
}

function hex(value: string): string {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  if (short)
    return `#${short
      .slice(1)
      .map((c) => c + c)
      .join('')}`.toLowerCase();
  if (!/^#[0-9a-f]{6}$/i.test(value)) throw new Error(`${value} is not a hex colour`);
  return value.toLowerCase();
}

function luminance(colour: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(colour.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** A selector list's selectors: split at the commas outside parentheses. */
function selectorsOf(list: string): string[] {
  const selectors = [''];
  let depth = 0;
  for (const c of list) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (c === ',' && depth === 0) selectors.push('');
    else selectors[selectors.length - 1] += c;
  }
  return selectors.map((s) => s.trim());
}

/** The declarations of the first rule whose selector list has `selector`. */
function ruleBody(selector: string): string {
  for (const [, selectors, body] of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    if (selectorsOf(selectors!).includes(selector)) return body!;
  }
  throw new Error(`no rule for ${selector}`);
}

const varsOf = (body: string) => [...body.matchAll(/var\(--([\w-]+)\)/g)].map((m) => m[1]!);

describe('the WCAG contrast calculation', () => {
  it.each([
    ['#000000', '#ffffff', 21],
    ['#ffffff', '#ffffff', 1],
    ['#767676', '#ffffff', 4.54],
    ['#949494', '#ffffff', 3.03],
  ])('%s on %s is %s:1', (a, b, ratio) => {
    expect(contrast(a, b)).toBeCloseTo(ratio, 2);
  });
});

describe.each(Object.entries(SCHEMES))('%s mode', (_scheme, props) => {
  const card = resolve(props, 'surface');
  const page = resolve(props, 'bg');

  describe('day cells: at least 3:1 against the card', () => {
    it.each(COMPONENT_STATUSES.map((s) => [s]))('%s, and its tints lighter the shorter it lasted', (status) => {
      const [full, ...tints] = varsOf(ruleBody(`[data-status='${status}']`)).filter((name) => !/^c\d?$/.test(name));
      expect(full).toBeDefined();
      const ratios = [full!, ...tints].map((name) => [name, contrast(resolve(props, name), card)] as const);
      for (const [name, ratio] of ratios) expect(ratio, `--${name}`).toBeGreaterThanOrEqual(3);
      if (status === 'operational') return;
      // Full, then under six hours (-2), then under one hour (-1): each nearer the card than the last.
      expect(tints).toEqual([`${full}-2`, `${full}-1`]);
      expect(ratios[0]![1]).toBeGreaterThan(ratios[1]![1]);
      expect(ratios[1]![1]).toBeGreaterThan(ratios[2]![1]);
    });

    it('no data, an outline', () => {
      const [outline] = varsOf(ruleBody(":is(.bars, .year, .legend) [data-status='no-data']"));
      expect(contrast(resolve(props, outline!), card)).toBeGreaterThanOrEqual(3);
    });
  });

  describe('text: at least 4.5:1', () => {
    const textColours = [...new Set([...css.matchAll(/(?<![\w-])color:\s*var\(--([\w-]+)\)/g)].map((m) => m[1]!))];

    it('finds the text colours in the stylesheets', () => {
      expect(textColours).toEqual(
        expect.arrayContaining(['text', 'muted', 'link', 'ok', 'minor', 'partial', 'major', 'maint']),
      );
    });

    it.each(textColours.map((c) => [c]))('--%s on the card and on the page', (name) => {
      const colour = resolve(props, name);
      expect(contrast(colour, card)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(colour, page)).toBeGreaterThanOrEqual(4.5);
    });

    const pairs = [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)].flatMap(([, selectors, body]) => {
      const text = /(?<![\w-])color:\s*var\(--([\w-]+)\)/.exec(body!)?.[1];
      const background = /(?<![\w-])background(?:-color)?:\s*var\(--([\w-]+)\)/.exec(body!)?.[1];
      return text && background && background !== 'c' ? [[selectors!.trim(), text, background] as const] : [];
    });

    it.each(pairs)('%s: --%s on --%s', (_selector, text, background) => {
      expect(contrast(resolve(props, text), resolve(props, background))).toBeGreaterThanOrEqual(4.5);
    });
  });
});
