import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

// A TCP proxy on 127.0.0.1 between Herald and PostgreSQL that a test can cut and restore:
// a cut resets every open connection and refuses new ones (what a failover, a restart or
// a broken network looks like from the client), without touching the shared server.

export interface TcpProxy {
  port: number;
  /** Resets every connection through the proxy and refuses new ones until restore(). */
  cut(): void;
  /** Closes every open connection in order (FIN, not a reset), as a server shutting down does. */
  drop(): void;
  /**
   * Stops forwarding without a word, as a network that drops packets does: open
   * connections and new ones are held, nothing arrives, nobody is told. restore() resets
   * what was held (the client reconnects) and forwards again.
   */
  stall(): void;
  restore(): void;
  /** Connections accepted and forwarded so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const held = new Set<Socket>();
  let isCut = false;
  let isStalled = false;
  let connections = 0;
  const server = createServer((client) => {
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    if (isStalled) {
      held.add(client);
      client.on('error', () => {});
      return;
    }
    connections += 1;
    const upstream = createConnection(target);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    drop() {
      for (const socket of open) socket.end();
    },
    stall() {
      isStalled = true;
      for (const socket of open) {
        socket.unpipe();
        socket.pause();
        held.add(socket);
      }
      open.clear();
    },
    restore() {
      isCut = false;
      isStalled = false;
      for (const socket of held) socket.resetAndDestroy();
      held.clear();
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of [...open, ...held]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
