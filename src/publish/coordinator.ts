import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import postgres from 'postgres';
import { reconnectDelaySeconds, type DatabaseHandle } from '../db/client.ts';
import { listenWithReconnect, type Listening } from '../db/listen.ts';
import { siteState } from '../db/schema.ts';
import type { Logger } from '../infra/log.ts';
import type { ChangeScope, PublishResult, PublishStatus, Publisher } from './publisher.ts';
import { readTreeRevision, siteRoot, treeRevisionFile } from './site-directory.ts';

// Several Herald instances may share one PostgreSQL and one site directory. Exactly one of
// them publishes: whoever holds a session advisory lock (PostgreSQL releases it when that
// instance's connection dies, so another takes over within seconds). Every committed
// change also sends a NOTIFY in its transaction; the publishing instance hears changes
// made through the others and publishes them at once. With the embedded database there
// is one process, and it always publishes.
//
// The lock is held on a client of its own with one connection, never on a reserved
// connection of the pool: in postgres.js a reserved connection whose backend died throws
// where no caller can catch it (porsager/postgres#1208), and a pooled query could run on
// another backend, which does not hold the lock. When that connection dies, the lock is
// gone; the client is thrown away and a new one campaigns again.

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

/**
 * A network that drops packets would hold a lock query until TCP gives up, minutes later,
 * and with it every later campaign; past this deadline the lock counts as lost (the catch
 * drops the client, and with it the connection that held it).
 */
const LOCK_QUERY_DEADLINE_MS = 5_000;
function withinLockDeadline<T>(query: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('the lock connection did not answer within 5 seconds')),
      LOCK_QUERY_DEADLINE_MS,
    );
  });
  query.catch(() => {}); // settles later, when the dropped client gives up
  return Promise.race([query, deadline]).finally(() => clearTimeout(timer));
}

export class PublishCoordinator implements PublishGate {
  readonly instanceId = randomUUID();
  readonly #publisher: Publisher;
  readonly #handle: DatabaseHandle;
  readonly #log: Logger;
  readonly #dataDir: string;
  readonly #pollMs: number;
  #leader = false;
  #lockClient: postgres.Sql | null = null;
  #campaigning = false;
  #publishedOnce = false;
  /** A catch-up that could not read the revision (the database went away again): the heartbeat tries again. */
  #catchUpDue = false;
  #timer: NodeJS.Timeout | undefined;
  #listening: Listening | null = null;

  constructor(options: {
    publisher: Publisher;
    handle: DatabaseHandle;
    log: Logger;
    dataDir: string;
    pollMs?: number;
  }) {
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
    return { revision, publishedAt, durationMs: null, error: null, backlog: 0 };
  }

  /** Takes the publisher role if free (a full publish follows), and keeps trying. */
  async start(): Promise<void> {
    if (this.#handle.client.kind === 'pglite') {
      this.#leader = true;
      await this.#publisher.publishAll();
      return;
    }
    this.#listening = await listenWithReconnect(
      this.#handle,
      PUBLISH_CHANNEL,
      (payload) => this.#onNotice(payload),
      (reconnected) => {
        if (!reconnected) return;
        // The database is back. Notices sent while this instance was not listening are lost:
        // the publisher catches up; any other instance campaigns now rather than at its next poll.
        if (this.#leader) void this.#catchUp();
        else void this.#campaign();
      },
    );
    await this.#campaign();
    if (!this.#leader)
      this.#log.info('another instance publishes the site; this one serves it and takes over if that one stops');
    this.#timer = setInterval(() => void this.#campaign(), this.#pollMs);
    this.#timer.unref();
  }

  async publishChange(scope: ChangeScope): Promise<PublishResult | null> {
    if (this.#leader) return this.#publisher.publishChange(scope);
    // Nobody may be publishing (the leader lost its lock in an outage): campaign now; a
    // winner's full publish includes this change.
    void this.#campaign();
    return null;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#listening?.stop();
    this.#leader = false;
    // Ending the lock's connection releases the lock.
    await this.#lockClient?.end({ timeout: 1 }).catch(() => {});
    this.#lockClient = null;
  }

  async #campaign(): Promise<void> {
    if (this.#handle.client.kind !== 'postgres' || this.#campaigning) return;
    this.#campaigning = true;
    try {
      this.#lockClient ??= postgres(this.#handle.client.url, {
        max: 1,
        idle_timeout: 0,
        max_lifetime: null, // a connection recycled by age would take the lock with it
        connect_timeout: 5,
        backoff: reconnectDelaySeconds,
        fetch_types: false,
        onnotice: () => {},
      });
      const lock = this.#lockClient;
      if (this.#leader) {
        // The client reconnects by itself after a lost connection, on a backend without the lock.
        const [row] = await withinLockDeadline(
          lock`select exists (select 1 from pg_locks where locktype = 'advisory' and classid::int8 = ${LOCK_KEYS[0]} and objid::int8 = ${LOCK_KEYS[1]} and objsubid = 2 and pid = pg_backend_pid() and granted) as held`,
        );
        if (!row?.held) throw new Error('the connection holding the lock was lost');
        if (this.#catchUpDue) await this.#catchUp();
        return;
      }
      const [row] = await withinLockDeadline(
        lock`select pg_try_advisory_lock(${LOCK_KEYS[0]}, ${LOCK_KEYS[1]}) as locked`,
      );
      if (row?.locked) {
        this.#leader = true;
        this.#log.info('this instance publishes the site now');
        await this.#catchUp();
      }
    } catch (error) {
      // Lost the connection, and with it the lock: someone else may publish now.
      if (this.#leader)
        this.#log.warn('lost the publisher lock', { error: error instanceof Error ? error.message : String(error) });
      this.#leader = false;
      const lock = this.#lockClient;
      this.#lockClient = null;
      void lock?.end({ timeout: 0 }).catch(() => {});
    } finally {
      this.#campaigning = false;
    }
  }

  /**
   * Changes may have been committed while nobody here published or listened: publish
   * everything. When this instance published before (it took the lock back after a
   * database outage, say) and the revision is still the one it last published, nothing
   * was, and its snapshot is current: no full publish.
   */
  async #catchUp(): Promise<void> {
    this.#catchUpDue = false;
    try {
      // A change publish under way moves the revision it holds (a site-wide sweep in the
      // background does not, and may take a minute).
      await this.#publisher.idle({ sweep: false });
      const [state] = await this.#handle.db.select({ revision: siteState.revision }).from(siteState).limit(1);
      const status = this.#publisher.status;
      const current = this.#publishedOnce && !status.error && state?.revision === status.revision;
      this.#publishedOnce = true;
      // A failed publish is retried by the publisher itself (with backoff).
      if (!current) await this.#publisher.publishAll().catch(() => {});
    } catch (error) {
      this.#catchUpDue = true;
      this.#log.warn('could not catch up with the database yet; trying again', {
        error: error instanceof Error ? error.message : String(error),
      });
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
