import { COMPONENT_STATUS_LABELS, EVENT_STATUS_LABELS } from '../vocabulary.ts';

// The source catalogue: every fixed text of the public page, widget, feeds and emails.
// Its keys are the keys of every language; `{name}` marks a value filled in at render time.
// The admin UI is English; it uses the catalogue only where it shows public wording (an update's component changes).

/** A vocabulary's English labels as messages (`componentStatus.operational`). */
function labelMessages<P extends string, K extends string>(
  prefix: P,
  labels: Readonly<Record<K, string>>,
): Record<`${P}.${K}`, string> {
  return Object.fromEntries(Object.entries(labels).map(([value, label]) => [`${prefix}.${value}`, label])) as Record<
    `${P}.${K}`,
    string
  >;
}

export const en = {
  'layout.skip': 'Skip to content',
  'layout.nav': 'Status page',
  'layout.history': 'Incident history',
  'layout.backTo': 'Back to {name}',
  'layout.statusApi': 'Status API',
  'layout.embed': 'Add status to your site',
  'layout.support': 'Support',
  'layout.poweredBy': 'Powered by Herald',
  'layout.languages': 'Language',
  'layout.feed': '{name} status ({format})',

  'pageStatus.allOperational': 'All Systems Operational',
  'pageStatus.underMaintenance': 'Service Under Maintenance',
  'pageStatus.majorOutage': 'Major System Outage',
  'pageStatus.partialOutage': 'Partial System Outage',
  'pageStatus.minorOutage': 'Minor Service Outage',
  'pageStatus.degraded': 'Degraded System Service',
  'pageStatus.partiallyDegraded': 'Partially Degraded Service',

  // The admin UI shows the same English words: they are defined once, with the vocabularies.
  ...labelMessages('componentStatus', COMPONENT_STATUS_LABELS),
  ...labelMessages('eventStatus', EVENT_STATUS_LABELS),

  'impact.none': 'No impact',
  'impact.minor': 'Minor impact',
  'impact.major': 'Major impact',
  'impact.critical': 'Critical impact',
  'impact.maintenance': 'Maintenance',

  'index.title': '{name} Status',
  'index.heading': '{name} status',
  'index.description': '{status}. Current status, incidents and maintenance for {name}.',
  'index.active': 'Active incidents',
  'index.maintenance': 'Scheduled maintenance',
  'index.past': 'Past incidents',
  'index.noIncidents': 'No incidents reported.',

  'incident.title': '{incident} · {name} Status',
  'incident.description': '{status}: {incident}',
  'incident.scheduled': 'Scheduled',
  'incident.scheduledMaintenance': 'Scheduled maintenance',
  'incident.window': 'Window:',
  'incident.affects': 'Affects {names}',
  'incident.affectedComponents': 'Affected components: {names}',
  'incident.affectedLabel': 'Affected components',
  'incident.nextUpdateBy': 'Next update by',
  'incident.nextUpdateWasDue': 'Next update was due',
  'incident.allUpdates': 'All {count} updates',
  'incident.postmortem': 'Postmortem',
  'incident.published': 'Published',
  'incident.updates': 'Updates',
  'incident.currentStatus': 'Current status',

  'components.heading': 'Components',
  'components.count': '{count} components',
  'components.groupUptime': '{name} (all components)',
  'components.uptimeLink': 'Uptime history, last 12 months',

  'uptime.perDay': '{name}: uptime per day',
  'uptime.daysAgo': '{count} days ago',
  'uptime.summary': '{count} days: {whole} · 30 days: {last30}',
  'uptime.today': 'Today',
  'uptime.title': 'Uptime history',
  'uptime.pageTitle': 'Uptime history · {name} Status',
  'uptime.description': 'Uptime of each {name} component, day by day, over the last 12 months.',
  'uptime.intro':
    'Each day shows the worst status of the component that day, lighter when it lasted under six hours and lighter still under one hour; an outlined day has no data (the component did not exist yet). Point at or tap a day for its uptime and incidents; by keyboard, Tab to the days of a component and move with the arrow keys, Home and End. A major outage counts fully as downtime, a partial outage as {weight}%; degraded performance and maintenance do not count. Days are in the {timeZone} time zone.',
  'uptime.legend': 'Colours',
  'uptime.noData': 'No data',
  'uptime.legendDuration': 'How long the worst status lasted',
  'uptime.lastedLong': '6 hours or more',
  'uptime.lastedUnderSix': 'Under 6 hours',
  'uptime.lastedUnderOne': 'Under 1 hour',
  'uptime.noComponents': 'No component shows its uptime.',
  'uptime.twelveMonths': '12 months: {whole} · 30 days: {last30}',
  'uptime.dayNoData': 'No data.',
  'uptime.dayUptime': '{uptime} uptime.',
  'uptime.dayStatusFor': '{status} for {duration}.',
  'uptime.dayNoIncidents': 'No incidents.',
  'uptime.dayEvents': '{names}.',
  'uptime.eventSeparator': '; ',
  'uptime.underAMinute': 'under a minute',
  'uptime.hours': '{count} h',
  'uptime.minutes': '{count} min',

  'history.title': 'Incident history',
  'history.titlePage': 'Incident history (page {page})',
  'history.pageTitle': '{title} · {name} Status',
  'history.noneThisMonth': 'No incidents reported this month.',
  'history.pages': 'History pages',
  'history.newer': '← Newer',
  'history.older': 'Older →',
  'history.pageOf': 'Page {page} of {count}',

  'notFound.title': 'Page not found',
  'notFound.body': 'There is nothing at this address. It may have been removed, or the link may be mistyped.',
  'notFound.status': 'See the current status',
  'notFound.history': 'Browse the incident history',

  'subscribe.heading': 'Get updates by email',
  'subscribe.email': 'Email address',
  'subscribe.which': 'Which updates?',
  'subscribe.everything': 'Everything',
  'subscribe.some': 'Only the components I choose:',
  'subscribe.choose': 'Choose components',
  'subscribe.wholeGroup': '(all of it)',
  'subscribe.maintenance': 'Also tell me about scheduled maintenance',
  'calendar.add': 'Add scheduled maintenance to your calendar',
  'calendar.addWindow': 'Add to calendar',
  'subscribe.submit': 'Subscribe',
  'subscribe.note': "We'll email you a link to confirm. Every email has a one-click unsubscribe link.",
  'subscribe.title': 'Subscribe to updates',
  'subscribe.checkInbox': 'Check your inbox',
  'subscribe.sent':
    "If that address can receive updates, we've sent it an email with a link to confirm the subscription.",
  'subscribe.nothingUntil': 'Nothing is sent until the subscription is confirmed. The link works for 7 days.',
  'subscribe.back': 'Back to the status page',
  'subscribe.limited': 'Too many subscription requests from your network. Please try again in {minutes} minutes.',
  'subscribe.invalidEmail': 'Enter a valid email address, like name@example.com.',
  'subscribe.webhook':
    'Receive updates in your own system or chat instead: register a webhook, or a Slack, Teams or Discord channel (page in English)',
  'subscriber.title': '{title} · {name} status',

  'confirm.title': 'Confirm your subscription',
  'confirm.done': 'You are subscribed',
  'confirm.thanks':
    'Thank you. You will get an email for each update you asked for. Every email has a link to change your choice or to unsubscribe.',
  'confirm.invalid': 'This confirmation link is not valid any more (it may have expired).',
  'confirm.subscribeAgain': 'Subscribe again',
  'confirm.question': 'Confirm that you want {name} status updates by email.',
  'confirm.button': 'Confirm subscription',

  'manage.title': 'Your subscription',
  'manage.invalid': 'This link is not valid. Use the link in your most recent email, or subscribe again.',
  'manage.unsubscribed': 'You are unsubscribed: no more emails will be sent to you.',
  'manage.saved': 'Your choice is saved.',
  'manage.for': 'Status updates for {email}',
  'manage.onlyThese': 'Only these components:',
  'manage.save': 'Save',
  'manage.saveAgain': 'Subscribe again with this choice',
  'manage.unsubscribeAll': 'Unsubscribe from all emails',

  'subscriberStatus.pending': 'Awaiting confirmation',
  'subscriberStatus.confirmed': 'Confirmed',
  'subscriberStatus.unsubscribed': 'Unsubscribed',
  'subscriberStatus.quarantined': 'Quarantined',

  'unsubscribe.title': 'Unsubscribe',
  'unsubscribe.done': 'You are unsubscribed',
  'unsubscribe.noMore': 'No more {name} status emails will be sent to you.',
  'unsubscribe.invalid': 'This unsubscribe link is not valid. Use the link in your most recent email.',
  'unsubscribe.question': 'Stop all {name} status emails to this address?',
  'unsubscribe.button': 'Unsubscribe',

  'embed.title': '{name} status',
  'embed.active': 'Active incidents and maintenance',
  'embed.statusPage': '{name} status page',

  'widget.dismiss': 'Dismiss status notice',

  'feed.title': '{name} status',
  'feed.componentTitle': '{name} status: {component}',
  'feed.description': 'Incidents and maintenance on the {name} status page',
  'feed.componentDescription': 'Incidents and maintenance affecting {component} on the {name} status page',
  'feed.scheduled': 'Scheduled: {start} – {end}',
  'feed.affected': 'Affected components:',
  'feed.affectedNames': 'Affected components: {names}',

  'email.confirmSubject': '[{name}] Confirm your subscription to status updates',
  'email.postmortemSubject': '[{name}] Postmortem: {incident}',
  'email.updateSubject': '[{name}] {incident}: {status}',
  'email.pageStatus': '{name} status',
  'email.confirmHeading': 'Confirm your subscription',
  'email.confirmBody': 'Someone (hopefully you) asked to receive {name} status updates at this address.',
  'email.confirmButton': 'Confirm subscription',
  'email.notYou': "If it wasn't you, ignore this email: nothing will be sent unless the subscription is confirmed.",
  'email.stop': "Don't email me again",
  'email.confirmText': 'Confirm your subscription to {name} status updates:',
  'email.affected': 'Affected components',
  'email.nextUpdate': 'Next update by {time}.',
  'email.view': 'View on the status page',
  'email.why': 'You receive this because you subscribed to {name} status updates.',
  'email.manage': 'Manage your subscription',
  'email.unsubscribe': 'Unsubscribe',
  'email.colon': ': ',
  'email.maintenanceSubject': '[{name}] Scheduled maintenance starts in {time}: {incident}',
  'email.maintenanceStarts': 'Scheduled maintenance starts in {time}.',
  'email.window': 'Window: {window}',
  'email.whyMaintenance': 'You receive this because you subscribed to {name} status updates, maintenance included.',
  'chat.stop': 'Stop these messages',
  'chat.componentChanged': '{status} (was {previous})',
  'chat.test': "A test message from {name}'s status page. Nothing has changed.",
} as const;

export type MessageKey = keyof typeof en;

/** A catalogue of another language: TypeScript refuses one with a key missing or extra. */
export type Catalogue = { readonly [K in MessageKey]: string };
