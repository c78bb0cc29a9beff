import { localeFor } from './i18n/translator.ts';
import { absoluteUrl, incidentUrl, withSlash } from './site-url.ts';
import {
  activeMaintenances,
  overallStatus,
  unresolvedIncidents,
  type IncidentView,
  type Snapshot,
} from './snapshot.ts';
import { EVENT_STATUS_LABELS, LANGUAGES, type Language } from './vocabulary.ts';

// What /widget.js polls: as small as the widget needs, and free of anything that changes
// on every publish (revision, render time), so an unchanged status is an unchanged body.

export interface WidgetEvent {
  id: string;
  kind: IncidentView['kind'];
  name: string;
  status: IncidentView['status'];
  status_label: string;
  impact: IncidentView['impact'];
  url: string;
  updated_at: string;
}

/** The widget's words in one language; `active` follows the order of WidgetData.active. */
export interface WidgetWords {
  url: string;
  description: string;
  dismiss: string;
  active: Array<{ status_label: string; url: string }>;
}

export interface WidgetData {
  page: { name: string; url: string };
  status: { indicator: string; description: string };
  /** Unresolved incidents, then maintenances in progress. */
  active: WidgetEvent[];
  /** The page's default language: the widget's words when the host page's language is not offered. */
  lang: Language;
  /** Every language's words, so one file serves a host page in any of them. */
  i18n: Record<Language, WidgetWords>;
}

function widgetEvent(snapshot: Snapshot, incident: IncidentView): WidgetEvent {
  const latest = incident.updates[0];
  return {
    id: incident.id,
    kind: incident.kind,
    name: incident.name,
    status: incident.status,
    status_label: EVENT_STATUS_LABELS[incident.status],
    impact: incident.impact,
    url: incidentUrl(snapshot.page.siteUrl, incident.id),
    updated_at: (latest?.displayAt ?? incident.updatedAt).toISOString(),
  };
}

export function widgetData(snapshot: Snapshot): WidgetData {
  const status = overallStatus(snapshot);
  const active = [...unresolvedIncidents(snapshot), ...activeMaintenances(snapshot)];
  const { defaultLanguage } = snapshot.page;
  const wordsIn = (language: Language): WidgetWords => {
    const locale = localeFor(language, defaultLanguage);
    return {
      url: absoluteUrl(snapshot.page.siteUrl, locale.path('/')),
      description: locale.pageStatus(status.description),
      dismiss: locale.t('widget.dismiss'),
      active: active.map((i) => ({
        status_label: locale.eventStatus(i.status),
        url: incidentUrl(snapshot.page.siteUrl, i.id, locale),
      })),
    };
  };
  return {
    page: { name: snapshot.page.name, url: withSlash(snapshot.page.siteUrl) },
    status: { indicator: status.indicator, description: status.description },
    active: active.map((i) => widgetEvent(snapshot, i)),
    lang: defaultLanguage,
    i18n: Object.fromEntries(LANGUAGES.map((language) => [language, wordsIn(language)])) as Record<
      Language,
      WidgetWords
    >,
  };
}
