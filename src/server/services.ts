import type { LoginThrottle } from '../auth/throttle.ts';
import type { WindowLimiter } from './alerts/window-limiter.ts';
import type { Database } from '../db/client.ts';
import type { PublishGate } from '../publish/coordinator.ts';
import type { DistributionStatus } from '../publish/distribution.ts';
import type { Logger } from '../infra/log.ts';
import type { SubscribeLimiter } from './subscribers/subscribe-limiter.ts';

/**
 * What the server hands every admin request (as `Astro.locals.herald`). Astro routes are a
 * separate bundle: they get the process's database and publisher through here, never by
 * opening their own.
 */
export interface HeraldServices {
  db: Database;
  /** Publishes here when this instance is the publisher; otherwise the publisher instance hears of it. */
  publisher: PublishGate;
  siteUrl: string;
  /** HERALD_APP_URL: where this server answers (SITE_URL unless the site is served from elsewhere). */
  appUrl: string;
  /** Cookies get `Secure` when HERALD_APP_URL is https. */
  secureCookies: boolean;
  throttle: LoginThrottle;
  log: Logger;
  now(): Date;
  /**
   * A round trip to PostgreSQL, for requests that wait too long (see the middleware's
   * deadline); unset on PGlite, which lives in the process and cannot be cut off.
   */
  pingDatabase?: () => Promise<void>;
  /**
   * Where publishes go beyond the local tree (publish targets, CDN caches), and how far behind they are; unset when
   * nothing is configured.
   */
  distribution?: () => DistributionStatus;
  /** Subscriber emails: how they leave, the webhook secret, the sign-up rate limits. */
  notify: NotifyServices;
  /** Alerts from monitoring: the key for sources' signing secrets, and each source's request budget. */
  alerts: { secretsKey: Buffer | undefined; limiter: WindowLimiter };
}

export interface NotifyServices {
  /** 'mailbox' without RESEND_API_KEY: emails are kept for the admin's Mailbox page. */
  mode: 'resend' | 'mailbox';
  webhookSecret: string | undefined;
  limiter: SubscribeLimiter;
  /** HERALD_WEBHOOKS_ALLOW_PRIVATE: webhook URLs may be http:// or private addresses. */
  webhooksAllowPrivate: boolean;
  /** HERALD_TEST_ONLY_CHAT_ANY_HOST: chat destinations may point at any host (tests' fakes). */
  chatAnyHost: boolean;
}
