import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, openMemoryDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { ensureSingletons } from '../../src/db/seed.ts';

/** Integration tests run on PGlite always, and on PostgreSQL too when DATABASE_URL is set (CI sets it). */
export const DRIVERS: Array<'pglite' | 'postgres'> = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends DatabaseHandle {
  /** Closes the connection and drops the database. */
  destroy(): Promise<void>;
  /** The PostgreSQL URL of this database (unset for PGlite). */
  connectionUrl?: string;
}

/** A fresh, migrated, empty database: in-memory PGlite, or a new PostgreSQL database. */
export async function createTestDatabase(driver: 'pglite' | 'postgres'): Promise<TestDatabase> {
  if (driver === 'pglite') {
    const handle = await openMemoryDatabase();
    await ensureSingletons(handle.db);
    return { ...handle, destroy: () => handle.close() };
  }
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) throw new Error('DATABASE_URL is not set');
  const name = `herald_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent' });
  await ensureSingletons(handle.db);
  return {
    ...handle,
    connectionUrl: url.toString(),
    destroy: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
