import { LoginThrottle } from '../auth/throttle.ts';
import { ALERT_REQUESTS_PER_MINUTE, WindowLimiter } from './alerts/window-limiter.ts';
import type { Database } from '../db/client.ts';
import type { PublishGate } from '../publish/coordinator.ts';
import type { DistributionStatus } from '../publish/distribution.ts';
import type { EmailConfig } from '../infra/config.ts';
import type { Logger } from '../infra/log.ts';
import { SubscribeLimiter } from './subscribers/subscribe-limiter.ts';
import type { HeraldServices } from './services.ts';

export function createServices(options: {
  db: Database;
  publisher: PublishGate;
  siteUrl: string;
  /** HERALD_APP_URL; siteUrl when unset. */
  appUrl?: string;
  log: Logger;
  now?: () => Date;
  pingDatabase?: () => Promise<void>;
  /** Publish targets and CDN caches, when any is configured. */
  distribution?: () => DistributionStatus;
  email?: Pick<EmailConfig, 'resendApiKey' | 'webhookSecret'> &
    Partial<Pick<EmailConfig, 'webhooksAllowPrivate' | 'chatAnyHost'>>;
  /** HERALD_SECRETS_KEY. */
  secretsKey?: Buffer | undefined;
}): HeraldServices {
  return {
    db: options.db,
    publisher: options.publisher,
    siteUrl: options.siteUrl,
    appUrl: options.appUrl ?? options.siteUrl,
    secureCookies: (options.appUrl ?? options.siteUrl).startsWith('https:'),
    throttle: new LoginThrottle(),
    log: options.log,
    now: options.now ?? (() => new Date()),
    ...(options.pingDatabase ? { pingDatabase: options.pingDatabase } : {}),
    ...(options.distribution ? { distribution: options.distribution } : {}),
    notify: {
      mode: options.email?.resendApiKey ? 'resend' : 'mailbox',
      webhookSecret: options.email?.webhookSecret,
      limiter: new SubscribeLimiter(),
      webhooksAllowPrivate: options.email?.webhooksAllowPrivate ?? false,
      chatAnyHost: options.email?.chatAnyHost ?? false,
    },
    alerts: { secretsKey: options.secretsKey, limiter: new WindowLimiter(ALERT_REQUESTS_PER_MINUTE, 60_000) },
  };
}
