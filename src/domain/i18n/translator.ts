import { formatDate, formatDateTime, formatDayKey, formatMonth, formatRelative, formatTime } from '../format.ts';
import { LANGUAGES, type ComponentStatus, type EventStatus, type Impact, type Language } from '../vocabulary.ts';
import { en, type Catalogue, type MessageKey } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { zhTW } from './zh-TW.ts';

export type { MessageKey } from './en.ts';

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en, 'zh-TW': zhTW, 'zh-CN': zhCN };

/** Each language named in itself, as a language switcher shows it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  'zh-TW': '繁體中文',
  'zh-CN': '简体中文',
};

export type MessageVars = Readonly<Record<string, string | number>>;
export type Translate = (key: MessageKey, vars?: MessageVars) => string;

const PLACEHOLDER = /\{(\w+)\}/g;

/** The names of the `{placeholders}` in a message, sorted. */
export function placeholdersOf(message: string): string[] {
  return [...new Set([...message.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

const translators = new Map<Language, Translate>();

/** `t(key, vars)` in the language; a placeholder without a value stays visible, never blank. */
export function translator(language: Language): Translate {
  let t = translators.get(language);
  if (!t) {
    const catalogue = CATALOGUES[language];
    t = (key, vars) => {
      const message = catalogue[key];
      return vars
        ? message.replace(PLACEHOLDER, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
        : message;
    };
    translators.set(language, t);
  }
  return t;
}

/** A language code from outside (a form field, a query, a stored row), or the fallback. */
export function languageOr(value: unknown, fallback: Language): Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value) ? (value as Language) : fallback;
}

// The roll-up words its result as Statuspage does, in English, for the JSON API; pages and
// emails translate it through this table.
const PAGE_STATUS_KEYS: Readonly<Record<string, MessageKey>> = {
  'All Systems Operational': 'pageStatus.allOperational',
  'Service Under Maintenance': 'pageStatus.underMaintenance',
  'Major System Outage': 'pageStatus.majorOutage',
  'Partial System Outage': 'pageStatus.partialOutage',
  'Minor Service Outage': 'pageStatus.minorOutage',
  'Degraded System Service': 'pageStatus.degraded',
  'Partially Degraded Service': 'pageStatus.partiallyDegraded',
};

/** Every page status description the roll-up can give, for the completeness test. */
export const PAGE_STATUS_DESCRIPTIONS = Object.keys(PAGE_STATUS_KEYS);

/**
 * What pages, feeds, the widget and emails need to speak one language: the messages, the
 * vocabularies' labels, dates in that language, and links that stay in it.
 */
export interface Locale {
  language: Language;
  defaultLanguage: Language;
  t: Translate;
  /** A site path (`/history/`) as this language's URL (`/zh-TW/history/`). */
  path(path: string): string;
  componentStatus(status: ComponentStatus): string;
  /** What an update did to a component: "Operational → Major Outage", or its status when unchanged. */
  componentChange(from: ComponentStatus, to: ComponentStatus): string;
  eventStatus(status: EventStatus): string;
  impact(impact: Impact): string;
  pageStatus(description: string): string;
  dateTime(date: Date, timeZone: string): string;
  time(date: Date, timeZone: string): string;
  date(date: Date, timeZone: string): string;
  month(monthKey: string): string;
  day(dayKey: string): string;
  relative(target: Date, now: Date): string;
}

/** `/history/` in the language: `/zh-TW/history/`, or unchanged for the default language. */
export function localizedPath(path: string, language: Language, defaultLanguage: Language): string {
  return language === defaultLanguage ? path : `/${language}${path}`;
}

/** The language a path's first segment names (`/zh-TW/...`), and the path without it. */
export function splitLanguagePrefix(path: string): { language: Language | null; path: string } {
  const match = /^\/([A-Za-z]{2}(?:-[A-Za-z]{2})?)(\/.*|$)/.exec(path);
  if (!match || !(LANGUAGES as readonly string[]).includes(match[1]!)) return { language: null, path };
  return { language: match[1] as Language, path: match[2] || '/' };
}

const locales = new Map<string, Locale>();

export function localeFor(language: Language, defaultLanguage: Language): Locale {
  const key = `${language}|${defaultLanguage}`;
  let locale = locales.get(key);
  if (!locale) {
    const t = translator(language);
    locale = {
      language,
      defaultLanguage,
      t,
      path: (path) => localizedPath(path, language, defaultLanguage),
      componentStatus: (status) => t(`componentStatus.${status}`),
      componentChange: (from, to) =>
        from === to ? t(`componentStatus.${to}`) : `${t(`componentStatus.${from}`)} → ${t(`componentStatus.${to}`)}`,
      eventStatus: (status) => t(`eventStatus.${status}`),
      impact: (impact) => t(`impact.${impact}`),
      pageStatus: (description) => {
        const messageKey = PAGE_STATUS_KEYS[description];
        return messageKey ? t(messageKey) : description;
      },
      dateTime: (date, timeZone) => formatDateTime(date, timeZone, language),
      time: (date, timeZone) => formatTime(date, timeZone, language),
      date: (date, timeZone) => formatDate(date, timeZone, language),
      month: (monthKey) => formatMonth(monthKey, language),
      day: (dayKey) => formatDayKey(dayKey, language),
      relative: (target, now) => formatRelative(target, now, language),
    };
    locales.set(key, locale);
  }
  return locale;
}
