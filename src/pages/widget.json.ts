import type { APIRoute } from 'astro';
import { widgetData } from '../domain/widget-data.ts';
import { snapshotOf } from '../publish/snapshot-local.ts';

export const GET: APIRoute = ({ locals }) =>
  new Response(JSON.stringify(widgetData(snapshotOf(locals))), {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
