import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite, PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { StartupError } from '../infra/startup-error.ts';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or an open transaction: queries accept both. */
export type Queryable = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  /**
   * The driver's own client, for what drizzle does not do: LISTEN, advisory locks, pg-boss. Its kind is the one place
   * that says which database Herald runs on.
   */
  client: { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; sql: postgres.Sql; url: string };
  /** A cheap round trip, for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `read` in a transaction that sees the database at one moment. PostgreSQL needs
 * repeatable read for that; PGlite runs one transaction at a time on its one connection,
 * so any transaction does, without the extra statement that would set the level.
 */
export function readAtOneMoment<T>(db: Database, read: (tx: Transaction) => Promise<T>): Promise<T> {
  return db instanceof PgliteDatabase
    ? db.transaction(read)
    : db.transaction(read, { isolationLevel: 'repeatable read' });
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
}): Promise<DatabaseHandle> {
  const handle = options.databaseUrl
    ? await openPostgres(options.databaseUrl)
    : await openPglite(path.join(options.dataDir, 'pglite'));
  try {
    await withSetupLock(handle, () => migrateDatabase(handle));
  } catch (error) {
    await handle.close();
    throw new StartupError(`could not apply database migrations: ${(error as Error).message}`);
  }
  return handle;
}

const SETUP_LOCK_KEYS = [0x6865726c, 0x73657475] as const; // "herl" "setu"

/**
 * Runs `setup` (migrations, the first admin, seeds) while holding an advisory lock, so
 * instances started together on an empty PostgreSQL database take turns: the first
 * migrates and seeds, the others find it done. The lock lives on a connection of its own
 * (a pooled one could run the setup's queries elsewhere) and goes with it.
 */
export async function withSetupLock<T>(handle: DatabaseHandle, setup: () => Promise<T>): Promise<T> {
  if (handle.client.kind === 'pglite') return setup(); // one process owns the directory
  const lock = postgres(handle.client.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(${SETUP_LOCK_KEYS[0]}, ${SETUP_LOCK_KEYS[1]})`;
    return await setup();
  } finally {
    await lock.end({ timeout: 1 }).catch(() => {});
  }
}

async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: 'herald', migrationsTable: 'migrations' };
  if (handle.client.kind === 'pglite') await migratePglite(handle.db as never, config);
  else await migratePostgres(handle.db as never, config);
}

function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new StartupError(`DATABASE_URL must start with postgres:// or postgresql://, got "${parsed.protocol}//…"`);
    }
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:5432/database)');
  }
}

/**
 * How long postgres.js waits before reconnecting after failed connections: 0.25 s doubling
 * up to 8 s, with jitter so instances do not return in step (its default grows to 20 s,
 * which is how long the admin would stay down after the database is back).
 */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(8, 0.25 * 2 ** Math.max(0, failures - 1)) * (0.75 + Math.random() / 2);
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const where = describePostgresUrl(url);
  const sql = postgres(url, { max: 10, connect_timeout: 5, onnotice: () => {}, backoff: reconnectDelaySeconds });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new StartupError(`cannot reach the database at ${where}: ${(error as Error).message}`);
  }
  const db = drizzlePostgres(sql, { schema }) as unknown as Database;
  return {
    db,
    client: { kind: 'postgres', sql, url },
    ping: async () => {
      await sql`select 1`;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * Two processes writing one PGlite directory corrupt it without an error, so the
 * directory carries a lock file naming its owner's pid; a second process refuses.
 */
function lockDirectory(dir: string): () => void {
  const lockPath = path.join(dir, 'herald.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && isAlive(owner)) {
        throw new StartupError(
          `the embedded database in ${dir} is in use by another Herald process (pid ${owner}${owner === process.pid ? ', this one' : ''}); stop it first, or set DATABASE_URL to share a PostgreSQL database between instances`,
        );
      }
      rmSync(lockPath, { force: true }); // left behind by a process that died
    }
  }
  throw new StartupError(`could not lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PostgreSQL's default shared_buffers (128 MB) lives in the process with PGlite: a status
 * page's working set is far smaller, and 32 MB took 130 MB off the server's memory at 10,000
 * incidents and read the whole site no slower (measured: three full reads of incidents and
 * updates, 2.1 s either way).
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

async function openPglite(dir: string): Promise<DatabaseHandle> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StartupError(
      `cannot create the data directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const unlock = lockDirectory(dir);
  let client: PGlite;
  try {
    client = await PGlite.create(dir, { startParams: PGLITE_START_PARAMS });
  } catch (error) {
    unlock();
    throw new StartupError(`cannot open the embedded database in ${dir}: ${(error as Error).message}`);
  }
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    client: { kind: 'pglite', pglite: client },
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

/** An in-memory PGlite database with migrations applied: for tests. */
export async function openMemoryDatabase(): Promise<DatabaseHandle> {
  const client = await PGlite.create();
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  const handle: DatabaseHandle = {
    db,
    client: { kind: 'pglite', pglite: client },
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
  await migrateDatabase(handle);
  return handle;
}
