import type { APIRoute } from 'astro';
import { CALENDAR_CONTENT_TYPE, maintenanceCalendar } from '../../../domain/maintenance-calendar.ts';
import { findIncident } from '../../../domain/snapshot.ts';
import { snapshotOf } from '../../../publish/snapshot-local.ts';

// One maintenance window, for "Add to calendar" on its page.
export const GET: APIRoute = ({ params, locals }) => {
  const snapshot = snapshotOf(locals);
  const window = findIncident(snapshot, params.id);
  if (window?.kind !== 'maintenance' || !window.scheduledFor) return new Response('Not found', { status: 404 });
  return new Response(maintenanceCalendar(snapshot, { only: window }), {
    headers: { 'content-type': CALENDAR_CONTENT_TYPE },
  });
};
