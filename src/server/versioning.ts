import { eq, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Transaction } from '../db/client.ts';
import { notFound, staleVersion } from '../infra/errors.ts';
import { isId } from '../infra/ids.ts';

interface VersionedTable {
  id: import('drizzle-orm/pg-core').PgColumn;
  version: import('drizzle-orm/pg-core').PgColumn;
}

/**
 * Reads a row for a change, locking it, and checks the version the client last saw
 * (when it sent one: Statuspage clients do not, and then the last write wins).
 */
export async function lockForChange<T extends { version: number }>(
  tx: Transaction,
  table: PgTable & VersionedTable,
  what: string,
  id: string | number,
  expectedVersion: number | undefined,
): Promise<T> {
  if (typeof id === 'string' && !isId(id)) throw notFound(what, id);
  const [row] = (await tx.select().from(table).where(eq(table.id, id)).for('update')) as T[];
  if (!row) throw notFound(what, String(id));
  if (expectedVersion !== undefined && row.version !== expectedVersion) throw staleVersion(what, row.version);
  return row;
}

/** The SET fragment that moves a row to its next version. */
export const nextVersion = (table: VersionedTable) => sql`${table.version} + 1`;
