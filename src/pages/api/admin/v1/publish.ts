import { apiRoute } from '../../../../server/api/api-route.ts';

/** When the site was last published, at which revision, and why the last attempt failed if it did. */
export const GET = apiRoute({ role: 'viewer' }, async ({ herald }) => {
  const status = herald.publisher.status;
  return {
    revision: status.revision,
    published_at: status.publishedAt?.toISOString() ?? null,
    duration_ms: status.durationMs,
    error: status.error ? { message: status.error.message, at: status.error.at.toISOString() } : null,
  };
});
