import type { APIRoute } from 'astro';
import { STATUSPAGE_API_FILES } from '../../../domain/statuspage-json.ts';
import { snapshotOf } from '../../../publish/snapshot-local.ts';

export const GET: APIRoute = ({ params, locals }) => {
  const build = STATUSPAGE_API_FILES[params.file ?? ''];
  if (!build) return new Response('Not found', { status: 404 });
  return new Response(JSON.stringify(build(snapshotOf(locals))), {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
};
