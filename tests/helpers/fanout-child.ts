// A delivery worker in its own process, for the crash test: opens the database named by
// DATABASE_URL (or the PGlite directory HERALD_DATA_DIR), sends every due batch to the
// Resend at RESEND_BASE_URL, waits for leased batches to fall due, prints "drained", exits.
import { openDatabase } from '../../src/db/client.ts';
import { drainDeliveries, nextDueAt } from '../../src/notify/email-outbox.ts';
import { resendTransport } from '../../src/notify/transport.ts';
import { silentLogger } from '../../src/infra/log.ts';

const handle = await openDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HERALD_DATA_DIR ?? '/nonexistent',
});
process.stdout.write('ready\n');
const options = {
  db: handle.db,
  transport: resendTransport({ apiKey: 're_test', baseUrl: process.env.RESEND_BASE_URL! }),
  siteUrl: 'https://status.example.com',
  from: 'Status <status@example.com>',
  log: silentLogger,
  leaseMs: Number(process.env.LEASE_MS ?? 1000),
  concurrency: Number(process.env.CONCURRENCY ?? 2),
};
for (;;) {
  await drainDeliveries(options);
  const due = await nextDueAt(handle.db);
  if (!due) break;
  await new Promise((r) => setTimeout(r, Math.max(20, due.getTime() - Date.now())));
}
process.stdout.write('drained\n');
await handle.close();
process.exit(0);
