import type { APIRoute } from 'astro';
import { pageBadge } from '../domain/badge.ts';
import { snapshotOf } from '../publish/snapshot-local.ts';

export const GET: APIRoute = ({ locals }) =>
  new Response(pageBadge(snapshotOf(locals)), { headers: { 'content-type': 'image/svg+xml; charset=utf-8' } });
