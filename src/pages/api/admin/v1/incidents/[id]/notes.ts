import { apiRoute } from '../../../../../../server/api/api-route.ts';
import { addNote, listNotes, NoteInput } from '../../../../../../server/incidents/notes.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => listNotes(herald.db, params.id!));

/** An internal note: for staff only, never published. */
export const POST = apiRoute(
  { role: 'editor', body: NoteInput, wrapper: 'note', status: 201 },
  ({ change, params, input }) => addNote(change, params.id!, input),
);
