import type { APIRoute } from 'astro';
import { json, services } from '../../../../server/api/api-route.ts';
import { openApiDocument } from '../../../../server/api/openapi.ts';

export const GET: APIRoute = ({ locals }) =>
  json(openApiDocument(services(locals).appUrl), 200, { 'cache-control': 'public, max-age=300' });
