import type { LoginThrottle } from '../auth/throttle.ts';
import type { Database } from '../db/client.ts';
import type { ChangeScope, PublishResult, PublishStatus } from '../publish/publisher.ts';
import type { Logger } from './log.ts';

/**
 * What the server hands every admin request (as `Astro.locals.herald`). Astro routes are a
 * separate bundle: they get the process's database and publisher through here, never by
 * opening their own.
 */
export interface HeraldServices {
  db: Database;
  publisher: { publishChange(scope: ChangeScope): Promise<PublishResult>; readonly status: PublishStatus };
  siteUrl: string;
  /** Cookies get `Secure` when SITE_URL is https. */
  secureCookies: boolean;
  throttle: LoginThrottle;
  log: Logger;
  now(): Date;
}
