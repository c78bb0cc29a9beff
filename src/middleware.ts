import { defineMiddleware } from 'astro:middleware';
import { isPublicRoute } from './publish/routes.ts';

// Public routes are rendered only by the publisher, which hands them a snapshot; a request
// that reaches them without one (the server never forwards public paths) gets a 404.
export const onRequest = defineMiddleware((context, next) => {
  if (isPublicRoute(context.url.pathname) && !context.locals.snapshot) {
    return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  return next();
});
