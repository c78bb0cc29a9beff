// npm run user -- create --email lead@example.com --role editor [--name "Lead"] [--password ...]
// npm run user -- reset-password --email lead@example.com [--password ...]
// Without --password one is generated and printed. With a Herald server running on this
// data directory the server does it (it owns the embedded database).
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.ts';
import { loadConfig } from '../src/infra/config.ts';
import { readControlFile } from '../src/infra/control.ts';
import { errorBody } from '../src/infra/errors.ts';
import { runUserCommand, UserCommand } from '../src/server/users/user-commands.ts';

const USAGE =
  'usage: npm run user -- create --email EMAIL --role admin|editor|viewer [--name NAME] [--password PASSWORD]\n       npm run user -- reset-password --email EMAIL [--password PASSWORD]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
    },
  });
  const parsed = UserCommand.safeParse({ action: positionals[0], ...values });
  if (!parsed.success || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const control = readControlFile(config.dataDir);
  let result: { email: string; password: string; generated: boolean };
  if (control) {
    const response = await fetch(`${control.url}/_herald/user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(parsed.data),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error?.message ?? `the server answered ${response.status}`);
    result = body;
  } else {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      result = await runUserCommand(database.db, parsed.data, new Date());
    } finally {
      await database.close();
    }
  }
  const verb = parsed.data.action === 'create' ? 'created' : 'reset the password of';
  process.stdout.write(
    `${verb} ${result.email}${result.generated ? `; password: ${result.password}` : ''}\nsign in at ${config.siteUrl}/admin/login\n`,
  );
}

main().catch((error: unknown) => {
  const { body } = errorBody(error);
  const message =
    body.error.code === 'internal_error'
      ? error instanceof Error
        ? error.message
        : String(error)
      : body.error.message;
  process.stderr.write(`herald user: ${message}\n`);
  process.exit(1);
});
