// Subscription bombing: each address gets a few requests an hour (more are accepted and
// silently dropped: the answer must not tell an address's state), each client address a
// few more (more are refused with 429). Kept in memory, per instance, like the login throttle.

const WINDOW_MS = 60 * 60_000;

export class SubscribeLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly perAddress: number;
  readonly perIp: number;

  constructor(options: { perAddress?: number; perIp?: number } = {}) {
    this.perAddress = options.perAddress ?? 3;
    this.perIp = options.perIp ?? 10;
  }

  /** Records a request; says which limit, if any, it is over. */
  check(email: string, ip: string, now: number): { ipBlockedForMs: number; addressOverLimit: boolean } {
    if (this.#hits.size > 50_000) this.#forget(now);
    const ipHits = this.#recent(`ip:${ip}`, now);
    if (ipHits.length >= this.perIp) return { ipBlockedForMs: ipHits[0]! + WINDOW_MS - now, addressOverLimit: false };
    ipHits.push(now);
    const addressHits = this.#recent(`email:${email}`, now);
    addressHits.push(now);
    return { ipBlockedForMs: 0, addressOverLimit: addressHits.length > this.perAddress };
  }

  #recent(key: string, now: number): number[] {
    const hits = (this.#hits.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    this.#hits.set(key, hits);
    return hits;
  }

  #forget(now: number): void {
    for (const [key, hits] of this.#hits) if (hits.every((t) => now - t >= WINDOW_MS)) this.#hits.delete(key);
  }
}
