import { activeMaintenances, overallStatus, unresolvedIncidents, type IncidentView, type Snapshot } from './snapshot.ts';
import { incidentUrl, withSlash } from './statuspage-json.ts';
import { EVENT_STATUS_LABELS } from './vocabulary.ts';

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

export interface WidgetData {
  page: { name: string; url: string };
  status: { indicator: string; description: string };
  /** Unresolved incidents, then maintenances in progress. */
  active: WidgetEvent[];
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
    url: incidentUrl(snapshot, incident.id),
    updated_at: (latest?.displayAt ?? incident.updatedAt).toISOString(),
  };
}

export function widgetData(snapshot: Snapshot): WidgetData {
  const status = overallStatus(snapshot);
  return {
    page: { name: snapshot.page.name, url: withSlash(snapshot.page.siteUrl) },
    status: { indicator: status.indicator, description: status.description },
    active: [...unresolvedIncidents(snapshot), ...activeMaintenances(snapshot)].map((i) => widgetEvent(snapshot, i)),
  };
}
