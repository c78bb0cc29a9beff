import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type postgres from 'postgres';
import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../server/log.ts';
import type { ChangeScope, PublishResult, PublishStatus, Publisher } from './publisher.ts';
import { readTreeRevision, siteRoot, treeRevisionFile } from './site-directory.ts';

// Several Herald instances may share one PostgreSQL and one site directory. Exactly one of
// them publishes: whoever holds a session advisory lock (PostgreSQL releases it when that
// instance's connection dies, so another takes over within seconds). Every committed
// change also sends a NOTIFY in its transaction; the publishing instance hears changes
// made through the others and publishes them at once. With the embedded database there
// is one process, and it always publishes.

export const PUBLISH_CHANNEL = 'herald_publish';
const LOCK_KEYS = [0x6865726c, 0x7075626c] as const; // "herl" "publ"

export interface PublishNotice {
  origin: string;
  scope: ChangeScope;
}

export interface PublishGate {
  readonly instanceId: string;
  readonly isLeader: boolean;
  readonly status: PublishStatus;
  /** Publishes the change here when this instance publishes; otherwise the leader does (null). */
  publishChange(scope: ChangeScope): Promise<PublishResult | null>;
}

export class PublishCoordinator implements PublishGate {
  readonly instanceId = randomUUID();
  readonly #publisher: Publisher;
  readonly #handle: DatabaseHandle;
  readonly #log: Logger;
  readonly #dataDir: string;
  readonly #pollMs: number;
  #leader = false;
  #connection: postgres.ReservedSql | null = null;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(options: { publisher: Publisher; handle: DatabaseHandle; log: Logger; dataDir: string; pollMs?: number }) {
    this.#publisher = options.publisher;
    this.#handle = options.handle;
    this.#log = options.log;
    this.#dataDir = options.dataDir;
    this.#pollMs = options.pollMs ?? 2000;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** This instance's publisher state if it publishes; otherwise what the shared site shows. */
  get status(): PublishStatus {
    if (this.#leader) return this.#publisher.status;
    const root = siteRoot(this.#dataDir);
    const revision = readTreeRevision(root);
    if (revision < 0) return this.#publisher.status;
    const publishedAt = statSync(treeRevisionFile(root), { throwIfNoEntry: false })?.mtime ?? null;
    return { revision, publishedAt, durationMs: null, error: null };
  }

  /** Takes the publisher role if free (a full publish follows), and keeps trying. */
  async start(): Promise<void> {
    if (this.#handle.client.kind === 'pglite') {
      this.#leader = true;
      await this.#publisher.publishAll();
      return;
    }
    const sql = this.#handle.client.sql;
    const listener = await sql.listen(PUBLISH_CHANNEL, (payload) => this.#onNotice(payload));
    this.#unlisten = () => listener.unlisten();
    await this.#campaign();
    if (!this.#leader) this.#log.info('another instance publishes the site; this one serves it and takes over if that one stops');
    this.#timer = setInterval(() => void this.#campaign(), this.#pollMs);
    this.#timer.unref();
  }

  async publishChange(scope: ChangeScope): Promise<PublishResult | null> {
    return this.#leader ? this.#publisher.publishChange(scope) : null;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unlisten?.().catch(() => {});
    if (this.#connection) {
      await this.#connection`select pg_advisory_unlock(${LOCK_KEYS[0]}, ${LOCK_KEYS[1]})`.catch(() => {});
      this.#connection.release();
      this.#connection = null;
    }
    this.#leader = false;
  }

  async #campaign(): Promise<void> {
    if (this.#handle.client.kind !== 'postgres') return;
    try {
      this.#connection ??= await this.#handle.client.sql.reserve();
      if (this.#leader) {
        await this.#connection`select 1`;
        return;
      }
      const [row] = await this.#connection`select pg_try_advisory_lock(${LOCK_KEYS[0]}, ${LOCK_KEYS[1]}) as locked`;
      if (row?.locked) {
        this.#leader = true;
        this.#log.info('this instance publishes the site now');
        // Changes may have been committed while nobody published.
        await this.#publisher.publishAll().catch(() => {});
      }
    } catch (error) {
      // Lost the connection, and with it the lock: someone else may publish now.
      if (this.#leader) this.#log.warn('lost the publisher lock', { error: String(error) });
      this.#leader = false;
      this.#connection?.release();
      this.#connection = null;
    }
  }

  #onNotice(payload: string): void {
    if (!this.#leader) return;
    try {
      const notice = JSON.parse(payload) as PublishNotice;
      if (notice.origin === this.instanceId) return; // published locally already
      this.#publisher.publishChange(notice.scope).catch(() => {});
    } catch {
      this.#log.warn('ignored a malformed publish notice');
    }
  }
}

/** A gate for a process that always publishes itself (tests, one-off commands). */
export function localPublishGate(publisher: Publisher): PublishGate {
  return {
    instanceId: `local-${randomUUID()}`,
    isLeader: true,
    get status() {
      return publisher.status;
    },
    publishChange: (scope) => publisher.publishChange(scope),
  };
}
