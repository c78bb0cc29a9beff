import { and, eq, lt } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { DatabaseHandle } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { listenWithReconnect } from '../db/listen.ts';
import { subscribers } from '../db/schema.ts';
import { PENDING_EXPIRY_MS } from '../domain/subscriptions.ts';
import type { EmailConfig } from '../infra/config.ts';
import type { Logger } from '../infra/log.ts';
import { drainDeliveries, nextDueAt } from './email-outbox.ts';
import { DELIVER_CHANNEL, WEBHOOKS_NOTICE } from './enqueue.ts';
import { requestSpacer } from './rate-limit.ts';
import { drainWebhooks, nextWebhookDueAt } from './webhook-deliver.ts';
import { mailboxTransport, resendTransport, type Transport } from './transport.ts';

// The delivery worker of one instance (emails and webhooks). It drains due batches when a change commits
// deliveries (NOTIFY), when a lease or backoff falls due (a timer), and every minute
// through pg-boss (which also forgets unconfirmed subscriptions that expired). Instances
// share the work through SKIP LOCKED on the batches.

export const DELIVER_QUEUE = 'herald-deliver';
const MAX_SLEEP_MS = 60_000;

export interface DeliveryWorker {
  /** Sends whatever is due now (coalesces concurrent calls). */
  poke(): void;
  stop(): Promise<void>;
}

export function emailTransport(handle: DatabaseHandle, email: EmailConfig): Transport {
  return email.resendApiKey
    ? resendTransport({ apiKey: email.resendApiKey, baseUrl: email.resendBaseUrl })
    : mailboxTransport(handle.db);
}

/**
 * One sending loop: drains what is due, again while pokes arrive, then sleeps until the
 * next lease or backoff falls due (or a poke). Concurrent pokes coalesce.
 */
function sendingLoop(name: string, drain: () => Promise<number>, nextDue: () => Promise<Date | null>, log: Logger) {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  const wakeIn = (ms: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(poke, Math.min(MAX_SLEEP_MS, Math.max(50, ms)));
    timer.unref();
  };
  const run = async () => {
    do {
      again = false;
      const sent = await drain();
      if (sent > 0) log.info(`${name} sent`, { count: sent });
    } while (again && !stopped);
    const due = await nextDue();
    failures = 0;
    if (due) wakeIn(due.getTime() - Date.now());
    else clearTimeout(timer);
  };
  const poke = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = run()
      .catch((error: unknown) => {
        // Most often the database is away: try again soon (1 s doubling up to a minute),
        // rather than waiting for the next notice or the every-minute job.
        failures += 1;
        wakeIn(1000 * 2 ** Math.min(6, failures - 1));
        if (failures === 1 || !isDatabaseUnavailable(error))
          log.error(`${name} delivery failed`, { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        running = null;
      });
  };
  return {
    poke,
    isStopped: () => stopped,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export async function startDeliveryWorker(options: {
  handle: DatabaseHandle;
  boss: PgBoss;
  email: EmailConfig;
  siteUrl: string;
  appUrl: string;
  log: Logger;
}): Promise<DeliveryWorker> {
  const { handle, boss, email, log } = options;
  const transport = emailTransport(handle, email);
  const beforeSend = requestSpacer(email.ratePerSecond);
  // PGlite has one connection: several sending lanes would queue every publish behind them.
  const concurrency = handle.client.kind === 'pglite' ? 1 : 4;
  // Two loops, so a slow webhook receiver never holds up the email (and the other way round).
  const emails: ReturnType<typeof sendingLoop> = sendingLoop(
    'emails',
    () =>
      drainDeliveries({
        db: handle.db,
        transport,
        siteUrl: options.siteUrl,
        appUrl: options.appUrl,
        from: email.from,
        log,
        beforeSend,
        stop: emails.isStopped,
        concurrency,
      }),
    () => nextDueAt(handle.db),
    log,
  );
  const webhooks: ReturnType<typeof sendingLoop> = sendingLoop(
    'webhooks',
    () =>
      drainWebhooks({
        db: handle.db,
        siteUrl: options.siteUrl,
        appUrl: options.appUrl,
        log,
        allowPrivate: email.webhooksAllowPrivate,
        chatAnyHost: email.chatAnyHost,
        stop: webhooks.isStopped,
        concurrency,
      }),
    () => nextWebhookDueAt(handle.db),
    log,
  );
  const poke = () => {
    emails.poke();
    webhooks.poke();
  };

  // A notice wakes the loop it is for: webhooks, or email (a notification id, or staff).
  const onNotice = (payload: string) => (payload === WEBHOOKS_NOTICE ? webhooks.poke() : emails.poke());

  // After a lost connection, whatever was committed meanwhile is due now.
  const listening = await listenWithReconnect(
    handle,
    DELIVER_CHANNEL,
    onNotice,
    (reconnected) => reconnected && poke(),
  );

  await boss.createQueue(DELIVER_QUEUE, { policy: 'singleton' }).catch(() => {});
  await boss.schedule(DELIVER_QUEUE, '* * * * *');
  await boss.work(DELIVER_QUEUE, async () => {
    const cutoff = new Date(Date.now() - PENDING_EXPIRY_MS);
    await handle.db
      .delete(subscribers)
      .where(and(eq(subscribers.status, 'pending'), lt(subscribers.createdAt, cutoff)));
    poke();
  });
  poke(); // whatever a previous process left behind
  return {
    poke,
    stop: async () => {
      await listening.stop();
      await Promise.all([emails.stop(), webhooks.stop()]);
    },
  };
}
