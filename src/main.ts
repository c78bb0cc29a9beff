// Herald's process: opens the database, publishes the site, serves it and the admin.
// Run through `npm start` (builds first) or `npm run serve` (uses the existing build).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import { ensureSingletons, seedDemoIfEmpty } from './db/seed.ts';
import { loadAstroHandler } from './publish/astro-handler.ts';
import { Publisher } from './publish/publisher.ts';
import { loadConfig } from './server/config.ts';
import { createRequestListener, startingListener } from './server/http-server.ts';
import { createLogger } from './server/log.ts';
import { removeControlFile, writeControlFile } from './server/control.ts';
import { StartupError } from './server/startup-error.ts';

const log = createLogger();

/** Creates the directory and proves it takes a file (access checks alone pass for root). */
function ensureWritableDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new StartupError(`the data directory ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); set HERALD_DATA_DIR to a writable directory`);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new StartupError(`port ${port} on ${host} is already in use; stop the other process or set PORT`));
      else if (error.code === 'EACCES') reject(new StartupError(`not allowed to listen on port ${port}; choose a port above 1023 with PORT`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen(port, host, () => resolve());
  });
}

/** How a command on this machine reaches the server, whatever interface it listens on. */
function localUrl(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  ensureWritableDirectory(config.dataDir);
  const handler = await loadAstroHandler(config.distDir);
  // Bind first: a taken port is reported before any slow work, and visitors get a 503 meanwhile.
  const server = createServer(startingListener);
  await listen(server, config.port, config.host);
  let database: DatabaseHandle;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    server.close();
    throw error;
  }
  const publisher = new Publisher({
    db: database.db,
    handler,
    dataDir: config.dataDir,
    distDir: config.distDir,
    siteUrl: config.siteUrl,
    log,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    server.close();
    server.closeIdleConnections();
    removeControlFile(config.dataDir);
    await publisher.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    if (config.demo && (await seedDemoIfEmpty(database.db, new Date()))) log.info('seeded demo data (HERALD_DEMO)');
    await ensureSingletons(database.db);
    await publisher.publishAll();
    const control = await writeControlFile(config.dataDir, localUrl(server));
    server.removeListener('request', startingListener);
    server.on('request', createRequestListener({ handler, database, publisher, dataDir: config.dataDir, log, controlToken: control.token }));
  } catch (error) {
    server.close();
    await database.close();
    throw error;
  }
  log.info(`Herald is running. Public status page: ${config.siteUrl}/`, { database: database.driver, data_dir: config.dataDir });
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) log.error(`herald: ${error.message}`);
  else log.error(`herald: unexpected error: ${error instanceof Error ? error.message : String(error)}`, process.env.HERALD_DEBUG ? { stack: (error as Error).stack } : {});
  process.exit(1);
});
