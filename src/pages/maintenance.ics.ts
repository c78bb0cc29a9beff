import type { APIRoute } from 'astro';
import { CALENDAR_CONTENT_TYPE, maintenanceCalendar } from '../domain/maintenance-calendar.ts';
import { snapshotOf } from '../publish/snapshot-local.ts';

export const GET: APIRoute = ({ locals }) =>
  new Response(maintenanceCalendar(snapshotOf(locals)), { headers: { 'content-type': CALENDAR_CONTENT_TYPE } });
