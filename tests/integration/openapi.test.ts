import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const ROUTES_DIR = path.resolve(import.meta.dirname, '../../src/pages/api/admin/v1');

/** Every route file's path (as OpenAPI writes it) and the methods it exports. */
function routesOnDisk(): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const relative = path
        .relative(ROUTES_DIR, full)
        .replace(/\.ts$/, '')
        .replace(/(^|\/)index$/, '');
      const apiPath = `/${relative}`.replace(/\[(\w+)\]/g, '{$1}').replace(/\/$/, '') || '/';
      const methods = [...readFileSync(full, 'utf8').matchAll(/export const (GET|POST|PATCH|PUT|DELETE)\b/g)].map((m) =>
        m[1]!.toLowerCase(),
      );
      routes.set(apiPath, new Set(methods));
    }
  };
  walk(ROUTES_DIR);
  return routes;
}

describe('the OpenAPI document', () => {
  let site: TestSite;
  let document: {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: {
            content: {
              'application/json': { schema: { properties?: Record<string, unknown>; additionalProperties?: boolean } };
            };
          };
        }
      >
    >;
  };

  beforeAll(async () => {
    site = await startTestSite('pglite');
    const response = await fetch(`${site.url}/api/admin/v1/openapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });
  afterAll(() => site.close());

  it('is OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes exactly the routes and methods that exist', () => {
    const onDisk = routesOnDisk();
    const documented = new Map(Object.entries(document.paths).map(([p, ops]) => [p, new Set(Object.keys(ops))]));
    expect([...documented.keys()].sort()).toEqual([...onDisk.keys()].sort());
    for (const [apiPath, methods] of onDisk)
      expect([...documented.get(apiPath)!].sort(), apiPath).toEqual([...methods].sort());
  });

  it('describes request bodies with the fields the API accepts, and no others', () => {
    const create = document.paths['/incidents']!.post!.requestBody!.content['application/json'].schema;
    expect(Object.keys(create.properties!)).toEqual(
      expect.arrayContaining([
        'name',
        'status',
        'impact_override',
        'body',
        'components',
        'deliver_notifications',
        'scheduled_for',
      ]),
    );
    expect(create.additionalProperties).toBe(false);
  });
});
