import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { ComponentTransition } from '../domain/incident-lifecycle.ts';
import type { AlertRule, AlertSourceKind, AlertStatus } from '../domain/alerts.ts';
import type { EndpointKind } from '../domain/chat-messages.ts';
import type { SeverityKey, SeverityLevel } from '../domain/severity.ts';
import {
  COMPONENT_STATUSES,
  EVENT_KINDS,
  EVENT_STATUSES,
  IMPACTS,
  ROLES,
  type ComponentStatus,
  type Language,
} from '../domain/vocabulary.ts';
import { DELIVERY_STATUSES, NOTIFICATION_KINDS, SUBSCRIBER_STATUSES } from '../domain/subscriptions.ts';
import type { EmailMessage } from '../domain/email-message.ts';
import { STAFF_MESSAGE_KINDS, type StaffEmailMessage } from '../domain/staff-email.ts';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => timestamptz('created_at').notNull().defaultNow();
const updatedAt = () => timestamptz('updated_at').notNull().defaultNow();
/** Optimistic concurrency: writes on existing rows must name the version they read. */
const version = () => integer('version').notNull().default(1);

export const componentStatus = pgEnum('component_status', COMPONENT_STATUSES);
export const eventKind = pgEnum('event_kind', EVENT_KINDS);
export const eventStatus = pgEnum('event_status', EVENT_STATUSES);
export const impact = pgEnum('impact', IMPACTS);

/** A single row (id = 1). */
export const pageSettings = pgTable('page_settings', {
  id: smallint('id').primaryKey().default(1),
  name: text('name').notNull(),
  homepageUrl: text('homepage_url'),
  timeZone: text('time_zone').notNull().default('Etc/UTC'),
  brandColor: text('brand_color').notNull().default('#2563eb'),
  logoUrl: text('logo_url'),
  supportUrl: text('support_url'),
  /** The language of the unprefixed URLs; the others live under /<language>/. */
  defaultLanguage: text('default_language').notNull().default('en'),
  /** How much of a partial outage counts as downtime in uptime figures (0..1). */
  partialOutageWeight: real('partial_outage_weight').notNull().default(0.3),
  /** Repeat the overdue-update reminder to an incident's editors this often. */
  reminderIntervalMinutes: integer('reminder_interval_minutes').notNull().default(30),
  /** Unresolved incidents older than this are flagged in the dashboard. */
  staleIncidentHours: integer('stale_incident_hours').notNull().default(24),
  /** Maintenance subscribers are reminded this long before a window starts (0: never). */
  maintenanceReminderMinutes: integer('maintenance_reminder_minutes').notNull().default(60),
  /** Visitors may register webhook URLs themselves (admins always can). */
  visitorWebhooks: boolean('visitor_webhooks').notNull().default(false),
  /** The users told of a suggested incident from alerts, by email; empty: every admin and editor. */
  alertStaff: jsonb('alert_staff').$type<string[]>().notNull().default([]),
  /** The severity levels as edited; empty: Herald's four defaults (see domain/severity.ts). */
  severityLevels: jsonb('severity_levels').$type<SeverityLevel[]>().notNull().default([]),
  updatedAt: updatedAt(),
  version: version(),
});

/** A single row (id = 1); every committed change bumps the revision in its transaction. */
export const siteState = pgTable('site_state', {
  id: smallint('id').primaryKey().default(1),
  revision: bigint('revision', { mode: 'number' }).notNull().default(0),
  revisedAt: timestamptz('revised_at').notNull().defaultNow(),
});

export const componentGroups = pgTable('component_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  position: integer('position').notNull().default(0),
  hidden: boolean('hidden').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  version: version(),
});

export const components = pgTable(
  'components',
  {
    id: text('id').primaryKey(),
    groupId: text('group_id').references(() => componentGroups.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    description: text('description'),
    position: integer('position').notNull().default(0),
    status: componentStatus('status').notNull().default('operational'),
    showcase: boolean('showcase').notNull().default(true),
    onlyShowIfDegraded: boolean('only_show_if_degraded').notNull().default(false),
    hidden: boolean('hidden').notNull().default(false),
    startDate: timestamptz('start_date'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [index('components_group_position_idx').on(t.groupId, t.position)],
);

/** Every status a component has had, from when it had it: the source of uptime. */
export const componentStatusChanges = pgTable(
  'component_status_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
    status: componentStatus('status').notNull(),
    changedAt: timestamptz('changed_at').notNull(),
    incidentId: text('incident_id'),
    /**
     * The site revision of the change that committed the row (see runChange), null until
     * that change stamps it just before committing. Ids are handed out in insert order,
     * revisions in commit order: a change publish reads the rows above the revision it holds.
     */
    revision: bigint('revision', { mode: 'number' }),
  },
  (t) => [
    index('component_status_changes_component_time_idx').on(t.componentId, t.changedAt),
    index('component_status_changes_revision_idx').on(t.revision),
  ],
);

/** Incidents and scheduled maintenances (kind = 'maintenance'), as Statuspage models them. */
/**
 * A recurring maintenance window. Each occurrence becomes an ordinary maintenance (an
 * incidents row naming the series) `announceDays` before it starts, so it is shown,
 * announced, reminded, started and completed like a one-off window.
 */
export const maintenanceSeries = pgTable('maintenance_series', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The scheduled update each occurrence opens with (markdown). */
  body: text('body').notNull(),
  componentIds: jsonb('component_ids').$type<string[]>().notNull(),
  /** RFC 5545 RRULE, without DTSTART: "FREQ=WEEKLY;BYDAY=SU;UNTIL=20271231T235959Z". */
  rrule: text('rrule').notNull(),
  /** The first occurrence's start as wall-clock time in `timeZone`: "2026-12-13T02:00". */
  startsAtLocal: text('starts_at_local').notNull(),
  timeZone: text('time_zone').notNull(),
  durationMinutes: integer('duration_minutes').notNull(),
  announceDays: integer('announce_days').notNull().default(7),
  autoStart: boolean('auto_start').notNull().default(true),
  autoComplete: boolean('auto_complete').notNull().default(true),
  deliverNotifications: boolean('deliver_notifications').notNull().default(true),
  /** Occurrences skipped, by their rule start (ISO 8601, UTC). */
  skipped: jsonb('skipped').$type<string[]>().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  version: version(),
});

export const incidents = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    kind: eventKind('kind').notNull(),
    name: text('name').notNull(),
    status: eventStatus('status').notNull(),
    impact: impact('impact').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamptz('started_at').notNull(),
    monitoringAt: timestamptz('monitoring_at'),
    resolvedAt: timestamptz('resolved_at'),
    scheduledFor: timestamptz('scheduled_for'),
    scheduledUntil: timestamptz('scheduled_until'),
    autoStart: boolean('auto_start').notNull().default(false),
    autoComplete: boolean('auto_complete').notNull().default(false),
    nextUpdateDueAt: timestamptz('next_update_due_at'),
    postmortemBody: text('postmortem_body'),
    postmortemPublishedAt: timestamptz('postmortem_published_at'),
    /** The last "next update is overdue" reminder sent to the editors. */
    overdueRemindedAt: timestamptz('overdue_reminded_at'),
    /** When subscribers were reminded of an upcoming maintenance window. */
    maintenanceRemindedAt: timestamptz('maintenance_reminded_at'),
    /** The recurring maintenance this window is an occurrence of (see maintenanceSeries). */
    seriesId: text('series_id').references(() => maintenanceSeries.id, { onDelete: 'set null' }),
    /** The occurrence's start as the series' rule gives it (its RECURRENCE-ID), whatever it was moved to. */
    occurrenceStart: timestamptz('occurrence_start'),
    /** Moved or edited on its own: editing the series leaves it as it is. */
    detached: boolean('detached').notNull().default(false),
    /** The severity level (sev1…sev4), internal: the public sees the impact. */
    severity: text('severity').$type<SeverityKey>(),
    /** The incident manager, who owns it, and the communications lead, who keeps every audience told. */
    incidentManagerId: text('incident_manager_id').references(() => users.id, { onDelete: 'set null' }),
    communicationsLeadId: text('communications_lead_id').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
  },
  (t) => [
    index('incidents_kind_created_idx').on(t.kind, t.createdAt),
    unique('incidents_series_occurrence_key').on(t.seriesId, t.occurrenceStart),
    index('incidents_open_idx')
      .on(t.kind)
      .where(sql`${t.resolvedAt} is null`),
  ],
);

/** The components an incident or maintenance affects (named when scheduled, or changed by an update). */
export const incidentComponents = pgTable(
  'incident_components',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.componentId] }),
    index('incident_components_component_idx').on(t.componentId),
  ],
);

export const incidentUpdates = pgTable(
  'incident_updates',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    status: eventStatus('status').notNull(),
    body: text('body').notNull(),
    displayAt: timestamptz('display_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Frozen at posting time: names and statuses as they were then. */
    affectedComponents: jsonb('affected_components').$type<ComponentTransition[]>().notNull().default([]),
    deliverNotifications: boolean('deliver_notifications').notNull().default(true),
    version: version(),
  },
  (t) => [index('incident_updates_incident_display_idx').on(t.incidentId, t.displayAt)],
);

export const role = pgEnum('role', ROLES);

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  /** Stored lowercased; unique. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: role('role').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  version: version(),
});

/** Lucia-style sessions: the id is the SHA-256 of the token; the token itself is never stored. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamptz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** SHA-256 of the token, hex. */
  tokenHash: text('token_hash').notNull().unique(),
  role: role('role').notNull(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  expiresAt: timestamptz('expires_at'),
  lastUsedAt: timestamptz('last_used_at'),
  revokedAt: timestamptz('revoked_at'),
});

export const templates = pgTable('templates', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: eventKind('kind').notNull(),
  status: eventStatus('status').notNull(),
  /** Incident title; may use variables. */
  title: text('title').notNull(),
  body: text('body').notNull(),
  /** The title and body in other languages, keyed by language code. */
  translations: jsonb('translations').$type<Record<string, { title: string; body: string }>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  version: version(),
});

/** Append-only: who changed what, from what to what, when. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamptz('at').notNull().defaultNow(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_entity_idx').on(t.entityType, t.entityId)],
);

export const subscriberStatus = pgEnum('subscriber_status', SUBSCRIBER_STATUSES);
export const deliveryStatus = pgEnum('delivery_status', DELIVERY_STATUSES);
export const notificationKind = pgEnum('notification_kind', NOTIFICATION_KINDS);

export const subscribers = pgTable(
  'subscribers',
  {
    id: text('id').primaryKey(),
    /** Stored lowercased; unique. */
    email: text('email').notNull().unique(),
    status: subscriberStatus('status').notNull().default('pending'),
    allComponents: boolean('all_components').notNull().default(true),
    maintenance: boolean('maintenance').notNull().default(true),
    language: text('language').notNull().default('en'),
    createdAt: createdAt(),
    confirmedAt: timestamptz('confirmed_at'),
    unsubscribedAt: timestamptz('unsubscribed_at'),
    quarantinedAt: timestamptz('quarantined_at'),
    quarantineReason: text('quarantine_reason'),
    /** When the last confirmation email was queued: one per address per cool-down. */
    confirmationSentAt: timestamptz('confirmation_sent_at'),
  },
  (t) => [index('subscribers_status_idx').on(t.status)],
);

/** The components a subscriber chose (when not all of them). */
export const subscriberComponents = pgTable(
  'subscriber_components',
  {
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.componentId] }),
    index('subscriber_components_component_idx').on(t.componentId),
  ],
);

/** Groups a subscriber chose: every component in the group, including ones added later. */
export const subscriberGroups = pgTable(
  'subscriber_groups',
  {
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    groupId: text('group_id')
      .notNull()
      .references(() => componentGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.groupId] }), index('subscriber_groups_group_idx').on(t.groupId)],
);

/**
 * The outbox: one row per message to send (an update, a postmortem, a confirmation), with
 * the content frozen when it was written, so every retry renders the same email.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    kind: notificationKind('kind').notNull(),
    incidentId: text('incident_id'),
    updateId: text('update_id'),
    message: jsonb('message').$type<EmailMessage>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_incident_idx').on(t.incidentId)],
);

/**
 * Up to 100 deliveries sent in one provider call. The lease (available_at) is what workers
 * claim with SKIP LOCKED; once frozen, its rows and idempotency key never change, so a
 * retry after a crash sends the same payload under the same key.
 */
export const deliveryBatches = pgTable(
  'delivery_batches',
  {
    id: text('id').primaryKey(),
    notificationId: text('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    status: deliveryStatus('status').notNull().default('pending'),
    idempotencyKey: text('idempotency_key'),
    frozenAt: timestamptz('frozen_at'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamptz('available_at').notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [
    index('delivery_batches_pending_idx')
      .on(t.availableAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** One row per (message, subscriber): the uniqueness is what makes "exactly once" checkable. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    notificationId: text('notification_id')
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    subscriberId: text('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    batchId: text('batch_id')
      .notNull()
      .references(() => deliveryBatches.id, { onDelete: 'cascade' }),
    status: deliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [
    unique('deliveries_notification_subscriber_key').on(t.notificationId, t.subscriberId),
    index('deliveries_batch_idx').on(t.batchId),
    index('deliveries_subscriber_idx').on(t.subscriberId),
  ],
);

/** Without RESEND_API_KEY, emails land here and in the admin's Mailbox instead of the internet. */
export const mailbox = pgTable(
  'mailbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint('delivery_id', { mode: 'number' }).unique(),
    staffMessageId: bigint('staff_message_id', { mode: 'number' }).unique(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('mailbox_created_idx').on(t.createdAt)],
);

export const staffMessageKind = pgEnum('staff_message_kind', STAFF_MESSAGE_KINDS);

/**
 * The outbox for emails to Herald's users (reminders), written in the transaction that
 * decides to send them and drained by the same worker and transport as subscriber email.
 * One row is one email; its idempotency key derives from its id, so a send retried after
 * a crash is dropped by the provider.
 */
export const staffMessages = pgTable(
  'staff_messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: staffMessageKind('kind').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The address when the message was written. */
    to: text('to').notNull(),
    incidentId: text('incident_id').references(() => incidents.id, { onDelete: 'cascade' }),
    message: jsonb('message').$type<StaffEmailMessage>().notNull(),
    status: deliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamptz('available_at').notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [
    index('staff_messages_pending_idx')
      .on(t.availableAt)
      .where(sql`${t.status} = 'pending'`),
    index('staff_messages_incident_idx').on(t.incidentId),
  ],
);

/** A single row (id = 1): the key that signs subscriber link tokens, and any hold on sending email. */
export const notifyState = pgTable('notify_state', {
  id: smallint('id').primaryKey().default(1),
  tokenSecret: text('token_secret').notNull(),
  /** The provider answered 429 (about the account): no email is sent before this, on any instance. */
  emailsHeldUntil: timestamptz('emails_held_until'),
});

/**
 * Webhook subscribers and chat destinations: each event is POSTed, to a webhook as
 * Statuspage's JSON signed with the endpoint's secret, to Slack, Teams or Discord as a message.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  /** 'webhook' or a chat service (see ENDPOINT_KINDS). */
  kind: text('kind').$type<EndpointKind>().notNull().default('webhook'),
  url: text('url').notNull(),
  /** HMAC-SHA256 key for the signature header; shown once when the endpoint is created. */
  secret: text('secret').notNull(),
  /** Event types it wants (see WEBHOOK_EVENTS). */
  events: jsonb('events').$type<string[]>().notNull(),
  /** Only events about these components (or their groups); null: every event. */
  componentIds: jsonb('component_ids').$type<string[]>(),
  /** The language of a chat destination's messages; null: the page's default language. */
  language: text('language').$type<Language>(),
  description: text('description'),
  /** Registered by a visitor (true) or by an admin. */
  selfService: boolean('self_service').notNull().default(false),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  lastSuccessAt: timestamptz('last_success_at'),
  lastFailureAt: timestamptz('last_failure_at'),
  lastError: text('last_error'),
  quarantinedAt: timestamptz('quarantined_at'),
  quarantineReason: text('quarantine_reason'),
});

/** The webhook outbox: one row per (event, endpoint), written in the change's transaction. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** Frozen when written: every retry sends the same body. */
    payload: jsonb('payload').notNull(),
    status: deliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamptz('available_at').notNull().defaultNow(),
    lastError: text('last_error'),
    responseStatus: integer('response_status'),
    createdAt: createdAt(),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [
    unique('webhook_deliveries_event_endpoint_key').on(t.eventId, t.endpointId),
    index('webhook_deliveries_pending_idx')
      .on(t.availableAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId),
  ],
);

/**
 * Where alerts come from: Alertmanager (or Grafana), PagerDuty, or any system posting the
 * generic shape, each to /api/webhooks/alerts/<id> with its own token.
 */
export const alertSources = pgTable('alert_sources', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<AlertSourceKind>().notNull(),
  /** SHA-256 of the token, hex; the token is shown once. */
  tokenHash: text('token_hash').notNull().unique(),
  /** PagerDuty's signing secret, encrypted with HERALD_SECRETS_KEY (AES-256-GCM); never shown again. */
  signingSecret: text('signing_secret'),
  /** Extra ways to find an alert's component, tried before the `component` label. */
  rules: jsonb('rules').$type<AlertRule[]>().notNull().default([]),
  /** Severity label values to component statuses, over the defaults. */
  severities: jsonb('severities').$type<Record<string, ComponentStatus>>().notNull().default({}),
  /** Change the component's public status at once (without notifying anyone) instead of suggesting. */
  automatic: boolean('automatic').notNull().default(false),
  /** An alert must fire this long before it counts (a flapping check does not flip the page). */
  minFiringSeconds: integer('min_firing_seconds').notNull().default(0),
  /** Automatic changes to one component at least this far apart. */
  cooldownSeconds: integer('cooldown_seconds').notNull().default(0),
  /** A firing alert not heard of for this long is marked stale. */
  staleAfterMinutes: integer('stale_after_minutes').notNull().default(720),
  /** The incident template suggestions start from; null: Herald's own wording. */
  templateId: text('template_id').references(() => templates.id, { onDelete: 'set null' }),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  lastReceivedAt: timestamptz('last_received_at'),
  revokedAt: timestamptz('revoked_at'),
  version: version(),
});

/** Suggested incidents: prepared from alerts, published or dismissed by a person. */
export const alertSuggestions = pgTable('alert_suggestions', {
  id: text('id').primaryKey(),
  sourceId: text('source_id').references(() => alertSources.id, { onDelete: 'set null' }),
  status: text('status').$type<'open' | 'published' | 'dismissed'>().notNull().default('open'),
  name: text('name').notNull(),
  body: text('body').notNull(),
  /** The status each affected component would get. */
  components: jsonb('components').$type<Record<string, ComponentStatus>>().notNull(),
  incidentId: text('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  decidedBy: text('decided_by'),
  decidedAt: timestamptz('decided_at'),
  version: version(),
});

/** The alert inbox: one row per alert (source and fingerprint), its latest state. */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    sourceId: text('source_id')
      .notNull()
      .references(() => alertSources.id, { onDelete: 'cascade' }),
    fingerprint: text('fingerprint').notNull(),
    status: text('status').$type<AlertStatus>().notNull(),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    annotations: jsonb('annotations').$type<Record<string, string>>().notNull(),
    /** The component it matched, and the status its severity stands for; null: unmatched. */
    componentId: text('component_id').references(() => components.id, { onDelete: 'set null' }),
    componentStatus: componentStatus('component_status'),
    /** The firing episode's start, and its end once resolved. */
    startsAt: timestamptz('starts_at').notNull(),
    endsAt: timestamptz('ends_at'),
    generatorUrl: text('generator_url'),
    dashboardUrl: text('dashboard_url'),
    suggestionId: text('suggestion_id').references(() => alertSuggestions.id, { onDelete: 'set null' }),
    firstSeenAt: timestamptz('first_seen_at').notNull(),
    lastReceivedAt: timestamptz('last_received_at').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('alerts_source_fingerprint_key').on(t.sourceId, t.fingerprint),
    index('alerts_component_idx').on(t.componentId),
  ],
);

/**
 * Components whose status alerts may set (`automatic`, besides sources set so), and the
 * status automation set last: it returns the component to operational only if that status still stands.
 */
export const componentAutomation = pgTable('component_automation', {
  componentId: text('component_id')
    .primaryKey()
    .references(() => components.id, { onDelete: 'cascade' }),
  automatic: boolean('automatic').notNull().default(false),
  setStatus: componentStatus('set_status'),
  setBy: text('set_by').references(() => alertSources.id, { onDelete: 'set null' }),
  changedAt: timestamptz('changed_at'),
});

/** Internal notes beside an incident's public updates: for staff only, never published. */
export const incidentNotes = pgTable(
  'incident_notes',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    authorId: text('author_id'),
    authorLabel: text('author_label').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('incident_notes_incident_idx').on(t.incidentId, t.createdAt)],
);
