import type { APIRoute } from 'astro';
import { FEED_CONTENT_TYPES, feedXml } from '../domain/feeds.ts';
import { localeOf, snapshotOf } from '../publish/snapshot-local.ts';

export const GET: APIRoute = ({ locals }) =>
  new Response(feedXml(snapshotOf(locals), 'atom', undefined, localeOf(locals).language), {
    headers: { 'content-type': FEED_CONTENT_TYPES.atom },
  });
