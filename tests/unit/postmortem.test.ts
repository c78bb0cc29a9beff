import { describe, expect, it } from 'vitest';
import { isRuleViolation } from '../../src/domain/errors.ts';
import { feedEntries } from '../../src/domain/feeds.ts';
import { renderMarkdown } from '../../src/domain/markdown.ts';
import {
  defaultPostmortem,
  planPostmortem,
  type PostmortemAction,
  type PostmortemState,
} from '../../src/domain/postmortem.ts';
import type { EventStatus } from '../../src/domain/vocabulary.ts';
import { INCIDENT_PAGE_ACTIONS } from '../../src/server/forms/incident-page.ts';
import { formToPostmortemInput, previewPostmortem } from '../../src/server/forms/postmortem-form.ts';
import { makeIncident, makeSnapshot, makeUpdate, minutesBefore, NOW } from './fixtures.ts';

const FACTS = {
  incidentName: 'Checkout errors',
  componentNames: ['Payments API', 'Web app'],
  startedAt: new Date('2026-03-14T09:05:00Z'),
  resolvedAt: new Date('2026-03-14T10:40:00Z'),
  timeZone: 'Europe/Berlin',
};

describe('defaultPostmortem', () => {
  const text = defaultPostmortem(FACTS);

  it('has a section for each part a postmortem owes its readers, in order', () => {
    const headings = [...text.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'What happened',
      'Who was affected',
      'Why it happened',
      'What we did',
      'How we will prevent it',
      'Our apology',
    ]);
  });

  it('fills in what Herald knows: the incident, its window in the page time zone, the components', () => {
    expect(text).toContain(
      'Checkout errors: from Mar 14, 2026, 10:05 GMT+1 to Mar 14, 2026, 11:40 GMT+1, Payments API, Web app',
    );
    expect(text).toMatch(/We are sorry/);
  });

  it('leaves a placeholder when no component is known', () => {
    expect(defaultPostmortem({ ...FACTS, componentNames: [], resolvedAt: null })).toContain(
      'Checkout errors: from Mar 14, 2026, 10:05 GMT+1, [the affected services]',
    );
  });

  it('renders as headings below the page\'s "Postmortem" heading, and a list', () => {
    const html = renderMarkdown(text);
    expect(html.match(/<h3>/g)).toHaveLength(6);
    expect(html).toContain('<li>');
  });
});

describe('planPostmortem', () => {
  const PUBLISHED_AT = new Date('2026-03-15T08:00:00Z');
  const state = (
    status: EventStatus,
    publishedAt: Date | null = null,
    kind: 'incident' | 'maintenance' = 'incident',
  ): PostmortemState => ({ kind, status, postmortemPublishedAt: publishedAt });
  const save = (publish: boolean | undefined): PostmortemAction => ({ type: 'save', publish });

  it.each<
    [string, PostmortemState, PostmortemAction, { status: EventStatus; publishedAt: Date | null; action: string }]
  >([
    [
      'a draft leaves a resolved incident as it is',
      state('resolved'),
      save(false),
      { status: 'resolved', publishedAt: null, action: 'draft' },
    ],
    [
      'a draft may be written before the incident is resolved',
      state('monitoring'),
      save(undefined),
      { status: 'monitoring', publishedAt: null, action: 'draft' },
    ],
    [
      'publishing a resolved incident\'s postmortem moves it to "postmortem"',
      state('resolved'),
      save(true),
      { status: 'postmortem', publishedAt: NOW, action: 'publish' },
    ],
    [
      'correcting a published one keeps its publication date',
      state('postmortem', PUBLISHED_AT),
      save(true),
      { status: 'postmortem', publishedAt: PUBLISHED_AT, action: 'edit' },
    ],
    [
      'saving without saying keeps it published',
      state('postmortem', PUBLISHED_AT),
      save(undefined),
      { status: 'postmortem', publishedAt: PUBLISHED_AT, action: 'edit' },
    ],
    [
      'saving as a draft withdraws a published one',
      state('postmortem', PUBLISHED_AT),
      save(false),
      { status: 'resolved', publishedAt: null, action: 'unpublish' },
    ],
    [
      'unpublishing goes back to "resolved"',
      state('postmortem', PUBLISHED_AT),
      { type: 'unpublish' },
      { status: 'resolved', publishedAt: null, action: 'unpublish' },
    ],
    [
      'unpublishing what is not published changes nothing',
      state('resolved'),
      { type: 'unpublish' },
      { status: 'resolved', publishedAt: null, action: 'none' },
    ],
  ])('%s', (_case, current, action, expected) => {
    const plan = planPostmortem(current, action, NOW);
    expect({ status: plan.status, publishedAt: plan.postmortemPublishedAt, action: plan.action }).toEqual(expected);
  });

  it.each<[string, PostmortemState, string, string | undefined]>([
    ['an unresolved incident', state('identified'), 'invalid_transition', 'publish'],
    ['a maintenance', state('completed', null, 'maintenance'), 'not_an_incident', undefined],
  ])('refuses to publish for %s, naming the field', (_case, current, code, field) => {
    let caught: unknown;
    try {
      planPostmortem(current, save(true), NOW);
    } catch (error) {
      caught = error;
    }
    expect(isRuleViolation(caught)).toBe(true);
    expect(caught).toMatchObject({ code, field });
  });
});

describe('the postmortem form', () => {
  const form = (entries: Record<string, string>) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(entries)) data.set(k, v);
    return data;
  };

  it.each<[string, boolean]>([
    ['postmortem_draft', false],
    ['postmortem_publish', true],
  ])('reads %s as publish: %s', (intent, publish) => {
    expect(INCIDENT_PAGE_ACTIONS[intent]?.key?.('', form({ intent }))).toBe('postmortem');
    expect(formToPostmortemInput(form({ intent, body: ' ## Cause\n', version: '4' }))).toEqual({
      body: '## Cause',
      publish,
      version: 4,
    });
  });

  it("leaves the update form's intents alone", () => {
    expect(INCIDENT_PAGE_ACTIONS.publish?.key?.('', form({ intent: 'publish' }))).toBe('update');
  });

  it('previews the incident as published, and refuses as publishing would', () => {
    const resolved = makeIncident({ id: 'i1', status: 'resolved', resolvedAt: minutesBefore(NOW, 10) });
    const preview = previewPostmortem(resolved, { body: 'It was DNS.' }, NOW);
    expect(preview).toMatchObject({ status: 'postmortem', postmortemBody: 'It was DNS.', postmortemPublishedAt: NOW });
    expect(() => previewPostmortem(makeIncident({ id: 'i2' }), { body: 'x' }, NOW)).toThrow(
      /only once the incident is resolved/,
    );
  });
});

describe('the feeds', () => {
  it('carry a published postmortem as an item of its own, dated when it was published, and not a draft', () => {
    const published = makeIncident({
      id: 'pm',
      name: 'Checkout errors',
      status: 'postmortem',
      postmortemBody: 'It was **DNS**.',
      postmortemPublishedAt: minutesBefore(NOW, 5),
      updates: [makeUpdate({ id: 'u1', incidentId: 'pm', status: 'resolved', createdAt: minutesBefore(NOW, 60) })],
    });
    const draft = makeIncident({
      id: 'dr',
      status: 'resolved',
      postmortemBody: 'Secret draft',
      updates: [makeUpdate({ id: 'u2', incidentId: 'dr', status: 'resolved', createdAt: minutesBefore(NOW, 30) })],
    });
    const entries = feedEntries(makeSnapshot({ incidents: [published, draft] }));
    expect(entries.map((e) => e.title)).toEqual([
      'Checkout errors — Postmortem',
      'Incident dr — Resolved',
      'Checkout errors — Resolved',
    ]);
    expect(entries[0]!.html).toContain('<strong>DNS</strong>');
    expect(entries[0]!.published).toEqual(minutesBefore(NOW, 5));
    expect(entries.some((e) => e.html.includes('Secret draft'))).toBe(false);
  });
});
