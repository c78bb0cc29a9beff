import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '../db/client.ts';
import { auditLog, componentStatusChanges, siteState } from '../db/schema.ts';
import { rowsOf } from '../db/sql-rows.ts';
import type { Role } from '../domain/vocabulary.ts';
import { PUBLISH_CHANNEL } from '../publish/coordinator.ts';
import type { ChangeScope } from '../publish/publisher.ts';

/** Who makes a change: a signed-in user, an API token, or Herald itself (schedules). */
export interface Actor {
  type: 'user' | 'token' | 'system';
  id: string | null;
  label: string;
  role: Role;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'Herald', role: 'admin' };

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

export interface ChangeContext {
  db: Database;
  actor: Actor;
  now: Date;
  /** The instance making the change; its publish notice names it so it is not published twice. */
  origin?: string;
}

export interface ChangeOutcome<T> {
  value: T;
  /** What the public site must re-render; omit for changes the public never sees. */
  scope?: ChangeScope;
  audit: AuditEntry[];
}

export interface Committed<T> {
  value: T;
  scope: ChangeScope | undefined;
  revision: number | null;
}

/**
 * Gives a change that the public site shows its revision, in one statement: bumps the
 * site's revision (the row stays locked until commit, so revisions follow commit order),
 * stamps the component status changes written by this transaction with it, and tells the
 * publishing instance, on commit only.
 */
async function publishRevision(tx: Transaction, ctx: ChangeContext, scope: ChangeScope): Promise<number | null> {
  const notice = JSON.stringify({ origin: ctx.origin ?? 'unknown', scope });
  const result = await tx.execute(sql`
    with bumped as (
      update ${siteState} set revision = revision + 1, revised_at = ${ctx.now.toISOString()}::timestamptz where id = 1 returning revision
    ), stamped as (
      update ${componentStatusChanges} set revision = (select revision from bumped) where revision is null
    )
    select revision, pg_notify(${PUBLISH_CHANNEL}, ${notice}) from bumped`);
  const [row] = rowsOf<{ revision: string | number }>(result);
  return row ? Number(row.revision) : null;
}

/**
 * Runs one change in one transaction: its writes, its audit rows and, when the public
 * site is affected, the revision bump that the publisher stamps its output with. Either
 * all of it is committed or none of it.
 */
export async function runChange<T>(
  ctx: ChangeContext,
  change: (tx: Transaction) => Promise<ChangeOutcome<T>>,
): Promise<Committed<T>> {
  return ctx.db.transaction(async (tx) => {
    const outcome = await change(tx);
    if (outcome.audit.length > 0) {
      await tx.insert(auditLog).values(
        outcome.audit.map((entry) => ({
          at: ctx.now,
          actorType: ctx.actor.type,
          actorId: ctx.actor.id,
          actorLabel: ctx.actor.label,
          action: entry.action,
          entityType: entry.entityType,
          entityId: entry.entityId,
          before: entry.before ?? null,
          after: entry.after ?? null,
        })),
      );
    }
    const revision = outcome.scope ? await publishRevision(tx, ctx, outcome.scope) : null;
    return { value: outcome.value, scope: outcome.scope, revision };
  });
}
