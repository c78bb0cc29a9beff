import type { APIRoute } from 'astro';
import { CALENDAR_CONTENT_TYPE, maintenanceCalendar } from '../../../domain/maintenance-calendar.ts';
import { publicComponents } from '../../../domain/snapshot.ts';
import { snapshotOf } from '../../../publish/snapshot-local.ts';

export const GET: APIRoute = ({ params, locals }) => {
  const snapshot = snapshotOf(locals);
  const component = publicComponents(snapshot).find((c) => c.id === params.id);
  if (!component) return new Response('Not found', { status: 404 });
  return new Response(maintenanceCalendar(snapshot, { component }), {
    headers: { 'content-type': CALENDAR_CONTENT_TYPE },
  });
};
