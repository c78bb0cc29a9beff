import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';
import { text } from '../../infra/text-input.ts';

export const AuditQuery = z.strictObject({
  entity_type: text(40).optional(),
  entity_id: text(40).optional(),
  actor_id: text(40).optional(),
  action: text(60).optional(),
  before_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export async function readAuditLog(db: Queryable, query: AuditQuery) {
  const conditions: SQL[] = [];
  if (query.entity_type) conditions.push(eq(auditLog.entityType, query.entity_type));
  if (query.entity_id) conditions.push(eq(auditLog.entityId, query.entity_id));
  if (query.actor_id) conditions.push(eq(auditLog.actorId, query.actor_id));
  if (query.action) conditions.push(eq(auditLog.action, query.action));
  if (query.before_id) conditions.push(lt(auditLog.id, query.before_id));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(query.limit);
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    action: r.action,
    entity_type: r.entityType,
    entity_id: r.entityId,
    before: r.before,
    after: r.after,
  }));
}
