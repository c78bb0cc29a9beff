import type { APIRoute } from 'astro';
import { FEED_CONTENT_TYPES, feedXml } from '../../../domain/feeds.ts';
import { publicComponents } from '../../../domain/snapshot.ts';
import { localeOf, snapshotOf } from '../../../publish/snapshot-local.ts';

export const GET: APIRoute = ({ params, locals }) => {
  const snapshot = snapshotOf(locals);
  const component = publicComponents(snapshot).find((c) => c.id === params.id);
  if (!component) return new Response('Not found', { status: 404 });
  return new Response(feedXml(snapshot, 'rss', component, localeOf(locals).language), {
    headers: { 'content-type': FEED_CONTENT_TYPES.rss },
  });
};
