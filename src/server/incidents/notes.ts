import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../../db/client.ts';
import { incidentNotes, incidents } from '../../db/schema.ts';
import { stripControlCharacters } from '../../domain/markdown.ts';
import { notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { text } from '../../infra/text-input.ts';
import { runChange, type ChangeContext } from '../change.ts';

// Internal notes: what the staff know and customers need not (more detail, guesses, who is on
// it), beside an incident's public updates. They live in their own table, which nothing public
// reads: no published page, /api/v2 file, feed, widget, email or webhook can carry one.

export const NoteInput = z.strictObject({ body: text(10_000, { required: true }) });
export type NoteInput = z.infer<typeof NoteInput>;

type NoteRow = typeof incidentNotes.$inferSelect;

export function noteResource(n: NoteRow) {
  return {
    id: n.id,
    incident_id: n.incidentId,
    body: n.body,
    author: n.authorLabel,
    author_id: n.authorId,
    created_at: n.createdAt.toISOString(),
  };
}

async function requireIncident(db: Queryable, id: string): Promise<void> {
  if (!isId(id)) throw notFound('incident', id);
  const [row] = await db.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id));
  if (!row) throw notFound('incident', id);
}

/** The incident's notes, oldest first. */
export async function listNotes(db: Queryable, incidentId: string) {
  await requireIncident(db, incidentId);
  const rows = await db
    .select()
    .from(incidentNotes)
    .where(eq(incidentNotes.incidentId, incidentId))
    .orderBy(asc(incidentNotes.createdAt), asc(incidentNotes.id));
  return rows.map(noteResource);
}

/** Adds a note; the public site does not change (no publish scope). */
export async function addNote(ctx: ChangeContext, incidentId: string, input: NoteInput) {
  await requireIncident(ctx.db, incidentId);
  return runChange(ctx, async (tx) => {
    const [row] = await tx
      .insert(incidentNotes)
      .values({
        id: newId(),
        incidentId,
        body: stripControlCharacters(input.body),
        authorId: ctx.actor.id,
        authorLabel: ctx.actor.label,
        createdAt: ctx.now,
      })
      .returning();
    const value = noteResource(row!);
    return { value, audit: [{ action: 'incident.note', entityType: 'incident', entityId: incidentId, after: value }] };
  });
}
