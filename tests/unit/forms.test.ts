import { describe, expect, it } from 'vitest';
import { isRuleViolation } from '../../src/domain/errors.ts';
import { errorBody, HttpError, staleVersion } from '../../src/infra/errors.ts';
import { formToTokenInput, formToUserInput, formToUserPatch } from '../../src/server/forms/account-form.ts';
import { auditQueryOf } from '../../src/server/forms/audit-filter.ts';
import {
  formToComponentInput,
  formToComponentPatch,
  formToGroupPatch,
  formToPositionChanges,
} from '../../src/server/forms/component-form.ts';
import { sectionsOf } from '../../src/server/forms/component-order.ts';
import {
  integerOf,
  nullableIntegerOf,
  prefixedEntries,
  submittedValues,
  versionOf,
} from '../../src/server/forms/form-fields.ts';
import { attempt } from '../../src/server/forms/admin-page.ts';
import { fieldId, formErrorOf, FormState } from '../../src/server/forms/form-state.ts';
import {
  formToDeletion,
  formToIncidentInput,
  formToMaintenanceInput,
  formToUpdateEdit,
  formToUpdateInput,
} from '../../src/server/forms/incident-form.ts';
import { INCIDENT_PAGE_ACTIONS } from '../../src/server/forms/incident-page.ts';
import { incidentListHref, incidentListQueryOf } from '../../src/server/forms/incident-list-query.ts';
import { previewNewIncident, previewUpdate } from '../../src/server/forms/incident-preview.ts';
import { utcToZonedLocal, zonedLocalToUtc } from '../../src/domain/format.ts';
import { localRedirectTarget } from '../../src/server/forms/redirect-target.ts';
import { formToSettingsPatch } from '../../src/server/forms/settings-form.ts';
import {
  chosenTemplate,
  fillRemainingVariables,
  fillTemplate,
  templateFormValues,
  templateValues,
} from '../../src/server/forms/template-fill.ts';
import { formToTemplateInput, formToTemplatePatch } from '../../src/server/forms/template-form.ts';
import { makeComponent, makeIncident, makeSnapshot, makeUpdate, NOW } from './fixtures.ts';

// The admin form's converters: what a browser posts (strings, missing checkboxes) in,
// the admin API's validated input out, and errors that name the form field to mark.

const API = 'aaaaaaaaaaa1';
const WEB = 'aaaaaaaaaaa2';

function form(entries: Record<string, string | string[]> | Array<[string, string]>): FormData {
  const data = new FormData();
  const pairs = Array.isArray(entries)
    ? entries
    : Object.entries(entries).flatMap(([k, v]) =>
        Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]],
      );
  for (const [name, value] of pairs) data.append(name, value);
  return data;
}

/** The field and message a form would show for what `run` throws. */
function fieldError(run: () => unknown): { field: string | null; message: string } {
  try {
    run();
  } catch (error) {
    const { field, message } = formErrorOf(error);
    return { field, message };
  }
  throw new Error('expected the conversion to fail');
}

describe('form fields', () => {
  it.each([
    ['', undefined],
    ['  ', undefined],
    ['60', 60],
    [' 15 ', 15],
    ['-3', -3],
  ])('integerOf(%j) is %j', (raw, expected) => {
    expect(integerOf(form({ n: raw }), 'n')).toBe(expected);
  });

  it.each(['abc', '1.5', '1e3', '12px'])('integerOf rejects %j naming the field', (raw) => {
    expect(fieldError(() => integerOf(form({ n: raw }), 'n'))).toEqual({
      field: 'n',
      message: 'must be a whole number',
    });
  });

  it('reads an empty or missing number as null where null means "none"', () => {
    expect(nullableIntegerOf(form({ n: '' }), 'n')).toBeNull();
    expect(nullableIntegerOf(form({}), 'n')).toBeNull();
  });

  it('collects non-empty prefixed selects as a record', () => {
    const data = form({ [`components.${API}`]: 'major_outage', [`components.${WEB}`]: '', other: 'x' });
    expect(prefixedEntries(data, 'components')).toEqual({ [API]: 'major_outage' });
  });

  it('keeps every value of a repeated name when re-showing a form', () => {
    expect(
      submittedValues(
        form([
          ['component_ids', 'a'],
          ['component_ids', 'b'],
          ['name', 'X'],
        ]),
      ),
    ).toEqual({ component_ids: ['a', 'b'], name: 'X' });
  });

  it.each([[''], ['0'], ['x']])('requires a version from edit forms (%j)', (raw) => {
    expect(fieldError(() => versionOf(form({ version: raw }))).field).toBe('version');
  });
});

describe('formToIncidentInput', () => {
  const complete = {
    name: ' Errors on the API ',
    status: 'identified',
    impact_override: '',
    [`components.${API}`]: 'partial_outage',
    [`components.${WEB}`]: '',
    next_update_in_minutes: '30',
    body: 'We are **on it**.',
    deliver_notifications: '1',
    intent: 'publish',
  };

  it('turns a complete form into the API input', () => {
    expect(formToIncidentInput(form(complete))).toEqual({
      kind: 'incident',
      name: 'Errors on the API',
      status: 'identified',
      body: 'We are **on it**.',
      components: { [API]: 'partial_outage' },
      deliver_notifications: true,
      next_update_in_minutes: 30,
    });
  });

  it('reads an empty "next update" as no promise and an unticked box as no notifications', () => {
    const { deliver_notifications: _d, ...rest } = complete;
    const input = formToIncidentInput(form({ ...rest, next_update_in_minutes: '' }));
    expect(input.next_update_in_minutes).toBeNull();
    expect(input.deliver_notifications).toBe(false);
  });

  it('passes an impact override through', () => {
    expect(formToIncidentInput(form({ ...complete, impact_override: 'critical' })).impact_override).toBe('critical');
  });

  it.each([
    [{ name: '' }, 'name', 'is required'],
    [{ body: '   ' }, 'body', 'is required'],
    [{ status: 'sleeping' }, 'status', undefined],
    [{ impact_override: 'apocalyptic' }, 'impact_override', undefined],
    [{ next_update_in_minutes: '0' }, 'next_update_in_minutes', 'must be at least 1 minute'],
    [{ next_update_in_minutes: '20000' }, 'next_update_in_minutes', 'must be at most 7 days'],
    [{ next_update_in_minutes: 'soon' }, 'next_update_in_minutes', 'must be a whole number'],
    [{ [`components.${API}`]: 'on_fire' }, `components.${API}`, undefined],
  ])('names the field of a bad value %j', (change, field, message) => {
    const error = fieldError(() => formToIncidentInput(form({ ...complete, ...change })));
    expect(error.field).toBe(field);
    if (message) expect(error.message).toBe(message);
  });

  it('ignores form fields the API does not know (intent, template)', () => {
    expect(() => formToIncidentInput(form({ ...complete, template: 'abc', intent: 'preview' }))).not.toThrow();
  });
});

describe('formToMaintenanceInput', () => {
  const base = {
    name: 'Database upgrade',
    body: 'Short interruptions.',
    component_ids: [API, WEB],
    scheduled_auto_in_progress: '1',
  };

  it('reads the window in the page time zone', () => {
    const input = formToMaintenanceInput(
      form({ ...base, scheduled_for: '2026-12-01T02:30', scheduled_until: '2026-12-01T04:00' }),
      'UTC',
    );
    expect(input.scheduled_for?.toISOString()).toBe('2026-12-01T02:30:00.000Z');
    const berlin = formToMaintenanceInput(
      form({ ...base, scheduled_for: '2026-07-01T02:30', scheduled_until: '2026-07-01T04:00' }),
      'Europe/Berlin',
    );
    expect(berlin.scheduled_for?.toISOString()).toBe('2026-07-01T00:30:00.000Z');
    expect(berlin.scheduled_until?.toISOString()).toBe('2026-07-01T02:00:00.000Z');
    expect(berlin).toMatchObject({
      kind: 'maintenance',
      component_ids: [API, WEB],
      scheduled_auto_in_progress: true,
      scheduled_auto_completed: false,
    });
  });

  it.each([
    [
      { scheduled_for: '', scheduled_until: '2026-07-01T04:00' },
      'scheduled_for',
      'is required for a scheduled maintenance',
    ],
    [
      { scheduled_for: '2026-07-01T02:00', scheduled_until: '' },
      'scheduled_until',
      'is required for a scheduled maintenance',
    ],
    [
      { scheduled_for: '2026-07-01T04:00', scheduled_until: '2026-07-01T04:00' },
      'scheduled_until',
      'must be after the start',
    ],
    [
      { scheduled_for: 'tomorrow', scheduled_until: '2026-07-01T04:00' },
      'scheduled_for',
      'must be a date and time such as 2026-11-21 14:30',
    ],
    [
      { scheduled_for: '2026-02-31T10:00', scheduled_until: '2026-03-01T04:00' },
      'scheduled_for',
      'must be a date and time such as 2026-11-21 14:30',
    ],
  ])('names the window field that is wrong (%j)', (window, field, message) => {
    expect(fieldError(() => formToMaintenanceInput(form({ ...base, ...window }), 'Europe/Berlin'))).toEqual({
      field,
      message,
    });
  });
});

describe('zonedLocalToUtc', () => {
  it.each([
    ['2026-01-15T12:00', 'UTC', '2026-01-15T12:00:00.000Z'],
    ['2026-01-15T12:00', 'Europe/Berlin', '2026-01-15T11:00:00.000Z'],
    ['2026-07-15T12:00', 'Europe/Berlin', '2026-07-15T10:00:00.000Z'],
    ['2026-07-15T12:00', 'America/New_York', '2026-07-15T16:00:00.000Z'],
    ['2026-12-31T23:30', 'Asia/Tokyo', '2026-12-31T14:30:00.000Z'],
    ['2026-03-29T03:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['2026-01-15T12:00:30', 'UTC', '2026-01-15T12:00:30.000Z'],
    ['2026-03-14T12:00', 'Asia/Kolkata', '2026-03-14T06:30:00.000Z'],
  ])('%s in %s is %s', (local, zone, iso) => {
    expect(zonedLocalToUtc(local, zone)?.toISOString()).toBe(iso);
  });

  it('takes the earlier of a time that happens twice (clocks going back)', () => {
    // 02:30 on 2026-10-25 in Berlin is first CEST (00:30Z), then CET (01:30Z).
    expect(zonedLocalToUtc('2026-10-25T02:30', 'Europe/Berlin')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('moves a time that does not exist (clocks going forward) forward by the gap', () => {
    // 02:30 on 2026-03-29 does not exist in Berlin; it reads as 03:30 CEST.
    expect(zonedLocalToUtc('2026-03-29T02:30', 'Europe/Berlin')?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it.each(['', '2026-13-01T00:00', '2026-02-30T10:00', '2026-01-01T24:00', '2026-01-01 10:00', '2026-01-01T10:60'])(
    'rejects %j',
    (local) => {
      expect(zonedLocalToUtc(local, 'UTC')).toBeNull();
    },
  );

  it.each([
    ['2026-07-15T10:00:00Z', 'Europe/Berlin', '2026-07-15T12:00'],
    ['2026-01-15T11:59:59Z', 'Europe/Berlin', '2026-01-15T12:59'],
    ['2026-07-15T16:00:00Z', 'America/New_York', '2026-07-15T12:00'],
  ])('utcToZonedLocal(%s, %s) is %s and reads back', (iso, zone, local) => {
    expect(utcToZonedLocal(new Date(iso), zone)).toBe(local);
    expect(zonedLocalToUtc(local, zone)?.toISOString()).toBe(
      new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString(),
    );
  });
});

describe('update forms', () => {
  it('turns the update form into UpdateInput with the version shown', () => {
    const input = formToUpdateInput(
      form({
        status: 'monitoring',
        body: 'Fix deployed.',
        [`components.${API}`]: 'operational',
        next_update_in_minutes: '60',
        version: '4',
        deliver_notifications: '1',
      }),
    );
    expect(input).toEqual({
      status: 'monitoring',
      body: 'Fix deployed.',
      components: { [API]: 'operational' },
      next_update_in_minutes: 60,
      version: 4,
      deliver_notifications: true,
    });
  });

  it('the resolve shortcut is the update form with a fixed status and no promise', () => {
    expect(formToUpdateInput(form({ status: 'resolved', body: 'Resolved.', version: '2' }))).toMatchObject({
      status: 'resolved',
      next_update_in_minutes: null,
      deliver_notifications: false,
    });
  });

  it('an update without the version it was made from is refused', () => {
    expect(fieldError(() => formToUpdateInput(form({ status: 'monitoring', body: 'x' }))).field).toBe('version');
  });

  it('edits text with the update version', () => {
    expect(formToUpdateEdit(form({ body: ' Corrected ', version: '3', update_id: 'u' }))).toEqual({
      body: 'Corrected',
      version: 3,
    });
    expect(fieldError(() => formToUpdateEdit(form({ body: '', version: '3' })))).toEqual({
      field: 'body',
      message: 'is required',
    });
  });

  it('deleting needs "I am sure"', () => {
    expect(fieldError(() => formToDeletion(form({ version: '3' })))).toEqual({
      field: 'confirm',
      message: 'tick "I am sure" to delete',
    });
    expect(formToDeletion(form({ version: '3', confirm: 'yes' }))).toEqual({ version: 3 });
  });

  it.each([
    ['preview', 'preview'],
    ['publish', 'publish'],
    ['edit_update', 'edit_update'],
    ['drop_tables', 'none'],
    ['', 'none'],
  ])('reads intent %j as %j', (raw, intent) => {
    // adminForm runs the action of this name from the page's table; 'none' gets the unknown-action answer.
    expect(Object.hasOwn(INCIDENT_PAGE_ACTIONS, raw) ? raw : 'none').toBe(intent);
  });
});

describe('component forms', () => {
  it('reads empty description and group as "none" and unticked boxes as false', () => {
    expect(
      formToComponentInput(
        form({ name: 'CDN', description: '', group_id: '', position: '3', status: 'operational', showcase: '1' }),
      ),
    ).toEqual({
      name: 'CDN',
      description: null,
      group_id: null,
      position: 3,
      status: 'operational',
      hidden: false,
      only_show_if_degraded: false,
      showcase: true,
    });
  });

  it('the edit form sends every field and its version', () => {
    expect(
      formToComponentPatch(
        form({
          name: 'CDN',
          description: 'Edge',
          group_id: API,
          position: '1',
          status: 'degraded_performance',
          hidden: '1',
          version: '2',
        }),
      ),
    ).toMatchObject({
      description: 'Edge',
      group_id: API,
      hidden: true,
      showcase: false,
      version: 2,
    });
    expect(formToGroupPatch(form({ name: 'Core', description: '', position: '0', version: '5' }))).toEqual({
      name: 'Core',
      description: null,
      position: 0,
      hidden: false,
      version: 5,
    });
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ group_id: 'not-an-id' }, 'group_id'],
    [{ position: '-1' }, 'position'],
    [{ status: 'fine' }, 'status'],
  ])('names the field of a bad value %j', (change, field) => {
    expect(fieldError(() => formToComponentInput(form({ name: 'CDN', position: '0', ...change }))).field).toBe(field);
  });

  const items = [
    { kind: 'group' as const, id: 'g1', position: 1, version: 3 },
    { kind: 'component' as const, id: 'c1', position: 1, version: 1 },
    { kind: 'component' as const, id: 'c2', position: 2, version: 7 },
  ];

  it('patches only the positions that changed, with the version shown', () => {
    expect(formToPositionChanges(form({ 'position.g1': '1', 'position.c1': '5', 'position.c2': '2' }), items)).toEqual([
      { kind: 'component', id: 'c1', position: 5, version: 1 },
    ]);
  });

  it('checks a move against the version the form showed, not the one stored now', () => {
    expect(formToPositionChanges(form({ 'position.c1': '4', 'version.c1': '0' }), items)).toEqual([
      { kind: 'component', id: 'c1', position: 4, version: 0 },
    ]);
  });

  it('leaves items the form did not list where they are', () => {
    expect(formToPositionChanges(form({ 'position.c2': '0' }), items)).toEqual([
      { kind: 'component', id: 'c2', position: 0, version: 7 },
    ]);
  });

  it.each(['', '-1', '100001', 'first'])('refuses position %j naming its input', (raw) => {
    expect(fieldError(() => formToPositionChanges(form({ 'position.c1': raw }), items)).field).toBe('position.c1');
  });
});

describe('sectionsOf', () => {
  it('interleaves groups and ungrouped components by position, members by position then name', () => {
    const groups = [
      { id: 'g1', name: 'Core', position: 2 },
      { id: 'g2', name: 'Empty', position: 3 },
    ];
    const components = [
      { id: 'c1', name: 'B', position: 1, group_id: 'g1' },
      { id: 'c2', name: 'A', position: 1, group_id: 'g1' },
      { id: 'c3', name: 'Alone', position: 1, group_id: null },
      { id: 'c4', name: 'Orphan', position: 9, group_id: 'gone' },
    ];
    expect(sectionsOf(groups, components).map((s) => [s.group?.id ?? null, s.components.map((c) => c.id)])).toEqual([
      [null, ['c3']],
      ['g1', ['c2', 'c1']],
      ['g2', []],
      [null, ['c4']],
    ]);
  });
});

describe('template, user, token and settings forms', () => {
  it('templates take name, status, title and body', () => {
    expect(
      formToTemplateInput(
        form({
          name: 'Outage',
          status: 'investigating',
          title: 'Problems with {{component}}',
          body: 'Looking into {{components}}.',
        }),
      ),
    ).toEqual({
      name: 'Outage',
      status: 'investigating',
      title: 'Problems with {{component}}',
      body: 'Looking into {{components}}.',
      // The form shows every language's fields: none filled in is no translation.
      translations: {},
    });
    expect(
      formToTemplatePatch(form({ name: 'Outage', status: 'scheduled', title: 't', body: 'b', version: '2' })).version,
    ).toBe(2);
    expect(
      fieldError(() => formToTemplateInput(form({ name: 'x', status: 'exploded', title: 't', body: 'b' }))).field,
    ).toBe('status');
  });

  it('users: an empty password field keeps the password', () => {
    expect(formToUserPatch(form({ name: 'Ann', role: 'viewer', password: '', version: '1' }))).toEqual({
      name: 'Ann',
      role: 'viewer',
      version: 1,
    });
    expect(
      fieldError(() => formToUserPatch(form({ name: 'Ann', role: 'viewer', password: 'short', version: '1' }))).field,
    ).toBe('password');
    expect(
      formToUserInput(form({ email: ' Ann@Example.com ', name: 'Ann', role: 'editor', password: 'long-enough-1' }))
        .email,
    ).toBe('ann@example.com');
    expect(
      fieldError(() => formToUserInput(form({ email: 'nope', name: 'Ann', role: 'editor', password: 'long-enough-1' })))
        .field,
    ).toBe('email');
  });

  it('tokens: expiry in the page time zone, empty meaning never', () => {
    expect(formToTokenInput(form({ name: 'CI', role: 'editor', expires_at: '' }), 'Europe/Berlin')).toEqual({
      name: 'CI',
      role: 'editor',
      expires_at: null,
    });
    expect(
      formToTokenInput(
        form({ name: 'CI', role: 'editor', expires_at: '2027-01-01T00:00' }),
        'Europe/Berlin',
      ).expires_at?.toISOString(),
    ).toBe('2026-12-31T23:00:00.000Z');
    expect(
      fieldError(() => formToTokenInput(form({ name: 'CI', role: 'editor', expires_at: 'never' }), 'UTC')).field,
    ).toBe('expires_at');
    expect(fieldError(() => formToTokenInput(form({ name: 'CI', role: 'owner' }), 'UTC')).field).toBe('role');
  });

  it('settings: empty URLs clear them; bad ones are named', () => {
    const base = {
      name: 'Acme',
      time_zone: 'Europe/Berlin',
      brand_color: '#112233',
      homepage_url: '',
      logo_url: ' ',
      support_url: 'https://help.example.com',
      version: '4',
    };
    expect(formToSettingsPatch(form(base))).toEqual({
      name: 'Acme',
      time_zone: 'Europe/Berlin',
      brand_color: '#112233',
      homepage_url: null,
      logo_url: null,
      support_url: 'https://help.example.com',
      version: 4,
    });
    expect(fieldError(() => formToSettingsPatch(form({ ...base, homepage_url: 'javascript:alert(1)' }))).field).toBe(
      'homepage_url',
    );
    expect(fieldError(() => formToSettingsPatch(form({ ...base, time_zone: 'Mars/Olympus' }))).field).toBe('time_zone');
    expect(fieldError(() => formToSettingsPatch(form({ ...base, brand_color: 'red' }))).field).toBe('brand_color');
  });

  it('settings: uptime weight, reminders, language and visitor webhooks, each error naming its field', () => {
    const base = { name: 'Acme', time_zone: 'UTC', brand_color: '#112233', version: '4' };
    const full = {
      ...base,
      partial_outage_weight: '0.5',
      reminder_interval_minutes: '15',
      stale_incident_hours: '48',
      maintenance_reminder_minutes: '0',
      default_language: 'zh-TW',
    };
    expect(
      formToSettingsPatch(form([...Object.entries(full), ['visitor_webhooks', 'false'], ['visitor_webhooks', 'true']])),
    ).toMatchObject({
      partial_outage_weight: 0.5,
      reminder_interval_minutes: 15,
      stale_incident_hours: 48,
      maintenance_reminder_minutes: 0,
      default_language: 'zh-TW',
      visitor_webhooks: true,
    });
    // The unticked box: only the hidden "false" arrives.
    expect(formToSettingsPatch(form([...Object.entries(full), ['visitor_webhooks', 'false']])).visitor_webhooks).toBe(
      false,
    );
    // A form without the newer fields leaves them as they are.
    expect(formToSettingsPatch(form(base))).not.toHaveProperty('partial_outage_weight', expect.anything());
    expect(formToSettingsPatch(form({ ...full, partial_outage_weight: '0,25' })).partial_outage_weight).toBe(0.25);
    const cases: Array<[string, string, RegExp]> = [
      ['partial_outage_weight', '1.5', /from 0 to 1/],
      ['partial_outage_weight', 'lots', /from 0 to 1/],
      ['partial_outage_weight', '-0.1', /from 0 to 1/],
      ['reminder_interval_minutes', '4', /at least 5 minutes/],
      ['reminder_interval_minutes', '1441', /at most 1440 minutes/],
      ['reminder_interval_minutes', '', /is required/],
      ['reminder_interval_minutes', '7.5', /whole number/],
      ['stale_incident_hours', '0', /at least 1 hour$/],
      ['stale_incident_hours', '721', /at most 720 hours/],
      ['maintenance_reminder_minutes', '-1', /at least 0 minutes/],
      ['maintenance_reminder_minutes', '10081', /at most 10080 minutes/],
      ['default_language', 'fr', /one of en, zh-TW, zh-CN/],
    ];
    for (const [field, value, message] of cases) {
      const error = fieldError(() => formToSettingsPatch(form({ ...full, [field]: value })));
      expect([field, value, error.field, error.message]).toEqual([field, value, field, expect.stringMatching(message)]);
    }
  });
});

describe('auditQueryOf', () => {
  it('uses the filters given and ignores empty ones and strangers', () => {
    expect(
      auditQueryOf(new URLSearchParams('entity_type=incident&entity_id=&action=+incident.create+&foo=bar'), 51),
    ).toEqual({ entity_type: 'incident', action: 'incident.create', limit: 51 });
  });

  it('refuses a bad page cursor naming it', () => {
    expect(fieldError(() => auditQueryOf(new URLSearchParams('before_id=abc'))).field).toBe('before_id');
  });
});

describe('incidentListQueryOf', () => {
  it.each([
    ['', { kind: 'incident', filter: 'all', after: undefined }],
    ['kind=maintenance&filter=active', { kind: 'maintenance', filter: 'active', after: undefined }],
    ['kind=all&after=abcdefabcdef', { kind: 'all', filter: 'all', after: 'abcdefabcdef' }],
    ['kind=&filter=', { kind: 'incident', filter: 'all', after: undefined }],
  ])('reads %j', (query, expected) => {
    expect(incidentListQueryOf(new URLSearchParams(query))).toEqual(expected);
  });

  it.each([
    ['kind=nonsense', 'kind'],
    ['filter=x', 'filter'],
    ['after=../../etc', 'after'],
  ])('refuses %j, naming the parameter', (query, field) => {
    expect(() => incidentListQueryOf(new URLSearchParams(query))).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: [field] })] }),
    );
  });

  it('links to the next page keeping the filters', () => {
    expect(incidentListHref({ kind: 'maintenance', filter: 'active', after: undefined }, 'abcdefabcdef')).toBe(
      '/admin/incidents/?kind=maintenance&filter=active&after=abcdefabcdef',
    );
  });
});

describe('localRedirectTarget', () => {
  it.each([
    ['/admin/incidents/', '/admin/incidents/'],
    ['/admin/incidents/?kind=maintenance', '/admin/incidents/?kind=maintenance'],
    ['//evil.example/', '/admin/'],
    ['/\\evil.example', '/admin/'],
    ['https://evil.example/', '/admin/'],
    ['javascript:alert(1)', '/admin/'],
    ['/\t/evil.example', '/admin/'],
    ['admin', '/admin/'],
    ['', '/admin/'],
    [null, '/admin/'],
  ])('%j goes to %j', (next, target) => {
    expect(localRedirectTarget(next)).toBe(target);
  });
});

describe('formErrorOf and FormState', () => {
  it('says a schema error without the field name the label already gives', () => {
    expect(fieldError(() => formToIncidentInput(form({ name: '', body: 'x' })))).toEqual({
      field: 'name',
      message: 'is required',
    });
  });

  it('words a version conflict for people, keeping the typed text', () => {
    const error = formErrorOf(staleVersion('incident', 5), 'incident');
    expect(error).toMatchObject({ status: 409, code: 'version_conflict', field: 'version' });
    expect(error.message).toMatch(/^Someone else changed this incident; reload to see their change\./);
    expect(formErrorOf(staleVersion('page settings', 2), 'these settings').message).toMatch(
      /^Someone else changed these settings;/,
    );
  });

  it('asks what the form changes only when a refusal needs the word (the incident page asks its kind)', async () => {
    const herald = { log: { error: () => {} } } as unknown as Parameters<typeof attempt>[0];
    let asked = 0;
    const kind = async () => (asked++, 'maintenance');
    expect(await attempt(herald, kind, async () => 'done')).toEqual({ ok: true, value: 'done' });
    expect(asked).toBe(0);
    const refused = await attempt(herald, kind, async () => {
      throw staleVersion('incident', 3);
    });
    expect(asked).toBe(1);
    expect(!refused.ok && refused.error.message).toMatch(/^Someone else changed this maintenance;/);
  });

  it('keeps status, headers and message of HTTP errors; hides unknown ones', () => {
    expect(
      formErrorOf(new HttpError(429, 'too_many_attempts', 'try again in 4 s', { headers: { 'retry-after': '4' } })),
    ).toMatchObject({ status: 429, message: 'try again in 4 s', headers: { 'retry-after': '4' } });
    expect(formErrorOf(new Error('connection refused'))).toMatchObject({
      status: 500,
      field: null,
      message: errorBody(new Error()).body.error.message,
    });
  });

  it('wires the error to its field with aria-invalid and aria-describedby', () => {
    const state = new FormState(
      'incident',
      { name: '', body: 'typed' },
      formErrorOf(new HttpError(422, 'invalid_field', 'name: is required', { field: 'name' })),
    );
    expect(state.field('name')).toEqual({
      id: 'incident-name',
      name: 'name',
      'aria-invalid': 'true',
      'aria-describedby': 'incident-name-error',
    });
    expect(state.field('body', 'body-hint')).toEqual({
      id: 'incident-body',
      name: 'body',
      'aria-describedby': 'body-hint',
    });
    expect(state.errorFor('name')).toBe('is required');
    expect(state.errorFor('body')).toBeNull();
    expect(state.value('body')).toBe('typed');
  });

  it('reads values, lists and checkboxes from data or from a submitted form', () => {
    const state = new FormState('f', { n: 60, on: true, off: false, sent: '1', ids: ['a', 'b'], none: null });
    expect([state.value('n'), state.value('none', 'x'), state.value('missing')]).toEqual(['60', 'x', '']);
    expect([state.checked('on'), state.checked('off'), state.checked('sent'), state.checked('missing')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([state.list('ids'), state.list('n'), state.list('missing')]).toEqual([['a', 'b'], ['60'], []]);
    expect(state.with({ n: 5 }).value('n')).toBe('5');
  });

  it('makes ids from field names that contain dots', () => {
    expect(fieldId('update', `components.${API}`)).toBe(`update-components-${API}`);
  });
});

describe('templates in forms', () => {
  const facts = {
    componentNames: ['API', 'Web app'],
    pageName: 'Acme',
    timeZone: 'UTC',
    incidentName: 'Errors',
    nextUpdateAt: new Date('2026-03-15T12:30:00Z'),
  };

  it('fills the values the form knows', () => {
    const values = templateValues(facts);
    expect(values).toEqual({
      component: 'API',
      components: 'API, Web app',
      page_name: 'Acme',
      incident_name: 'Errors',
      next_update: '12:30 UTC',
    });
    expect(
      fillTemplate(
        {
          title: 'Problems with {{component}}',
          body: 'Next update by {{next_update}} on {{ page_name }}.',
          status: 'investigating',
        },
        values,
      ),
    ).toEqual({
      name: 'Problems with API',
      body: 'Next update by 12:30 UTC on Acme.',
      status: 'investigating',
    });
  });

  it('leaves variables without a value as written, for the form to fill later', () => {
    const early = templateValues({ ...facts, componentNames: [] });
    const text = fillTemplate({ title: 'Problems with {{component}}', body: 'x', status: 'identified' }, early);
    expect(text.name).toBe('Problems with {{component}}');
    expect(fillRemainingVariables({ name: text.name, body: '{{components}} down' }, templateValues(facts))).toEqual({
      name: 'Problems with API',
      body: 'API, Web app down',
    });
  });

  const outage = {
    id: 'tpl-1',
    title: 'Outage of {{component}}',
    body: 'Looking.',
    status: 'investigating' as const,
    translations: { 'zh-TW': { title: '{{component}} 中斷', body: '調查中。' } },
  };
  const url = (query: string) => new URL(`https://status.example.com/admin/incidents/new${query}`);

  it.each([
    ['GET', '?template=tpl-1&template_language=zh-TW', 'tpl-1', 'zh-TW', false],
    ['GET', '?template=tpl-1', 'tpl-1', 'en', false],
    ['GET', '?template=tpl-1&template_language=xx', 'tpl-1', 'en', false],
    ['GET', '?template=gone', null, 'en', true],
    ['GET', '', null, 'en', false],
    ['POST', '?template=tpl-1&template_language=zh-TW', null, 'zh-TW', false],
  ] as const)('picks the template a %s of %s asked for', (method, query, id, language, notice) => {
    const picked = chosenTemplate(method, url(query), [outage], 'en');
    expect(picked.template?.id ?? null).toBe(id);
    expect(picked.language).toBe(language);
    expect(picked.notice).toEqual(
      notice ? { text: 'That template no longer exists; the form is blank.', warn: true } : undefined,
    );
  });

  it("puts the template's wording in the chosen language into the form, with the picker's choice", () => {
    expect(templateFormValues(outage, 'zh-TW', { component: 'API' })).toEqual({
      template: 'tpl-1',
      template_language: 'zh-TW',
      name: 'API 中斷',
      body: '調查中。',
      status: 'investigating',
    });
  });
});

describe('previews', () => {
  const snapshot = makeSnapshot({
    components: [
      makeComponent({ id: API, name: 'API' }),
      makeComponent({ id: WEB, name: 'Web app', status: 'degraded_performance', hidden: true }),
    ],
  });

  it('shows a new incident with its first update, component changes and derived impact', () => {
    const view = previewNewIncident(
      snapshot,
      formToIncidentInput(
        form({
          name: 'API errors',
          status: 'identified',
          body: 'On it.',
          [`components.${API}`]: 'major_outage',
          next_update_in_minutes: '30',
          deliver_notifications: '1',
        }),
      ),
    );
    expect(view).toMatchObject({
      name: 'API errors',
      status: 'identified',
      impact: 'critical',
      componentIds: [API],
      resolvedAt: null,
    });
    expect(view.nextUpdateDueAt?.toISOString()).toBe(new Date(NOW.getTime() + 30 * 60_000).toISOString());
    expect(view.updates).toHaveLength(1);
    expect(view.updates[0]!.affectedComponents).toEqual([
      { id: API, name: 'API', oldStatus: 'operational', newStatus: 'major_outage' },
    ]);
  });

  it('an explicit impact wins', () => {
    const input = formToIncidentInput(
      form({ name: 'x', body: 'y', impact_override: 'minor', [`components.${API}`]: 'major_outage' }),
    );
    expect(previewNewIncident(snapshot, input).impact).toBe('minor');
  });

  it('resolving returns affected components to operational and drops the promise', () => {
    const current = makeIncident({
      id: 'inc',
      componentIds: [WEB],
      impact: 'minor',
      nextUpdateDueAt: NOW,
      updates: [makeUpdate({ id: 'u1', incidentId: 'inc' })],
    });
    const view = previewUpdate(
      snapshot,
      current,
      formToUpdateInput(form({ status: 'resolved', body: 'Fixed.', version: '3', next_update_in_minutes: '60' })),
    );
    expect(view).toMatchObject({ status: 'resolved', impact: 'minor', nextUpdateDueAt: null });
    expect(view.resolvedAt).toEqual(NOW);
    expect(view.updates.map((u) => u.id)).toEqual(['preview', 'u1']);
    expect(view.updates[0]!.affectedComponents).toEqual([
      { id: WEB, name: 'Web app', oldStatus: 'degraded_performance', newStatus: 'operational' },
    ]);
  });

  it('refuses what publishing would refuse, naming the field', () => {
    const closed = makeIncident({ id: 'inc', kind: 'maintenance', status: 'completed', impact: 'maintenance' });
    const run = () =>
      previewUpdate(snapshot, closed, formToUpdateInput(form({ status: 'scheduled', body: 'Again', version: '1' })));
    expect(run).toThrow();
    expect(fieldError(run).field).toBe('status');
    try {
      run();
    } catch (error) {
      expect(isRuleViolation(error)).toBe(true);
    }
  });
});
