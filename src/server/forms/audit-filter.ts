import { AuditQuery } from '../audit/read-audit-log.ts';

export const AUDIT_FILTERS = ['entity_type', 'entity_id', 'actor_id', 'action'] as const;

/** The audit page's GET filters; empty boxes filter nothing, other parameters are ignored. */
export function auditQueryOf(params: URLSearchParams, limit = 50): AuditQuery {
  const raw: Record<string, string | number> = { limit };
  for (const name of [...AUDIT_FILTERS, 'before_id'] as const) {
    const value = params.get(name)?.trim();
    if (value) raw[name] = value;
  }
  return AuditQuery.parse(raw);
}
