import { inspect } from 'node:util';
import { StartupError } from '../../infra/startup-error.ts';

// HERALD_PUBLISH_TO: one or more S3-compatible buckets, separated by spaces:
//   s3://<bucket>[/<prefix>][?endpoint=<url>&region=<region>&path_style=true&credentials=<NAME>]
// Credentials: a target with `credentials=<NAME>` reads <NAME>_ACCESS_KEY_ID,
// <NAME>_SECRET_ACCESS_KEY and (optional) <NAME>_SESSION_TOKEN; any other target reads the
// standard AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or, when those are
// unset, the SDK's default chain (shared config files, container or instance role). A name
// rather than a position (HERALD_PUBLISH_TO_1_...) so that reordering the targets cannot hand
// one bucket's keys to another.

export interface TargetConfig {
  /** How logs, errors and status name the target; never holds credentials. */
  name: string;
  bucket: string;
  /** The site's root in the bucket (its origin path): '' or a path ending in '/'. */
  prefix: string;
  endpoint: string | undefined;
  region: string;
  pathStyle: boolean;
  /** undefined: the SDK's default credential chain. */
  credentials: TargetCredentials | undefined;
}

/** Keys that print as "[credentials]" in logs, JSON and inspection: the secret is a private field. */
export class TargetCredentials {
  readonly accessKeyId: string;
  readonly #secretAccessKey: string;
  readonly #sessionToken: string | undefined;

  constructor(accessKeyId: string, secretAccessKey: string, sessionToken?: string) {
    this.accessKeyId = accessKeyId;
    this.#secretAccessKey = secretAccessKey;
    this.#sessionToken = sessionToken;
  }

  get secretAccessKey(): string {
    return this.#secretAccessKey;
  }

  get sessionToken(): string | undefined {
    return this.#sessionToken;
  }

  /** The strings that must never leave the process. */
  get secrets(): string[] {
    return [this.accessKeyId, this.#secretAccessKey, this.#sessionToken].filter((s): s is string => Boolean(s));
  }

  toJSON(): string {
    return '[credentials]';
  }

  [inspect.custom](): string {
    return '[credentials]';
  }
}

const PARAMETERS = ['endpoint', 'region', 'path_style', 'credentials'] as const;
type Parameter = (typeof PARAMETERS)[number];

// S3's rules (3-63 characters) loosened to what GCS accepts (underscores, up to 222 with dots).
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;
const CREDENTIALS_NAME = /^[A-Z][A-Z0-9_]*$/;

export function parsePublishTargets(value: string | undefined, env: NodeJS.ProcessEnv): TargetConfig[] {
  const entries = (value ?? '').split(/\s+/).filter(Boolean);
  const targets = entries.map((entry, index) =>
    parseTarget(entry, entries.length > 1 ? `target ${index + 1}` : 'the target', env),
  );
  const seen = new Set<string>();
  for (const target of targets) {
    const key = `${target.endpoint ?? ''} ${target.bucket} ${target.prefix}`;
    if (seen.has(key)) fail(`${target.name} is listed twice`);
    seen.add(key);
  }
  return targets;
}

function fail(sentence: string): never {
  throw new StartupError(`HERALD_PUBLISH_TO: ${sentence}.`);
}

function parseTarget(entry: string, which: string, env: NodeJS.ProcessEnv): TargetConfig {
  // Never quote the entry itself: it is what a user would paste keys into by mistake.
  if (!entry.startsWith('s3://')) fail(`${which} must start with s3://, as in s3://my-bucket/status?region=eu-west-1`);
  const [location = '', query = '', ...extra] = entry.slice('s3://'.length).split('?');
  if (extra.length > 0) fail(`${which} has more than one "?"`);
  const slash = location.indexOf('/');
  const bucket = slash === -1 ? location : location.slice(0, slash);
  if (bucket.includes('@') || bucket.includes(':')) {
    fail(
      `${which} holds credentials or a port in its bucket name; put keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or credentials=<NAME>) and the host in endpoint=`,
    );
  }
  if (!BUCKET.test(bucket))
    fail(
      `${which} names the bucket "${bucket}", which is not a bucket name (3 or more lowercase letters, digits, dots, hyphens or underscores)`,
    );
  const prefix = parsePrefix(slash === -1 ? '' : location.slice(slash + 1), which);
  const name = `s3://${bucket}/${prefix}`.replace(/\/$/, '');

  const parameters = new Map<Parameter, string>();
  for (const [key, raw] of new URLSearchParams(query)) {
    if (!(PARAMETERS as readonly string[]).includes(key))
      fail(`${name} has the unknown parameter "${key}" (known: ${PARAMETERS.join(', ')})`);
    if (parameters.has(key as Parameter)) fail(`${name} sets "${key}" twice`);
    parameters.set(key as Parameter, raw);
  }

  const endpoint = parseEndpoint(parameters.get('endpoint'), name);
  const region = parameters.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!REGION.test(region))
    fail(`${name} has the region "${region}", which is not a region name such as eu-west-1 or auto`);
  const pathStyle = parameters.get('path_style') ?? 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false')
    fail(`${name} has path_style="${pathStyle}"; use path_style=true or leave it out`);
  return {
    name: endpoint ? `${name} (${endpoint})` : name,
    bucket,
    prefix,
    endpoint,
    region,
    pathStyle: pathStyle === 'true',
    credentials: readCredentials(parameters.get('credentials'), name, env),
  };
}

function parsePrefix(raw: string, which: string): string {
  if (raw === '') return '';
  const segments = raw.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    fail(`${which} has the prefix "${raw}", which has an empty, "." or ".." segment`);
  return `${segments.join('/')}/`;
}

function parseEndpoint(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(`${name} has an endpoint that is not a URL; use endpoint=https://host[:port]`);
  }
  if (url.username || url.password)
    fail(`${name} has credentials in its endpoint; put them in environment variables instead`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(`${name} has an endpoint that is not http(s): ${url.protocol}`);
  if (url.pathname !== '/' || url.search || url.hash)
    fail(
      `${name} has an endpoint with a path or query (${url.origin}${url.pathname}); the bucket and prefix go in s3://`,
    );
  return url.origin;
}

function readCredentials(
  credentialsName: string | undefined,
  name: string,
  env: NodeJS.ProcessEnv,
): TargetCredentials | undefined {
  if (credentialsName !== undefined && !CREDENTIALS_NAME.test(credentialsName)) {
    fail(
      `${name} has credentials="${credentialsName}"; use an upper-case variable prefix such as credentials=STATUS_R2`,
    );
  }
  const base = credentialsName ?? 'AWS';
  const idVariable = `${base}_ACCESS_KEY_ID`;
  const secretVariable = `${base}_SECRET_ACCESS_KEY`;
  const id = env[idVariable] || undefined;
  const secret = env[secretVariable] || undefined;
  if (id && secret) return new TargetCredentials(id, secret, env[`${base}_SESSION_TOKEN`] || undefined);
  if (credentialsName !== undefined || id || secret) {
    const missing = [id ? null : idVariable, secret ? null : secretVariable].filter(Boolean).join(' and ');
    fail(
      `${name} needs ${idVariable} and ${secretVariable}, but ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set`,
    );
  }
  return undefined;
}
