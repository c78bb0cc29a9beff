import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Rules of the architecture, written as tests (after Cachet).

const SRC = path.resolve(import.meta.dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

/** Lines of logic in an Astro page's front matter: imports, comments and blank lines not counted. */
function frontMatterLogicLines(file: string): number {
  const frontMatter = readFileSync(file, 'utf8').match(/^---\n([\s\S]*?)\n---/)?.[1] ?? '';
  const code = frontMatter
    .replace(/^import\s[\s\S]*?\sfrom\s+['"][^'"]+['"];?[ \t]*$/gm, '')
    .replace(/^import\s+['"][^'"]+['"];?[ \t]*$/gm, '');
  return code.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//')).length;
}

// Admin pages that go through adminForm (src/server/forms/admin-form.ts): a loader and a table
// of actions, nothing more. Pages without a form action (index, audit, mailbox, incidents/index)
// and the sign-in page (its own flow) are not listed.
const ADMIN_FORM_PAGES = [
  'tokens',
  'users',
  'webhooks',
  'settings',
  'templates',
  'components',
  'subscribers',
  'incidents/new',
  'maintenances/new',
  'incidents/[id]',
].map((name) => path.join(SRC, 'pages', 'admin', `${name}.astro`));

describe('architecture', () => {
  it('keeps the domain pure: no database, network, file system or clock modules', () => {
    for (const file of filesUnder(path.join(SRC, 'domain'))) {
      for (const specifier of importsOf(file)) {
        expect(specifier, `${path.relative(SRC, file)} imports ${specifier}`).not.toMatch(
          /^(node:|drizzle-orm|postgres|@electric-sql|\.\.\/(db|server|publish|auth)\/)/,
        );
      }
      expect(readFileSync(file, 'utf8'), path.relative(SRC, file)).not.toMatch(/\bnew Date\(\)|Date\.now\(\)/);
    }
  });

  it('keeps lower layers from importing use cases: infrastructure, database, domain, publishing and notification code import nothing from src/server (types of the services aside)', () => {
    for (const layer of ['infra', 'db', 'domain', 'publish', 'notify']) {
      for (const file of filesUnder(path.join(SRC, layer))) {
        const text = readFileSync(file, 'utf8');
        const imports = [...text.matchAll(/^\s*import\s(type\s)?[^'"]*['"]([^'"]+)['"]/gm)].filter(
          ([, typeOnly, specifier]) => !typeOnly && specifier!.startsWith('.'),
        );
        for (const [, , specifier] of imports) {
          const target = path.resolve(path.dirname(file), specifier!);
          expect(path.relative(SRC, target), `${path.relative(SRC, file)} imports ${specifier}`).not.toMatch(
            /^server\//,
          );
        }
      }
    }
  });

  it("never lets Astro routes open their own database (they get the server's through locals)", () => {
    const routeFiles = [
      ...filesUnder(path.join(SRC, 'pages')),
      ...filesUnder(path.join(SRC, 'components')),
      ...filesUnder(path.join(SRC, 'layouts')),
    ];
    for (const file of routeFiles) {
      for (const specifier of importsOf(file))
        expect(specifier, path.relative(SRC, file)).not.toMatch(/db\/client(\.ts)?$/);
    }
  });

  it("never reads Astro's clientAddress (it believes the client's own X-Forwarded-For; Herald decides the address)", () => {
    for (const file of filesUnder(SRC)) {
      const text = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect(text, path.relative(SRC, file)).not.toMatch(
        /Astro\.clientAddress|\{[^}]*\bclientAddress\b[^}]*\}\s*(:\s*APIContext\s*)?\)\s*=>|context\.clientAddress/,
      );
    }
  });

  it('keeps admin API route handlers thin', () => {
    for (const file of filesUnder(path.join(SRC, 'pages', 'api', 'admin'))) {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      expect(lines, path.relative(SRC, file)).toBeLessThanOrEqual(40);
    }
  });

  it('keeps admin form pages thin: one adminForm call, no form data read by the page, at most 40 lines of front-matter logic', () => {
    for (const file of ADMIN_FORM_PAGES) {
      const text = readFileSync(file, 'utf8');
      const name = path.relative(SRC, file);
      expect(text, name).toMatch(/\bawait adminForm\(Astro,/);
      expect(text, name).not.toMatch(/Astro\.request\.formData\(/);
      expect(frontMatterLogicLines(file), name).toBeLessThanOrEqual(40);
    }
  });
});
