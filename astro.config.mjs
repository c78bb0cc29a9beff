import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

// Public pages are rendered by Herald's publisher (src/publish) into static files;
// only admin pages and form posts are rendered per request. See README "Architecture".
export default defineConfig({
  output: 'server',
  // Every public render is written to a file whole, and admin pages are small: rendering a
  // page into one string at once is cheaper than streaming it in pieces.
  adapter: node({ mode: 'middleware', experimentalDisableStreaming: true }),
  session: false,
  security: { checkOrigin: true },
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  devToolbar: { enabled: false },
  telemetry: false,
});
