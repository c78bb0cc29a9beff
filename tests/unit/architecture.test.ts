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

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('architecture', () => {
  it('keeps the domain pure: no database, network, file system or clock modules', () => {
    for (const file of filesUnder(path.join(SRC, 'domain'))) {
      for (const specifier of importsOf(file)) {
        expect(specifier, `${path.relative(SRC, file)} imports ${specifier}`).not.toMatch(/^(node:|drizzle-orm|postgres|@electric-sql|\.\.\/(db|server|publish|auth)\/)/);
      }
      expect(readFileSync(file, 'utf8'), path.relative(SRC, file)).not.toMatch(/\bnew Date\(\)|Date\.now\(\)/);
    }
  });

  it('never lets Astro routes open their own database (they get the server\'s through locals)', () => {
    const routeFiles = [...filesUnder(path.join(SRC, 'pages')), ...filesUnder(path.join(SRC, 'components')), ...filesUnder(path.join(SRC, 'layouts'))];
    for (const file of routeFiles) {
      for (const specifier of importsOf(file)) expect(specifier, path.relative(SRC, file)).not.toMatch(/db\/client(\.ts)?$/);
    }
  });

  it("never reads Astro's clientAddress (it believes the client's own X-Forwarded-For; Herald decides the address)", () => {
    for (const file of filesUnder(SRC)) {
      const text = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect(text, path.relative(SRC, file)).not.toMatch(/Astro\.clientAddress|\{[^}]*\bclientAddress\b[^}]*\}\s*(:\s*APIContext\s*)?\)\s*=>|context\.clientAddress/);
    }
  });

  it('keeps admin API route handlers thin', () => {
    for (const file of filesUnder(path.join(SRC, 'pages', 'api', 'admin'))) {
      const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
      expect(lines, path.relative(SRC, file)).toBeLessThanOrEqual(40);
    }
  });
});
