import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

// One renderer for update bodies and postmortems, shared by the page, the feeds and the
// emails. Markdown is parsed without raw HTML, then an allow-list sanitizer has the last word.

const marked = new Marked({ gfm: true, breaks: true, async: false });
marked.use({
  renderer: {
    // Raw HTML in markdown is shown as text, never interpreted.
    html: ({ text }) => escapeHtml(text),
    // No remote images: they would track readers and break the page's look. Link instead.
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
  },
});

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], td: ['align'], th: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    // Headings inside an update must not outrank the page's own outline.
    h1: 'h3',
    h2: 'h4',
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }),
  },
  disallowedTagsMode: 'escape',
};

// C0 and C1 controls except tab and newline; they break XML feeds and can hide text.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

export function stripControlCharacters(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '');
}

// Sanitizing dominates page rendering, and publishes re-render the same bodies again and
// again; the output depends on the text alone, so it is remembered (bounded, oldest out).
const rendered = new Map<string, string>();
const RENDER_CACHE_SIZE = 2_000;

export function renderMarkdown(markdown: string): string {
  const cached = rendered.get(markdown);
  if (cached !== undefined) return cached;
  const html = sanitizeHtml(marked.parse(stripControlCharacters(markdown)) as string, SANITIZE_OPTIONS);
  if (rendered.size >= RENDER_CACHE_SIZE) rendered.delete(rendered.keys().next().value!);
  rendered.set(markdown, html);
  return html;
}

/** The text of a markdown body with formatting removed, for plain-text emails and summaries. */
export function markdownToText(markdown: string): string {
  return sanitizeHtml(renderMarkdown(markdown), { allowedTags: [], allowedAttributes: {} })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&') // last, so "&amp;lt;" becomes "&lt;" and not "<"
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
