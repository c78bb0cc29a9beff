import { describe, expect, it } from 'vitest';
import { markdownToText, renderMarkdown } from '../../src/domain/markdown.ts';

const SAFE_REL = 'rel="nofollow noopener noreferrer"';

// Any real tag (not escaped text) carrying an on* attribute, or a live javascript:/data: URL.
const LIVE_EVENT_HANDLER = /<[a-z][^>]*\son[a-z]+\s*=/i;
const LIVE_DANGEROUS_HREF = /<[a-z][^>]*\s(?:href|src)\s*=\s*["']?\s*(?:javascript|data):/i;

describe('renderMarkdown', () => {
  it.each([
    ['a block script', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [
      'an inline script',
      'hi <script>alert(1)</script> there',
      '<p>hi &lt;script&gt;alert(1)&lt;/script&gt; there</p>\n',
    ],
    [
      'an image with onerror',
      'see <img src=x onerror=alert(1)> here',
      '<p>see &lt;img src=x onerror=alert(1)&gt; here</p>\n',
    ],
    [
      'an iframe',
      '<iframe src="https://evil.example"></iframe>',
      '&lt;iframe src="https://evil.example"&gt;&lt;/iframe&gt;',
    ],
    [
      'a form',
      '<form action="/login"><input name="password"></form>',
      '&lt;form action="/login"&gt;&lt;input name="password"&gt;&lt;/form&gt;',
    ],
    ['a style block', '<style>body { display: none }</style>', '&lt;style&gt;body { display: none }&lt;/style&gt;'],
    ['a bold tag', 'a <b>bold</b> claim', '<p>a &lt;b&gt;bold&lt;/b&gt; claim</p>\n'],
  ])('shows %s written as raw HTML as escaped text', (_case, markdown, expected) => {
    const html = renderMarkdown(markdown);
    expect(html).toBe(expected);
    expect(html).not.toMatch(LIVE_EVENT_HANDLER);
  });

  it.each([
    ['javascript:', '[click](javascript:alert(1))'],
    ['mixed-case javascript:', '[click](JaVaScRiPt:alert(1))'],
    ['entity-encoded javascript:', '[click](javascript&#58;alert(1))'],
    ['data:', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['protocol-relative', '[click](//evil.example/x)'],
  ])('drops the target of a link (%s) and keeps its text', (_case, markdown) => {
    const html = renderMarkdown(markdown);
    expect(html).toBe(`<p><a ${SAFE_REL}>click</a></p>\n`);
    expect(html).not.toMatch(LIVE_DANGEROUS_HREF);
  });

  it.each([
    [
      'an https link',
      '[status](https://example.com/a?b=1)',
      `<p><a href="https://example.com/a?b=1" ${SAFE_REL}>status</a></p>\n`,
    ],
    ['an http link', '[old](http://example.com)', `<p><a href="http://example.com" ${SAFE_REL}>old</a></p>\n`],
    [
      'a mailto link',
      '[mail us](mailto:ops@example.com)',
      `<p><a href="mailto:ops@example.com" ${SAFE_REL}>mail us</a></p>\n`,
    ],
    [
      'a titled link',
      '[x](https://example.com "Docs")',
      `<p><a href="https://example.com" title="Docs" ${SAFE_REL}>x</a></p>\n`,
    ],
    [
      'an autolink',
      '<https://example.com>',
      `<p><a href="https://example.com" ${SAFE_REL}>https://example.com</a></p>\n`,
    ],
  ])('keeps %s with a safe rel', (_case, markdown, expected) => {
    expect(renderMarkdown(markdown)).toBe(expected);
  });

  it.each([
    [
      'headings below the page outline',
      '# One\n\n## Two\n\n### Three\n\n#### Four',
      '<h3>One</h3>\n<h4>Two</h4>\n<h3>Three</h3>\n<h4>Four</h4>\n',
    ],
    ['inline formatting', '**b** _i_ ~~d~~ `c`', '<p><strong>b</strong> <em>i</em> <del>d</del> <code>c</code></p>\n'],
    ['line breaks within a paragraph', 'line one\nline two', '<p>line one<br />line two</p>\n'],
    ['Windows line endings', 'line one\r\nline two', '<p>line one<br />line two</p>\n'],
    ['lists', '- a\n- b', '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n'],
    [
      'a table with alignment',
      '| a | b |\n|:-|-:|\n| 1 | 2 |',
      '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n</tr>\n</thead>\n<tbody><tr>\n<td align="left">1</td>\n<td align="right">2</td>\n</tr>\n</tbody></table>\n',
    ],
    ['control characters stripped, tab kept', 'a\u0000b\u0007c\u001Bd\u009Fe\tf', '<p>abcde\tf</p>\n'],
  ])('renders %s', (_case, markdown, expected) => {
    expect(renderMarkdown(markdown)).toBe(expected);
  });

  // Remote images are not embedded (tracking, layout); the alt text must still reach the reader.
  it('does not show a markdown image as literal tag text', () => {
    const html = renderMarkdown('Graph: ![latency graph](https://example.com/graph.png)');
    expect(html).not.toContain('&lt;img');
    expect(html).toBe(
      '<p>Graph: <a href="https://example.com/graph.png" rel="nofollow noopener noreferrer">latency graph</a></p>\n',
    );
  });
});

describe('markdownToText', () => {
  it.each([
    ['formatting removed', '**Degraded** API, see [the docs](https://example.com)', 'Degraded API, see the docs'],
    ['headings and paragraphs on their own lines', '# Update\n\nFirst.\n\n\n\nSecond.', 'Update\nFirst.\nSecond.'],
    ['list items on their own lines', '- one\n- two', 'one\ntwo'],
    ['characters that HTML escapes', 'a & b < c > d "q" it\'s', 'a & b < c > d "q" it\'s'],
    ['raw HTML as its text', 'we saw <b>errors</b>', 'we saw <b>errors</b>'],
    ['control characters stripped', 'ok\u0000ay', 'okay'],
    // Entities must be unescaped once only: "&lt;" written in the text stays "&lt;".
    ['a literal entity left as written', 'Type `&lt;` for <', 'Type &lt; for <'],
  ])('gives %s', (_case, markdown, expected) => {
    expect(markdownToText(markdown)).toBe(expected);
  });
});
