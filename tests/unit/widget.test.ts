import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { widgetData } from '../../src/domain/widget-data.ts';
import {
  makeComponent,
  makeIncident,
  makeMaintenance,
  makeSnapshot,
  makeUpdate,
  minutesBefore,
  NOW,
} from './fixtures.ts';

const WIDGET = readFileSync(path.resolve(import.meta.dirname, '../../public/widget.js'));

describe('widget.js', () => {
  it('stays under 3 KB gzipped', () => {
    expect(gzipSync(WIDGET).length).toBeLessThan(3 * 1024);
  });

  it('needs nothing else: no imports, no globals left behind, no HTML built from data', () => {
    const source = WIDGET.toString('utf8');
    expect(source).not.toMatch(/\bimport\b|\brequire\(/);
    expect(source.trim()).toMatch(/^\/\*![\s\S]*?\*\/\s*\(function \(\) \{[\s\S]*\}\)\(\);$/);
    expect(source).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});

describe('widgetData', () => {
  it('has the overall status and the active incidents and maintenances, and nothing else', () => {
    const snapshot = makeSnapshot({
      page: { name: 'Acme', siteUrl: 'https://status.example.com' },
      components: [makeComponent({ id: 'api', status: 'partial_outage' })],
      incidents: [
        makeIncident({
          id: 'open',
          name: 'API errors',
          status: 'identified',
          impact: 'major',
          updates: [
            makeUpdate({ id: 'u2', incidentId: 'open', status: 'identified', createdAt: minutesBefore(NOW, 5) }),
            makeUpdate({ id: 'u1', incidentId: 'open' }),
          ],
        }),
        makeIncident({ id: 'done', status: 'resolved' }),
        makeMaintenance({ id: 'now', name: 'Upgrade', status: 'in_progress', updatedAt: minutesBefore(NOW, 20) }),
        makeMaintenance({ id: 'later', status: 'scheduled' }),
      ],
    });
    const { lang, i18n, ...data } = widgetData(snapshot);
    expect(lang).toBe('en');
    expect(Object.keys(i18n).sort()).toEqual(['en', 'zh-CN', 'zh-TW']);
    expect(i18n['zh-TW']).toEqual({
      url: 'https://status.example.com/zh-TW/',
      description: '系統部分中斷',
      dismiss: '關閉狀態通知',
      active: [
        { status_label: '已確認原因', url: 'https://status.example.com/zh-TW/incidents/open/' },
        { status_label: '進行中', url: 'https://status.example.com/zh-TW/incidents/now/' },
      ],
    });
    expect(i18n['zh-CN'].description).toBe('系统部分中断');
    expect(i18n.en.url).toBe('https://status.example.com/');
    expect(data).toEqual({
      page: { name: 'Acme', url: 'https://status.example.com/' },
      status: { indicator: 'major', description: 'Partial System Outage' },
      active: [
        {
          id: 'open',
          kind: 'incident',
          name: 'API errors',
          status: 'identified',
          status_label: 'Identified',
          impact: 'major',
          url: 'https://status.example.com/incidents/open/',
          updated_at: minutesBefore(NOW, 5).toISOString(),
        },
        {
          id: 'now',
          kind: 'maintenance',
          name: 'Upgrade',
          status: 'in_progress',
          status_label: 'In progress',
          impact: 'maintenance',
          url: 'https://status.example.com/incidents/now/',
          updated_at: minutesBefore(NOW, 20).toISOString(),
        },
      ],
    });
  });

  it('is the same text for the same status, whatever the revision', () => {
    const a = makeSnapshot({ revision: 1 });
    const b = makeSnapshot({ revision: 2 });
    expect(JSON.stringify(widgetData(a))).toBe(JSON.stringify(widgetData(b)));
  });
});
