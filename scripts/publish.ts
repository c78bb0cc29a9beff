// `npm run publish`: a full publish on demand. With a Herald server running on this data
// directory the server does it (it owns the embedded database); otherwise this process does.
import path from 'node:path';
import { openDatabase } from '../src/db/client.ts';
import { loadAstroHandler } from '../src/publish/astro-handler.ts';
import { Publisher, type PublishResult } from '../src/publish/publisher.ts';
import { loadConfig } from '../src/infra/config.ts';
import { readControlFile } from '../src/infra/control.ts';
import { createLogger } from '../src/infra/log.ts';
import { StartupError } from '../src/infra/startup-error.ts';

const log = createLogger({ json: false, write: (line) => process.stderr.write(`${line}\n`) });

async function publishThroughServer(url: string, token: string): Promise<PublishResult> {
  const response = await fetch(`${url}/_herald/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as PublishResult & { error?: { message: string } };
  if (!response.ok)
    throw new StartupError(`the running server could not publish: ${body.error?.message ?? response.status}`);
  return body;
}

async function publishHere(): Promise<PublishResult> {
  const config = loadConfig();
  const handler = await loadAstroHandler(config.distDir);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const publisher = new Publisher({
      db: database.db,
      handler,
      dataDir: config.dataDir,
      distDir: config.distDir,
      siteUrl: config.siteUrl,
      log,
    });
    try {
      return await publisher.publishAll();
    } finally {
      await publisher.close();
    }
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const control = readControlFile(config.dataDir);
  const result = control
    ? await publishThroughServer(control.url, control.token).catch((error: unknown) => {
        // A control file left by a server that died: publish here instead.
        if (error instanceof TypeError) return publishHere();
        throw error;
      })
    : await publishHere();
  process.stdout.write(
    `published revision ${result.revision}: ${result.files} files into ${path.relative(process.cwd(), result.directory) || result.directory} in ${result.durationMs} ms${control ? ' (by the running server)' : ''}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`herald publish: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
