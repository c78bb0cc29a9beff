import type { APIRoute } from 'astro';
import { requirePrincipal, services } from '../../server/api/api-route.ts';
import { errorResponse } from '../../infra/errors.ts';
import { exportSubscribersCsv } from '../../server/subscribers/admin-subscribers.ts';

export const GET: APIRoute = async ({ locals }) => {
  try {
    requirePrincipal(locals, 'editor');
    const csv = await exportSubscribersCsv(services(locals).db);
    return new Response(csv, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="subscribers.csv"',
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
};
