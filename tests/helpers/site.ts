import { eq, sql } from 'drizzle-orm';
import { mkdtemp, rm } from 'node:fs/promises';
import { incidents, incidentUpdates, siteState } from '../../src/db/schema.ts';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadAstroHandler, type AstroHandler } from '../../src/publish/astro-handler.ts';
import { localPublishGate } from '../../src/publish/coordinator.ts';
import { Publisher } from '../../src/publish/publisher.ts';
import { createServer } from 'node:http';
import { createServices } from '../../src/server/create-services.ts';
import { TrustedProxies } from '../../src/infra/client-address.ts';
import { createRequestListener } from '../../src/infra/http-server.ts';
import { silentLogger, type Logger } from '../../src/infra/log.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** The build under test: `dist`, or another build directory named by HERALD_DIST_DIR. */
export const DIST_DIR = path.resolve(import.meta.dirname, '../..', process.env.HERALD_DIST_DIR ?? 'dist');
export const SITE_URL = 'https://status.example.com';

let handler: Promise<AstroHandler> | undefined;
/** The built Astro handler (`npm test` builds before running vitest). */
export function builtHandler(): Promise<AstroHandler> {
  handler ??= loadAstroHandler(DIST_DIR);
  return handler;
}

export interface TestSite {
  database: TestDatabase;
  publisher: Publisher;
  dataDir: string;
  /** Base URL of the running server, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** A database, a publisher writing into a temporary data directory, and the server on a free port. */
export async function startTestSite(
  driver: 'pglite' | 'postgres',
  options: {
    handler?: AstroHandler;
    now?: () => Date;
    siteUrl?: string;
    appUrl?: string;
    port?: number;
    webhookSecret?: string;
    log?: Logger;
    trustedProxies?: string;
    secretsKey?: Buffer;
  } = {},
): Promise<TestSite> {
  const database = await createTestDatabase(driver);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-test-'));
  const astro = options.handler ?? (await builtHandler());
  const log = options.log ?? silentLogger;
  const publisher = new Publisher({
    db: database.db,
    handler: astro,
    dataDir,
    distDir: DIST_DIR,
    renderThread: false,
    siteUrl: options.siteUrl ?? SITE_URL,
    ...(options.appUrl ? { appUrl: options.appUrl } : {}),
    log,
    ...(options.now ? { now: options.now } : {}),
  });
  const services = createServices({
    db: database.db,
    publisher: localPublishGate(publisher),
    siteUrl: options.siteUrl ?? SITE_URL,
    ...(options.appUrl ? { appUrl: options.appUrl } : {}),
    log,
    ...(options.now ? { now: options.now } : {}),
    email: { resendApiKey: undefined, webhookSecret: options.webhookSecret },
    ...(options.secretsKey ? { secretsKey: options.secretsKey } : {}),
  });
  const server = createServer(
    createRequestListener({
      handler: astro,
      database,
      publisher,
      dataDir,
      log,
      services,
      trustedProxies: new TrustedProxies(options.trustedProxies),
    }),
  );
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    database,
    publisher,
    dataDir,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await publisher.close();
      await database.destroy().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new open incident with its first update, committed as a change (the revision moves). */
export async function addIncident(site: TestSite, at: Date, id: string, name: string): Promise<void> {
  await site.database.db.transaction(async (tx) => {
    await tx
      .insert(incidents)
      .values({ id, kind: 'incident', name, status: 'investigating', impact: 'minor', startedAt: at });
    await tx.insert(incidentUpdates).values({
      id: `u${id.slice(1)}`,
      incidentId: id,
      status: 'investigating',
      body: `Looking into ${name}.`,
      displayAt: at,
    });
    await tx
      .update(siteState)
      .set({ revision: sql`${siteState.revision} + 1` })
      .where(eq(siteState.id, 1));
  });
}
