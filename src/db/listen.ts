import postgres from 'postgres';
import { reconnectDelaySeconds, type DatabaseHandle } from './client.ts';

// LISTEN that outlives the database. postgres.js's own sql.listen() re-subscribes after a
// lost connection once, and drops the listener silently when that attempt fails (the
// database still down): after an outage longer than a reconnect, notices would never
// arrive again. Here each listener owns one connection and keeps re-opening it, with
// backoff, until it is stopped; `onReady` runs after every LISTEN took effect, so the
// caller can catch up on what was sent while nobody listened.

export interface Listening {
  stop(): Promise<void>;
}

export async function listenWithReconnect(
  handle: DatabaseHandle,
  channel: string,
  onNotice: (payload: string) => void,
  onReady: (reconnected: boolean) => void = () => {},
): Promise<Listening> {
  if (handle.client.kind === 'pglite') {
    const unlisten = await handle.client.pglite.listen(channel, onNotice);
    onReady(false);
    return { stop: () => unlisten() };
  }
  const url = handle.client.url;
  let client: postgres.Sql | null = null;
  let stopped = false;
  let failures = 0;
  let listenedOnce = false;
  let timer: NodeJS.Timeout | undefined;

  const retry = (sql: postgres.Sql) => {
    if (client !== sql) return; // this connection was given up already
    client = null;
    void sql.end({ timeout: 0 }).catch(() => {});
    if (stopped) return;
    failures += 1;
    timer = setTimeout(() => void connect(), reconnectDelaySeconds(failures) * 1000);
    timer.unref();
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    // onnotify is the option postgres.js's own listen() is built on; its types leave it out.
    const onnotify = (name: string, payload: string) => name === channel && onNotice(payload);
    const sql: postgres.Sql = postgres(url, {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      connect_timeout: 5,
      backoff: reconnectDelaySeconds,
      fetch_types: false,
      onnotice: () => {},
      onclose: () => retry(sql),
      ...({ onnotify } as object),
    });
    client = sql;
    try {
      await sql.unsafe(`listen "${channel.replace(/"/g, '""')}"`);
      if (client !== sql) return;
      failures = 0;
      const reconnected = listenedOnce;
      listenedOnce = true;
      onReady(reconnected);
    } catch {
      retry(sql);
    }
  };

  await connect();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      const sql = client;
      client = null;
      await sql?.end({ timeout: 1 }).catch(() => {});
    },
  };
}
