import { z } from 'zod';
import { LoginInput } from '../../auth/login.ts';
import { ComponentInput, ComponentPatch, GroupInput, GroupPatch, ReorderInput } from '../components/component-input.ts';
import { AuditQuery } from '../audit/read-audit-log.ts';
import {
  IncidentCreateInput,
  IncidentPatch,
  IncidentQuery,
  UpdateEdit,
  UpdateInput,
} from '../incidents/incident-input.ts';
import { PostmortemInput } from '../incidents/postmortem.ts';
import { NoteInput } from '../incidents/notes.ts';
import { PublishSuggestionInput } from '../alerts/alert-inbox.ts';
import { AlertSourceInput, AlertSourcePatch, AutomaticStatusInput } from '../alerts/manage-sources.ts';
import { MoveInput, OccurrenceInput, SeriesInput, SeriesPatch } from '../maintenance/manage-series.ts';
import { SettingsPatch } from '../settings/manage-settings.ts';
import { TemplateInput, TemplatePatch } from '../templates/template-input.ts';
import { CreatedTokenResource, TokenInput, TokenResource } from '../tokens/manage-tokens.ts';
import { UserInput, UserPatch } from '../users/manage-users.ts';
import { WebhookInput } from '../webhooks/manage-webhooks.ts';

// The OpenAPI 3.1 description of /api/admin/v1. Request schemas come from the same zod
// schemas the routes parse with, so the document cannot describe fields the API refuses.

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
interface Operation {
  summary: string;
  role: 'viewer' | 'editor' | 'admin' | 'none';
  body?: z.ZodType;
  /** Schema of the success answer's body, where the document describes it. */
  response?: z.ZodType;
  /** The query string's parameters, as the route parses them. */
  query?: z.ZodObject;
  success?: number;
}

/** PUT does what PATCH does (Statuspage clients send either), so both come from one entry. */
const patchOrPut = (patch: Operation) => ({ patch, put: { ...patch, summary: 'Same as PATCH' } });

const schema = (type: z.ZodType, io: 'input' | 'output' = 'input') =>
  z.toJSONSchema(type, { io, unrepresentable: 'any' });

export const OPERATIONS: Record<string, Partial<Record<Method, Operation>>> = {
  '/session': {
    post: { summary: 'Sign in with email and password; sets the session cookie', role: 'none', body: LoginInput },
    get: { summary: 'Who is signed in (user or token)', role: 'viewer' },
    delete: { summary: 'Sign out', role: 'viewer', success: 204 },
  },
  '/components': {
    get: { summary: 'List components', role: 'viewer' },
    post: {
      summary: 'Create a component (body may be wrapped as {"component": {...}})',
      role: 'editor',
      body: ComponentInput,
      success: 201,
    },
  },
  '/components/{id}': {
    get: { summary: 'Get a component', role: 'viewer' },
    ...patchOrPut({
      summary: 'Edit a component (status, name, group, position, hidden...)',
      role: 'editor',
      body: ComponentPatch,
    }),
    delete: { summary: 'Delete a component', role: 'editor', success: 204 },
  },
  '/components/{id}/automatic-status': {
    put: {
      summary:
        'Let alerts of every source set this component\'s public status at once ({"automatic": true}), without notifying anyone, or stop it',
      role: 'editor',
      body: AutomaticStatusInput,
    },
  },
  '/components/reorder': {
    post: { summary: 'Order groups and ungrouped components', role: 'editor', body: ReorderInput },
  },
  '/component-groups': {
    get: { summary: 'List component groups', role: 'viewer' },
    post: { summary: 'Create a group', role: 'editor', body: GroupInput, success: 201 },
  },
  '/component-groups/{id}': {
    get: { summary: 'Get a group', role: 'viewer' },
    ...patchOrPut({ summary: 'Edit a group, its members and their order', role: 'editor', body: GroupPatch }),
    delete: { summary: 'Delete a group (its components stay, ungrouped)', role: 'editor', success: 204 },
  },
  '/incidents': {
    get: {
      summary: 'List incidents and maintenances, newest first (?kind, ?unresolved, ?limit, ?after)',
      role: 'viewer',
      query: IncidentQuery,
    },
    post: {
      summary: 'Open an incident or schedule a maintenance with its first update (Statuspage shape accepted)',
      role: 'editor',
      body: IncidentCreateInput,
      success: 201,
    },
  },
  '/incidents/{id}': {
    get: { summary: 'Get an incident with its updates', role: 'viewer' },
    ...patchOrPut({
      summary: 'Statuspage-style edit: a status or body posts an update; other fields edit in place',
      role: 'editor',
      body: IncidentPatch,
    }),
    delete: { summary: 'Delete an incident', role: 'editor', success: 204 },
  },
  '/incidents/{id}/postmortem': {
    put: {
      summary:
        'Save the postmortem (Markdown); "publish": true publishes it (resolved incidents only; status becomes postmortem), false keeps it a draft',
      role: 'editor',
      body: PostmortemInput,
    },
    delete: {
      summary: 'Unpublish the postmortem (status back to resolved; the text stays as a draft)',
      role: 'editor',
    },
  },
  '/incidents/{id}/notes': {
    get: { summary: "The incident's internal notes, oldest first (staff only, never published)", role: 'viewer' },
    post: {
      summary:
        'Add an internal note beside the public updates (staff only: never on the page, feeds, API, emails or webhooks)',
      role: 'editor',
      body: NoteInput,
      success: 201,
    },
  },
  '/incidents/{id}/updates': {
    post: {
      summary: 'Post an update: status, message, component changes, next update in N minutes',
      role: 'editor',
      body: UpdateInput,
      success: 201,
    },
  },
  '/maintenance-series': {
    get: { summary: 'List recurring maintenance windows with their next occurrences', role: 'viewer' },
    post: {
      summary:
        'Create a recurring maintenance (an RRULE such as FREQ=WEEKLY;BYDAY=SU over the wall-clock time of starts_at in time_zone); each occurrence is scheduled announce_days ahead',
      role: 'editor',
      body: SeriesInput,
      success: 201,
    },
  },
  '/maintenance-series/{id}': {
    get: { summary: 'Get a recurring maintenance with its occurrences made so far', role: 'viewer' },
    ...patchOrPut({
      summary:
        'Edit the series: occurrences still to come (not started, not moved on their own) follow; those the new rule drops are cancelled',
      role: 'editor',
      body: SeriesPatch,
    }),
    delete: {
      summary: 'Delete the series; its occurrences still to come are cancelled',
      role: 'editor',
      success: 204,
    },
  },
  '/maintenance-series/{id}/skip': {
    post: {
      summary: 'Skip one occurrence (by its start from next_occurrences); cancelled if already scheduled',
      role: 'editor',
      body: OccurrenceInput,
    },
  },
  '/maintenance-series/{id}/move': {
    post: {
      summary: 'Move one occurrence to its own window; it stays part of the series, and edits of the series leave it',
      role: 'editor',
      body: MoveInput,
    },
  },
  '/incidents/{id}/updates/{updateId}': {
    ...patchOrPut({ summary: "Correct an update's text", role: 'editor', body: UpdateEdit }),
  },
  '/templates': {
    get: { summary: 'List templates', role: 'viewer' },
    post: {
      summary: 'Create a template ({{variables}} are checked when saved)',
      role: 'editor',
      body: TemplateInput,
      success: 201,
    },
  },
  '/templates/{id}': {
    get: { summary: 'Get a template', role: 'viewer' },
    ...patchOrPut({ summary: 'Edit a template', role: 'editor', body: TemplatePatch }),
    delete: { summary: 'Delete a template', role: 'editor', success: 204 },
  },
  '/page': {
    get: { summary: 'Page settings', role: 'viewer' },
    ...patchOrPut({
      summary:
        'Edit page settings (name, time zone, branding, default language, uptime weight, reminders, visitor webhooks)',
      role: 'admin',
      body: SettingsPatch,
    }),
  },
  '/users': {
    get: { summary: 'List users', role: 'admin' },
    post: {
      summary: 'Invite a user with a role and an initial password',
      role: 'admin',
      body: UserInput,
      success: 201,
    },
  },
  '/users/{id}': {
    ...patchOrPut({
      summary: "Change a user's name, role or password (ends their sessions)",
      role: 'admin',
      body: UserPatch,
    }),
    delete: { summary: 'Remove a user', role: 'admin', success: 204 },
  },
  '/api-tokens': {
    get: {
      summary: 'List API tokens with their creators (never the tokens themselves)',
      role: 'admin',
      response: z.array(TokenResource),
    },
    post: {
      summary: 'Create an API token; the answer shows it once',
      role: 'admin',
      body: TokenInput,
      response: CreatedTokenResource,
      success: 201,
    },
  },
  '/api-tokens/{id}': {
    delete: { summary: 'Revoke a token; it stops working at once', role: 'admin', response: TokenResource },
  },
  '/webhooks': {
    get: { summary: 'List webhook endpoints with their state (never their secrets)', role: 'admin' },
    post: {
      summary: 'Register a webhook endpoint (https URL, events); the answer shows its signing secret once',
      role: 'admin',
      body: WebhookInput,
      success: 201,
    },
  },
  '/webhooks/{id}': {
    delete: { summary: 'Remove a webhook endpoint and its pending deliveries', role: 'admin', success: 204 },
  },
  '/webhooks/{id}/reenable': {
    post: { summary: 'Lift a quarantine: new events reach the endpoint again', role: 'admin' },
  },
  '/webhooks/{id}/test': {
    post: { summary: 'Queue a "test" event for the endpoint', role: 'admin', success: 202 },
  },
  '/alert-sources': {
    get: {
      summary: 'List alert sources (Alertmanager, PagerDuty, generic) with their URLs; never tokens or secrets',
      role: 'admin',
    },
    post: {
      summary:
        'Create an alert source; the answer shows its token once (monitoring posts to its url with "Authorization: Bearer <token>")',
      role: 'admin',
      body: AlertSourceInput,
      success: 201,
    },
  },
  '/alert-sources/{id}': {
    ...patchOrPut({
      summary: 'Edit a source: rules, severities, automatic status, minimum firing time, cooldown, staleness, template',
      role: 'admin',
      body: AlertSourcePatch,
    }),
    delete: { summary: "Revoke the source's token; its alerts stay in the inbox", role: 'admin' },
  },
  '/alerts': {
    get: {
      summary:
        'The alert inbox: every alert (one per fingerprint: firing, resolved or stale) and the suggested incidents',
      role: 'viewer',
    },
  },
  '/alerts/suggestions/{id}/publish': {
    post: {
      summary: 'Publish a suggested incident, with any edits (name, body, component statuses); answers the incident',
      role: 'editor',
      body: PublishSuggestionInput,
      success: 201,
    },
  },
  '/alerts/suggestions/{id}/dismiss': {
    post: { summary: 'Dismiss a suggested incident; its alerts stay in the inbox', role: 'editor' },
  },
  '/audit-log': {
    get: {
      summary: 'Who changed what, newest first (?entity_type, ?entity_id, ?actor_id, ?action, ?before_id, ?limit)',
      role: 'viewer',
      query: AuditQuery,
    },
  },
  '/publish': {
    get: { summary: 'Last publish: time, revision, error', role: 'viewer' },
  },
  '/openapi.json': {
    get: { summary: 'This document', role: 'none' },
  },
};

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'field'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: ['string', 'null'] } },
    },
  },
};

export function openApiDocument(siteUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods) as Array<[Method, Operation]>) {
      const parameters: unknown[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^[0-9a-z]{12}$' },
      }));
      const query = op.query ? ((schema(op.query) as { properties?: Record<string, unknown> }).properties ?? {}) : {};
      for (const [name, parameter] of Object.entries(query))
        parameters.push({ name, in: 'query', required: false, schema: parameter });
      const responses: Record<string, unknown> = {
        [String(op.success ?? 200)]: {
          description: 'Success',
          ...(op.response ? { content: { 'application/json': { schema: schema(op.response, 'output') } } } : {}),
        },
        '400': { description: 'Malformed JSON', content: { 'application/json': { schema: ERROR } } },
        '422': {
          description: 'A field is invalid; `field` names it',
          content: { 'application/json': { schema: ERROR } },
        },
      };
      if (op.role !== 'none') {
        responses['401'] = {
          description: 'No valid session or token',
          content: { 'application/json': { schema: ERROR } },
        };
        responses['403'] = {
          description: `Needs the ${op.role} role`,
          content: { 'application/json': { schema: ERROR } },
        };
      }
      if (path.includes('{'))
        responses['404'] = { description: 'No such resource', content: { 'application/json': { schema: ERROR } } };
      if (op.body && method !== 'post')
        responses['409'] = {
          description: 'Stale version (If-Match or `version`)',
          content: { 'application/json': { schema: ERROR } },
        };
      paths[path]![method] = {
        summary: op.summary,
        'x-herald-role': op.role,
        ...(parameters.length ? { parameters } : {}),
        ...(op.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: schema(op.body) } } } }
          : {}),
        responses,
        ...(op.role === 'none' ? { security: [] } : {}),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald admin API',
      version: '1',
      description:
        "Manage components, incidents, maintenances, templates, users and API tokens. Field names follow Atlassian Statuspage's manage API; bodies may be wrapped as Statuspage wraps them. Writes on existing resources take a version (If-Match or `version`) and answer 409 when it is stale.",
    },
    servers: [{ url: `${siteUrl.replace(/\/$/, '')}/api/admin/v1` }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (hrld_...); "Authorization: OAuth <token>" works too',
        },
        session: { type: 'apiKey', in: 'cookie', name: 'herald_session' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
