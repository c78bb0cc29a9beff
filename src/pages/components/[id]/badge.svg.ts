import type { APIRoute } from 'astro';
import { componentBadge } from '../../../domain/badge.ts';
import { publicComponents } from '../../../domain/snapshot.ts';
import { snapshotOf } from '../../../publish/snapshot-local.ts';

export const GET: APIRoute = ({ params, locals }) => {
  const component = publicComponents(snapshotOf(locals)).find((c) => c.id === params.id);
  if (!component) return new Response('Not found', { status: 404 });
  return new Response(componentBadge(component), { headers: { 'content-type': 'image/svg+xml; charset=utf-8' } });
};
