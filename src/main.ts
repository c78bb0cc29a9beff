// Herald's process: opens the database, publishes the site, serves it and the admin.
// Run through `npm start` (builds first) or `npm run serve` (uses the existing build).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, withSetupLock, type DatabaseHandle } from './db/client.ts';
import { ensureSingletons, seedDemoIfEmpty } from './db/seed.ts';
import { loadAstroHandler } from './publish/astro-handler.ts';
import type { PgBoss } from 'pg-boss';
import { PublishCoordinator } from './publish/coordinator.ts';
import { startJobs } from './server/schedule/start-jobs.ts';
import { startDeliveryWorker, type DeliveryWorker } from './notify/delivery-worker.ts';
import { Publisher } from './publish/publisher.ts';
import { Distribution } from './publish/distribution.ts';
import { TargetMirror } from './publish/targets/mirror.ts';
import { randomBytes } from 'node:crypto';
import { users } from './db/schema.ts';
import { loadConfig, type Config } from './infra/config.ts';
import { seedDefaultTemplates } from './server/templates/manage-templates.ts';
import { ensureFirstAdmin } from './server/users/manage-users.ts';
import { createServices } from './server/create-services.ts';
import { runUserCommand, UserCommand } from './server/users/user-commands.ts';
import { createRequestListener, startingListener } from './infra/http-server.ts';
import { keepPublishedFiles } from './infra/static-files.ts';
import { siteRoot } from './publish/site-directory.ts';
import { createLogger } from './infra/log.ts';
import { removeControlFile, writeControlFile } from './infra/control.ts';
import { StartupError } from './infra/startup-error.ts';

const log = createLogger();

/** Creates the directory and proves it takes a file (access checks alone pass for root). */
function ensureWritableDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new StartupError(
      `the data directory ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); set HERALD_DATA_DIR to a writable directory`,
    );
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(new StartupError(`port ${port} on ${host} is already in use; stop the other process or set PORT`));
      else if (error.code === 'EACCES')
        reject(new StartupError(`not allowed to listen on port ${port}; choose a port above 1023 with PORT`));
      else reject(new StartupError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen(port, host, () => resolve());
  });
}

/**
 * The first admin: from HERALD_ADMIN_EMAIL/PASSWORD when no user exists; in demo mode a
 * generated one. Returns how to sign in, or undefined when users exist already.
 */
async function prepareFirstAdmin(database: DatabaseHandle, config: Config): Promise<string | undefined> {
  const now = new Date();
  if (config.firstAdmin) {
    const outcome = await ensureFirstAdmin(database.db, config.firstAdmin.email, config.firstAdmin.password, now);
    return outcome === 'created'
      ? `(sign in as ${config.firstAdmin.email} with HERALD_ADMIN_PASSWORD)`
      : '(sign in with your account)';
  }
  if (config.demo) {
    const password = randomBytes(12).toString('base64url');
    const outcome = await ensureFirstAdmin(database.db, 'admin@example.com', password, now);
    if (outcome === 'created') return `(demo: sign in as admin@example.com with password ${password})`;
  }
  const [anyUser] = await database.db.select({ id: users.id }).from(users).limit(1);
  return anyUser
    ? '(sign in with your account)'
    : '(no admin yet: set HERALD_ADMIN_EMAIL and HERALD_ADMIN_PASSWORD and restart, or run "npm run user -- create")';
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
  const distribution = new Distribution({
    mirrors: config.targets.map((target) => new TargetMirror({ target, log })),
    purgers: config.purgers,
    log,
  });
  const publisher = new Publisher({
    db: database.db,
    handler,
    dataDir: config.dataDir,
    distDir: config.distDir,
    siteUrl: config.siteUrl,
    appUrl: config.appUrl,
    log,
    // What a publish wrote is compressed into the file server's memory at once, and goes on to
    // the publish targets and CDN purges.
    onPublished: (files) => {
      void keepPublishedFiles(siteRoot(config.dataDir), files);
      if (distribution.active) distribution.published(files);
    },
  });

  const coordinator = new PublishCoordinator({ publisher, handle: database, log, dataDir: config.dataDir });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    server.close();
    server.closeIdleConnections();
    removeControlFile(config.dataDir);
    await mailer?.stop().catch(() => {});
    await jobs?.stop({ graceful: true, timeout: 5000 }).catch(() => {});
    await coordinator.stop();
    await publisher.close();
    await distribution.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  let admin: string | undefined;
  let jobs: PgBoss | undefined;
  let mailer: DeliveryWorker | undefined;
  try {
    // Instances started together take turns here, so each seed and the first admin happen once.
    admin = await withSetupLock(database, async () => {
      if (config.demo && (await seedDemoIfEmpty(database.db, new Date()))) log.info('seeded demo data (HERALD_DEMO)');
      await ensureSingletons(database.db);
      await seedDefaultTemplates(database.db, new Date());
      return prepareFirstAdmin(database, config);
    });
    await coordinator.start();
    jobs = await startJobs({ handle: database, gate: coordinator, log });
    mailer = await startDeliveryWorker({
      handle: database,
      boss: jobs,
      email: config.email,
      siteUrl: config.siteUrl,
      appUrl: config.appUrl,
      log,
    });
    const control = writeControlFile(config.dataDir, localUrl(server));
    server.removeListener('request', startingListener);
    const services = createServices({
      db: database.db,
      publisher: coordinator,
      siteUrl: config.siteUrl,
      appUrl: config.appUrl,
      log,
      email: config.email,
      secretsKey: config.secretsKey,
      ...(database.client.kind === 'postgres' ? { pingDatabase: database.ping } : {}),
      ...(distribution.active ? { distribution: () => distribution.status } : {}),
    });
    server.on(
      'request',
      createRequestListener({
        handler,
        database,
        publisher,
        dataDir: config.dataDir,
        log,
        controlToken: control.token,
        userCommand: (body) => runUserCommand(database.db, UserCommand.parse(body), new Date()),
        services,
        trustedProxies: config.trustedProxies,
      }),
    );
  } catch (error) {
    server.close();
    await database.close();
    throw error;
  }
  log.info(`Herald is running. Public status page: ${config.siteUrl}/`, {
    database: database.client.kind,
    data_dir: config.dataDir,
  });
  if (admin) log.info(`Admin: ${config.appUrl}/admin/ ${admin}`);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) log.error(`herald: ${error.message}`);
  else
    log.error(
      `herald: unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      process.env.HERALD_DEBUG ? { stack: (error as Error).stack } : {},
    );
  process.exit(1);
});
