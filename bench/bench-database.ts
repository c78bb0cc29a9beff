// What every benchmark needs: a fresh database on either driver, and whether PostgreSQL is there.
import os from 'node:os';
import postgres from 'postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, type DatabaseHandle } from '../src/db/client.ts';
import type { Role } from '../src/domain/vocabulary.ts';
import { createRequestListener } from '../src/infra/http-server.ts';
import { silentLogger } from '../src/infra/log.ts';
import type { AstroHandler } from '../src/publish/astro-handler.ts';
import { localPublishGate } from '../src/publish/coordinator.ts';
import type { Publisher } from '../src/publish/publisher.ts';
import { SYSTEM_ACTOR } from '../src/server/change.ts';
import { createServices } from '../src/server/create-services.ts';
import { createToken } from '../src/server/tokens/manage-tokens.ts';

export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Runs `run` on a fresh PGlite kept in a temporary directory, as `npm start` keeps it in
 * the data directory (not in memory), or on a new PostgreSQL database; both are removed afterwards.
 */
export async function withDatabase(
  driver: 'pglite' | 'postgres',
  label: string,
  run: (handle: DatabaseHandle) => Promise<void>,
): Promise<void> {
  if (driver === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `herald-${label}-db-`));
    const handle = await openDatabase({ dataDir });
    try {
      return await run(handle);
    } finally {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const name = `herald_${label}_${process.pid}`;
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir() });
  try {
    await run(handle);
  } finally {
    await handle.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export async function postgresReachable(): Promise<boolean> {
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The p-th percentile of ascending `sorted` values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Herald's server over a database and its publisher, on a free loopback port, with an API token
 * of the given role: what a benchmark posts to and reads from, as a client would.
 */
export async function startBenchServer(options: {
  database: DatabaseHandle;
  publisher: Publisher;
  handler: AstroHandler;
  dataDir: string;
  siteUrl: string;
  role: Role;
}): Promise<{ base: string; token: string; close(): void }> {
  const { database, publisher, handler, dataDir, siteUrl } = options;
  const services = createServices({
    db: database.db,
    publisher: localPublishGate(publisher),
    siteUrl,
    log: silentLogger,
  });
  const server = createServer(
    createRequestListener({ handler, database, publisher, dataDir, log: silentLogger, services }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { value } = await createToken(
    { db: database.db, actor: SYSTEM_ACTOR, now: new Date() },
    { name: 'bench', role: options.role },
  );
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: value.token,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
