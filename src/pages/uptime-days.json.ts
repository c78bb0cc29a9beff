import type { APIRoute } from 'astro';
import { pageUptime } from '../domain/page-uptime.ts';
import { localeDayWords, uptimeDaysFile } from '../domain/uptime-bars.ts';
import { localeOf, snapshotOf } from '../publish/snapshot-local.ts';

// The words of the index's day bars, in the route's language (see uptime-bars.ts).
export const GET: APIRoute = ({ locals }) => {
  const uptime = pageUptime(snapshotOf(locals));
  const rows = new Map([...uptime.components, ...uptime.groups].map(([id, row]) => [id, row.days]));
  const file = uptimeDaysFile(
    uptime.spans.map((span) => span.day),
    rows,
    localeDayWords(localeOf(locals)),
  );
  return new Response(JSON.stringify(file), { headers: { 'content-type': 'application/json; charset=utf-8' } });
};
