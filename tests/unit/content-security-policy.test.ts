import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addInlineScriptHashes,
  policyOfPage,
  PUBLIC_PAGE_POLICY,
  publicPagePolicy,
  scriptHashSource,
} from '../../src/publish/content-security-policy.ts';

const page = (body: string, head = `<meta http-equiv="Content-Security-Policy" content="${PUBLIC_PAGE_POLICY}">`) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const scriptSrc = (html: string) =>
  policyOfPage(Buffer.from(html))!
    .split('; ')
    .find((d) => d.startsWith('script-src'));

describe("the public pages' Content-Security-Policy", () => {
  it('allows no inline script or eval by itself', () => {
    expect(PUBLIC_PAGE_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(PUBLIC_PAGE_POLICY).not.toMatch(/unsafe-eval/);
    expect(PUBLIC_PAGE_POLICY.split('; ').find((d) => d.startsWith('script-src'))).not.toContain('unsafe-inline');
  });

  it.each([
    ['Herald serves the site', 'https://status.example.com', 'https://status.example.com', PUBLIC_PAGE_POLICY],
    [
      'Herald answers on the same origin under a path',
      'https://example.com/status',
      'https://example.com/',
      PUBLIC_PAGE_POLICY,
    ],
    [
      'the site is served apart from Herald',
      'https://status.example.com',
      'https://herald.example.com:8443/app',
      PUBLIC_PAGE_POLICY.replace("form-action 'self'", "form-action 'self' https://herald.example.com:8443"),
    ],
  ])('lets forms post to Herald itself when %s', (_case, siteUrl, appUrl, policy) => {
    expect(publicPagePolicy({ siteUrl, appUrl })).toBe(policy);
  });

  it.each([
    ['no script', '<p>hi</p>', "script-src 'self'"],
    ['only external scripts', '<script src="/widget.js" async></script>', "script-src 'self'"],
    ['one inline script', '<script>console.log("a")</script>', `script-src 'self' ${sha256('console.log("a")')}`],
    [
      'two inline scripts, one of them twice, with attributes and non-ASCII text',
      '<script type="module">let s = "狀態";\n</script><script>x()</script><SCRIPT>x()</SCRIPT >',
      `script-src 'self' ${sha256('let s = "狀態";\n')} ${sha256('x()')}`,
    ],
  ])('hashes the inline scripts of a page with %s', (_case, body, expected) => {
    expect(scriptSrc(addInlineScriptHashes(page(body)))).toBe(expected);
  });

  it('hashes the text as UTF-8 into base64 SHA-256 (Chromium accepting it: tests/e2e/content-security-policy.spec.ts)', () => {
    expect(scriptHashSource('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });

  it('refuses to publish a page with an inline script but no policy tag', () => {
    expect(() => addInlineScriptHashes(page('<script>x()</script>', ''))).toThrow(
      /no Content-Security-Policy meta tag/,
    );
    expect(addInlineScriptHashes(page('<p>fine</p>', ''))).toContain('<p>fine</p>');
  });

  it("reads a page's policy from its meta tag, quotes escaped or not", () => {
    expect(policyOfPage(Buffer.from(page('')))).toBe(PUBLIC_PAGE_POLICY);
    expect(
      policyOfPage(
        Buffer.from(page('', '<meta http-equiv="content-security-policy" content="script-src &#39;self&#39;">')),
      ),
    ).toBe("script-src 'self'");
    expect(policyOfPage(Buffer.from(page('', '')))).toBeNull();
  });
});
