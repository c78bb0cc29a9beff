import path from 'node:path';
import { parseSecretsKey } from '../auth/secret-box.ts';
import { z } from 'zod';
import { TrustedProxies } from './client-address.ts';
import { StartupError } from './startup-error.ts';
import { parsePurgers, type Purger } from '../publish/purge.ts';
import { parsePublishTargets, type TargetConfig } from '../publish/targets/config.ts';

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

/** An absolute http(s) URL, or unset/empty for the default. */
const absoluteUrl = (example: string) =>
  z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v === '' || (/^https?:\/\/[^/]+/.test(v) && URL.canParse(v)),
      `must be an absolute http(s) URL such as ${example}`,
    );

const EnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(4321),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined)),
    HERALD_DATA_DIR: z.string().min(1).default('./data'),
    SITE_URL: absoluteUrl('https://status.example.com'),
    HERALD_APP_URL: absoluteUrl('https://herald.example.com'),
    HERALD_DEMO: flag(false),
    HERALD_ADMIN_EMAIL: z
      .email('must be an email address')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    HERALD_ADMIN_PASSWORD: z
      .string()
      .min(10, 'must be at least 10 characters')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    HERALD_DIST_DIR: z.string().min(1).default('dist'),
    RESEND_API_KEY: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined)),
    RESEND_BASE_URL: z
      .string()
      .optional()
      .transform((v) => v || 'https://api.resend.com')
      .refine((v) => /^https?:\/\/[^/]+/.test(v), 'must be an absolute http(s) URL'),
    RESEND_WEBHOOK_SECRET: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined)),
    HERALD_EMAIL_FROM: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || !/[\r\n]/.test(v), 'must be one line, like "Acme Status <status@acme.com>"'),
    HERALD_EMAIL_RATE: z.coerce.number().min(0, 'must be 0 (no limit) or more requests per second').default(5),
    HERALD_WEBHOOKS_ALLOW_PRIVATE: flag(false),
    HERALD_TEST_ONLY_CHAT_ANY_HOST: flag(false),
    HERALD_SECRETS_KEY: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (!v) return undefined;
        const key = parseSecretsKey(v);
        if (!key) {
          ctx.addIssue({ code: 'custom', message: 'must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)' });
          return z.NEVER;
        }
        return key;
      }),
    HERALD_TRUSTED_PROXIES: z
      .string()
      .optional()
      .transform((v, ctx) => {
        try {
          return new TrustedProxies(v ?? '');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  })
  .refine((e) => Boolean(e.HERALD_ADMIN_EMAIL) === Boolean(e.HERALD_ADMIN_PASSWORD), {
    path: ['HERALD_ADMIN_PASSWORD'],
    message: 'and HERALD_ADMIN_EMAIL must be set together',
  });

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  siteUrl: string;
  /**
   * HERALD_APP_URL: where Herald itself (admin, forms, subscriber pages) answers; SITE_URL
   * unless the published site is served elsewhere (a bucket, a CDN).
   */
  appUrl: string;
  demo: boolean;
  /** Where `astro build` wrote the server and assets. */
  distDir: string;
  /** The first admin, created at start when there is no user yet. */
  firstAdmin: { email: string; password: string } | undefined;
  email: EmailConfig;
  /** HERALD_TRUSTED_PROXIES: the only peers whose X-Forwarded-For is read (see client-address.ts). */
  trustedProxies: TrustedProxies;
  /** HERALD_SECRETS_KEY: encrypts secrets Herald must read again (PagerDuty signing secrets). */
  secretsKey: Buffer | undefined;
  /** The CDN caches purged after each publish (HERALD_PURGE_URLS, Cloudflare, Fastly: see purge.ts). */
  purgers: Purger[];
  /** HERALD_PUBLISH_TO: the buckets the site is mirrored to (see publish/targets/). */
  targets: TargetConfig[];
}

export interface EmailConfig {
  /** Unset: emails are kept in the database and shown in the admin mailbox. */
  resendApiKey: string | undefined;
  resendBaseUrl: string;
  webhookSecret: string | undefined;
  from: string;
  /** Provider requests per second from this instance; 0 = no limit. */
  ratePerSecond: number;
  /** Webhooks may target loopback/private addresses and http:// (development only). */
  webhooksAllowPrivate: boolean;
  /**
   * HERALD_TEST_ONLY_CHAT_ANY_HOST: Slack, Teams and Discord destinations may point at any
   * host, for the local fakes in Herald's tests. Never for production.
   */
  chatAnyHost: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StartupError(`invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const e = parsed.data;
  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const siteUrl = (
    e.SITE_URL || `http://${displayHost.includes(':') ? `[${displayHost}]` : displayHost}:${e.PORT}`
  ).replace(/\/+$/, '');
  const appUrl = e.HERALD_APP_URL ? e.HERALD_APP_URL.replace(/\/+$/, '') : siteUrl;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.HERALD_DATA_DIR),
    siteUrl,
    appUrl,
    demo: e.HERALD_DEMO,
    distDir: path.resolve(cwd, e.HERALD_DIST_DIR),
    firstAdmin:
      e.HERALD_ADMIN_EMAIL && e.HERALD_ADMIN_PASSWORD
        ? { email: e.HERALD_ADMIN_EMAIL, password: e.HERALD_ADMIN_PASSWORD }
        : undefined,
    email: {
      resendApiKey: e.RESEND_API_KEY,
      resendBaseUrl: e.RESEND_BASE_URL,
      webhookSecret: e.RESEND_WEBHOOK_SECRET,
      from: e.HERALD_EMAIL_FROM ?? `Status <status@${new URL(siteUrl).hostname}>`,
      ratePerSecond: e.HERALD_EMAIL_RATE,
      webhooksAllowPrivate: e.HERALD_WEBHOOKS_ALLOW_PRIVATE,
      chatAnyHost: e.HERALD_TEST_ONLY_CHAT_ANY_HOST,
    },
    trustedProxies: e.HERALD_TRUSTED_PROXIES,
    secretsKey: e.HERALD_SECRETS_KEY,
    purgers: purgersOf(env, siteUrl),
    targets: parsePublishTargets(env.HERALD_PUBLISH_TO, env),
  };
}

function purgersOf(env: NodeJS.ProcessEnv, siteUrl: string): Purger[] {
  try {
    return parsePurgers(env, siteUrl);
  } catch (error) {
    throw new StartupError(`invalid configuration: ${error instanceof Error ? error.message : String(error)}`);
  }
}
