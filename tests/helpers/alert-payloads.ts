// Payloads as the monitoring systems send them (shapes from their documentation and from
// what Debian's Alertmanager 0.25 posts), for the alert tests.

/** Alertmanager's webhook (version 4): two alerts of one group, one firing and one resolved. */
export function alertmanagerPayload(options: {
  status?: 'firing' | 'resolved';
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    startsAt: string;
    endsAt?: string;
    fingerprint: string;
  }>;
}) {
  return {
    receiver: 'herald',
    status: options.status ?? (options.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved'),
    alerts: options.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: { summary: `${a.labels.alertname ?? 'Alert'} on ${a.labels.instance ?? 'something'}` },
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1',
      fingerprint: a.fingerprint,
    })),
    groupLabels: { alertname: options.alerts[0]?.labels.alertname ?? '' },
    commonLabels: { alertname: options.alerts[0]?.labels.alertname ?? '' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: '{}:{alertname="SiteDown"}',
    truncatedAlerts: 0,
  };
}

/** Grafana's alerting webhook: the Alertmanager shape with version "1" and its own fields. */
export const GRAFANA_FIRING = {
  receiver: 'Herald',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'High latency', component: 'Checkout', severity: 'warning', grafana_folder: 'Shop' },
      annotations: { summary: 'p95 latency above 2 s', description: 'Checkout p95 is 2.4 s' },
      startsAt: '2026-12-07T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'https://grafana.example/alerting/grafana/abc/view',
      fingerprint: 'c6eadffa33fcdf37',
      silenceURL: 'https://grafana.example/alerting/silence/new?alertmanager=grafana',
      dashboardURL: 'https://grafana.example/d/shop',
      panelURL: 'https://grafana.example/d/shop?viewPanel=4',
      values: { B: 2.4, C: 1 },
      valueString: "[ var='B' labels={} value=2.4 ]",
    },
  ],
  groupLabels: { alertname: 'High latency' },
  commonLabels: { alertname: 'High latency' },
  commonAnnotations: {},
  externalURL: 'https://grafana.example/',
  version: '1',
  groupKey: '{}:{alertname="High latency"}',
  truncatedAlerts: 0,
  title: '[FIRING:1] High latency Shop',
  state: 'alerting',
  message: '**Firing**\n\nValue: B=2.4',
};

/** PagerDuty V3 webhook events for one incident. */
export function pagerDutyEvent(type: 'incident.triggered' | 'incident.resolved' | 'incident.acknowledged', at: string) {
  return {
    event: {
      id: `01DEN${type.length}ZGCC5DCZZ6ZB53XIXR0`,
      event_type: type,
      resource_type: 'incident',
      occurred_at: at,
      agent: { html_url: 'https://acme.pagerduty.com/users/PLH1HKV', id: 'PLH1HKV', type: 'user_reference' },
      client: null,
      data: {
        id: 'PGR0VU2',
        type: 'incident',
        self: 'https://api.pagerduty.com/incidents/PGR0VU2',
        html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
        number: 2,
        status:
          type === 'incident.resolved' ? 'resolved' : type === 'incident.acknowledged' ? 'acknowledged' : 'triggered',
        incident_key: 'd3640fbd41094207a1c11e58e46b1662',
        created_at: '2026-12-07T09:58:00Z',
        title: 'Payments API is failing',
        service: {
          html_url: 'https://acme.pagerduty.com/services/PF9KMXH',
          id: 'PF9KMXH',
          self: 'https://api.pagerduty.com/services/PF9KMXH',
          summary: 'Payments',
          type: 'service_reference',
        },
        assignees: [],
        escalation_policy: { id: 'PTF0WMA', summary: 'Default', type: 'escalation_policy_reference' },
        teams: [],
        priority: { id: 'PSO75BM', summary: 'P1', type: 'priority_reference' },
        urgency: 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}
