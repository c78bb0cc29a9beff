import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, parseSecretsKey, sealSecret } from '../../src/auth/secret-box.ts';
import {
  AlertPayloadError,
  applies,
  labelFingerprint,
  matchComponent,
  parseAlerts,
  severityStatus,
  type NormalizedAlert,
} from '../../src/domain/alerts.ts';
import { validPagerDutySignature } from '../../src/server/alerts/receive-alerts.ts';
import { alertmanagerPayload, GRAFANA_FIRING, pagerDutyEvent } from '../helpers/alert-payloads.ts';

const NOW = new Date('2026-12-07T12:00:00Z');

describe('reading alert payloads', () => {
  it('reads an Alertmanager group: each alert with its fingerprint, times and link', () => {
    const alerts = parseAlerts(
      'alertmanager',
      alertmanagerPayload({
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'SiteDown', component: 'API', severity: 'critical' },
            startsAt: '2026-12-07T11:00:00Z',
            fingerprint: 'a1',
          },
          {
            status: 'resolved',
            labels: { alertname: 'SiteDown', component: 'Web', severity: 'critical' },
            startsAt: '2026-12-07T10:00:00Z',
            endsAt: '2026-12-07T11:30:00Z',
            fingerprint: 'b2',
          },
        ],
      }),
      NOW,
    );
    expect(alerts).toEqual([
      {
        fingerprint: 'a1',
        status: 'firing',
        labels: { alertname: 'SiteDown', component: 'API', severity: 'critical' },
        annotations: { summary: 'SiteDown on something' },
        startsAt: new Date('2026-12-07T11:00:00Z'),
        // "0001-01-01T00:00:00Z" means no end yet.
        endsAt: null,
        generatorUrl: 'http://prometheus.example:9090/graph?g0.expr=probe_success+%3D%3D+0&g0.tab=1',
        dashboardUrl: null,
      },
      expect.objectContaining({ fingerprint: 'b2', status: 'resolved', endsAt: new Date('2026-12-07T11:30:00Z') }),
    ]);
  });

  it("reads Grafana's webhook, its extra fields ignored and its dashboard kept", () => {
    const [alert] = parseAlerts('alertmanager', GRAFANA_FIRING, NOW);
    expect(alert).toMatchObject({
      fingerprint: 'c6eadffa33fcdf37',
      status: 'firing',
      labels: { component: 'Checkout', severity: 'warning' },
      dashboardUrl: 'https://grafana.example/d/shop',
    });
  });

  it('reads PagerDuty incident.triggered and incident.resolved, and lets other events be', () => {
    const [triggered] = parseAlerts('pagerduty', pagerDutyEvent('incident.triggered', '2026-12-07T10:00:00Z'), NOW);
    expect(triggered).toEqual({
      fingerprint: 'PGR0VU2',
      status: 'firing',
      labels: {
        alertname: 'Payments API is failing',
        service: 'Payments',
        severity: 'high',
        priority: 'P1',
        incident_key: 'd3640fbd41094207a1c11e58e46b1662',
      },
      annotations: { summary: 'Payments API is failing' },
      startsAt: new Date('2026-12-07T09:58:00Z'),
      endsAt: null,
      generatorUrl: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      dashboardUrl: null,
    });
    const [resolved] = parseAlerts('pagerduty', pagerDutyEvent('incident.resolved', '2026-12-07T10:30:00Z'), NOW);
    expect(resolved).toMatchObject({ status: 'resolved', endsAt: new Date('2026-12-07T10:30:00Z') });
    expect(parseAlerts('pagerduty', pagerDutyEvent('incident.acknowledged', '2026-12-07T10:05:00Z'), NOW)).toEqual([]);
  });

  it('reads the generic shape, one alert or a list, and derives a fingerprint from the labels', () => {
    const one = parseAlerts('generic', { status: 'firing', labels: { component: 'API', check: 'http' } }, NOW);
    expect(one[0]).toMatchObject({
      status: 'firing',
      startsAt: NOW,
      fingerprint: labelFingerprint({ check: 'http', component: 'API' }),
    });
    // The same labels in another order are the same alert.
    expect(labelFingerprint({ b: '2', a: '1' })).toBe(labelFingerprint({ a: '1', b: '2' }));
    const list = parseAlerts('generic', { alerts: [{ status: 'resolved', fingerprint: 'x', labels: {} }] }, NOW);
    expect(list[0]).toMatchObject({ fingerprint: 'x', status: 'resolved', endsAt: NOW });
    // Datadog's and Zabbix's words.
    const words = ['Triggered', 'Re-Triggered', 'PROBLEM', 'Recovered', 'OK'].map(
      (status) => parseAlerts('generic', { status, labels: {} }, NOW)[0]!.status,
    );
    expect(words).toEqual(['firing', 'firing', 'firing', 'resolved', 'resolved']);
  });

  it('refuses a body not of the kind, naming the field', () => {
    const refusal = (kind: 'alertmanager' | 'pagerduty' | 'generic', body: unknown): [string | null, string] | null => {
      try {
        parseAlerts(kind, body, NOW);
      } catch (error) {
        if (error instanceof AlertPayloadError) return [error.field, error.message];
        throw error;
      }
      return null;
    };
    expect(refusal('alertmanager', { alerts: [{ status: 'burning' }] })?.[0]).toBe('alerts.0.status');
    expect(refusal('alertmanager', { version: '4' })?.[0]).toBe('alerts');
    expect(refusal('pagerduty', { event: {} })?.[0]).toBe('event.event_type');
    expect(refusal('generic', { status: 'firing', labels: 'x' })).not.toBeNull();
    expect(refusal('generic', { status: 'smouldering' })?.[1]).toMatch(/must be "firing" or "resolved"/);
    expect(refusal('generic', [])).not.toBeNull();
  });

  it('keeps text the database can store: no NUL, no lone surrogate, no control characters', () => {
    const [alert] = parseAlerts(
      'generic',
      { status: 'firing', labels: { component: 'A\u0000PI\uD800', 'x\u0001': 'y' } },
      NOW,
    );
    expect(alert!.labels).toEqual({ component: 'API\uFFFD', x: 'y' });
  });
});

describe('which component, which status', () => {
  const components = [
    { id: 'api000000001', name: 'Public API' },
    { id: 'web000000001', name: 'Website' },
  ];
  it('finds the component by its id or its name in the component label, case-insensitive', () => {
    expect(matchComponent({ component: 'public api' }, [], components)).toBe('api000000001');
    expect(matchComponent({ component: 'web000000001' }, [], components)).toBe('web000000001');
    expect(matchComponent({ component: 'Database' }, [], components)).toBeNull();
    expect(matchComponent({ job: 'api' }, [], components)).toBeNull();
  });

  it("tries the source's rules first, in order: equals and anchored regex", () => {
    const rules = [
      { label: 'instance', op: 'regex' as const, value: 'web-\\d+', component_id: 'web000000001' },
      { label: 'job', op: 'equals' as const, value: 'api', component_id: 'api000000001' },
    ];
    expect(matchComponent({ instance: 'web-12', component: 'Public API' }, rules, components)).toBe('web000000001');
    expect(matchComponent({ instance: 'xweb-12' }, rules, components)).toBeNull();
    expect(matchComponent({ job: 'api' }, rules, components)).toBe('api000000001');
  });

  it('maps severities by default and by the source', () => {
    expect(severityStatus({ severity: 'critical' }, {})).toBe('major_outage');
    expect(severityStatus({ severity: 'Error' }, {})).toBe('partial_outage');
    expect(severityStatus({ severity: 'high' }, {})).toBe('partial_outage');
    expect(severityStatus({ severity: 'warning' }, {})).toBe('degraded_performance');
    expect(severityStatus({}, {})).toBe('partial_outage');
    expect(severityStatus({ severity: 'page' }, { page: 'major_outage' })).toBe('major_outage');
  });
});

describe('notifications of one alert, in any order', () => {
  const alert = (status: 'firing' | 'resolved', startsAt: string, endsAt: string | null = null): NormalizedAlert => ({
    fingerprint: 'f',
    status,
    labels: {},
    annotations: {},
    startsAt: new Date(startsAt),
    endsAt: endsAt ? new Date(endsAt) : null,
    generatorUrl: null,
    dashboardUrl: null,
  });
  const stored = (status: 'firing' | 'resolved', startsAt: string, endsAt: string | null = null) => ({
    status,
    startsAt: new Date(startsAt),
    endsAt: endsAt ? new Date(endsAt) : null,
  });

  it('never lets a late firing reopen the episode its resolve closed', () => {
    expect(
      applies(
        stored('resolved', '2026-12-07T10:00:00Z', '2026-12-07T10:30:00Z'),
        alert('firing', '2026-12-07T10:00:00Z'),
      ),
    ).toBe(false);
    // A new episode (it started after the resolve) applies.
    expect(
      applies(
        stored('resolved', '2026-12-07T10:00:00Z', '2026-12-07T10:30:00Z'),
        alert('firing', '2026-12-07T11:00:00Z'),
      ),
    ).toBe(true);
  });

  it('never lets the resolve of an older episode close a newer one', () => {
    expect(
      applies(
        stored('firing', '2026-12-07T11:00:00Z'),
        alert('resolved', '2026-12-07T10:00:00Z', '2026-12-07T10:30:00Z'),
      ),
    ).toBe(false);
    expect(
      applies(
        stored('firing', '2026-12-07T11:00:00Z'),
        alert('resolved', '2026-12-07T11:00:00Z', '2026-12-07T11:30:00Z'),
      ),
    ).toBe(true);
  });

  it('makes a replayed resolve change nothing', () => {
    expect(
      applies(
        stored('resolved', '2026-12-07T11:00:00Z', '2026-12-07T11:30:00Z'),
        alert('resolved', '2026-12-07T11:00:00Z', '2026-12-07T11:30:00Z'),
      ),
    ).toBe(false);
    expect(applies(null, alert('resolved', '2026-12-07T11:00:00Z', '2026-12-07T11:30:00Z'))).toBe(true);
  });
});

describe('secrets', () => {
  it('seals and opens a signing secret; another key or an altered box opens nothing', () => {
    const key = randomBytes(32);
    const box = sealSecret(key, 'pd-secret', 'source1');
    expect(box).not.toContain('pd-secret');
    expect(openSecret(key, box, 'source1')).toBe('pd-secret');
    expect(openSecret(randomBytes(32), box, 'source1')).toBeNull();
    expect(openSecret(key, `${box.slice(0, -2)}AA`, 'source1')).toBeNull();
    // Moved to another source's row, it does not open; nor with a shortened tag.
    expect(openSecret(key, box, 'source2')).toBeNull();
    const [v, iv, tag, sealed] = box.split('.');
    expect(openSecret(key, [v, iv, tag!.slice(0, 8), sealed].join('.'), 'source1')).toBeNull();
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey('short')).toBeNull();
  });

  it("checks PagerDuty's X-PagerDuty-Signature over the raw body", () => {
    const body = JSON.stringify(pagerDutyEvent('incident.triggered', '2026-12-07T10:00:00Z'));
    const signature = `v1=${createHmac('sha256', 'pd-secret').update(body).digest('hex')}`;
    expect(validPagerDutySignature('pd-secret', signature, body)).toBe(true);
    // During a rotation PagerDuty sends several; one must match.
    expect(validPagerDutySignature('pd-secret', `v1=${'0'.repeat(64)}, ${signature}`, body)).toBe(true);
    expect(validPagerDutySignature('other', signature, body)).toBe(false);
    expect(validPagerDutySignature('pd-secret', signature, `${body} `)).toBe(false);
    expect(validPagerDutySignature('pd-secret', null, body)).toBe(false);
    expect(validPagerDutySignature('pd-secret', 'v1=zz', body)).toBe(false);
  });
});
