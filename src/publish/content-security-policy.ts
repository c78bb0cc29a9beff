import { createHash } from 'node:crypto';

/**
 * The Content-Security-Policy of every public page. The page carries it in a <meta> tag, so
 * it holds wherever the published files are served (a bucket, a CDN); Herald's server sends
 * the page's own policy again as a header and adds frame-ancestors, which a meta tag cannot
 * set (see static-files.ts).
 * - Scripts: this site's files (the widget on /embed-docs/, /uptime.js on the index and
 *   /uptime/), and each inline script by the hash of its text, which is added when the page
 *   is published (addInlineScriptHashes): never 'unsafe-inline'.
 * - Styles keep 'unsafe-inline': Astro inlines small component stylesheets, the brand
 *   colour is a <style> per page, uptime days start their date counter (and /uptime/'s
 *   months set the words around a date) in style attributes, and the widget
 *   (previewed on /embed-docs/) draws its own <style>. With a hash in style-src browsers
 *   would ignore 'unsafe-inline' and refuse those attributes and the widget's style.
 * - Images from anywhere: the logo is any URL the settings name.
 * - Everything else (fetches, frames, fonts, forms) from this site only.
 */
export const PUBLIC_PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'img-src * data:',
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * A published page's policy: its forms may also post to Herald where it runs apart from the
 * site (HERALD_APP_URL); while Herald serves the site too it is PUBLIC_PAGE_POLICY exactly.
 */
export function publicPagePolicy(page: { siteUrl: string; appUrl: string }): string {
  const app = new URL(page.appUrl).origin;
  if (app === new URL(page.siteUrl).origin) return PUBLIC_PAGE_POLICY;
  return PUBLIC_PAGE_POLICY.replace("form-action 'self'", `form-action 'self' ${app}`);
}

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const POLICY_META = /(<meta http-equiv="content-security-policy" content=")([^"]*)(")/i;

/** The CSP source naming one inline script: SHA-256 of its text exactly as written between the tags. */
export function scriptHashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function withScriptSources(policy: string, sources: readonly string[]): string {
  return policy
    .split(/\s*;\s*/)
    .map((directive) =>
      /^script-src\s/i.test(directive)
        ? [directive, ...sources.filter((s) => !directive.includes(s))].join(' ')
        : directive,
    )
    .join('; ');
}

/**
 * Adds the hash of each inline script of a published page to the script-src of its policy
 * meta tag, so that the policy is worked out from the very text the page carries rather than
 * kept by hand. A page with inline scripts but no policy tag is an error: it would be served
 * with a header (from its meta tag) that allowed none of them, or with no policy at all.
 */
export function addInlineScriptHashes(html: string): string {
  const inline = [...html.matchAll(INLINE_SCRIPT)].filter(([, attributes]) => !/\bsrc\s*=/i.test(attributes!));
  const sources = [...new Set(inline.map(([, , text]) => scriptHashSource(text!)))];
  if (sources.length === 0) return html;
  if (!POLICY_META.test(html)) throw new Error('the page has inline scripts but no Content-Security-Policy meta tag');
  return html.replace(
    POLICY_META,
    (_match, open: string, policy: string, close: string) => open + withScriptSources(policy, sources) + close,
  );
}

const ENTITIES: Record<string, string> = { '&#39;': "'", '&#x27;': "'", '&quot;': '"', '&amp;': '&' };

/** The policy in a page's meta tag (found in the page's first bytes, where the layouts put it), or null. */
export function policyOfPage(head: Buffer): string | null {
  const content = head.subarray(0, 4096).toString('utf8').match(POLICY_META)?.[2];
  return content === undefined ? null : content.replace(/&#39;|&#x27;|&quot;|&amp;/g, (entity) => ENTITIES[entity]!);
}
