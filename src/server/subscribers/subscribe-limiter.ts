import { limitKey } from '../../infra/client-address.ts';

// Subscription bombing: each address gets a few requests an hour (more are accepted and
// silently dropped: the answer must not tell an address's state; the confirmation emails
// themselves are capped per address and day in requestSubscription), each client address a
// few more an hour and a ceiling a day (more are refused with 429). Kept in memory, per
// instance, like the login throttle.

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

export class SubscribeLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly perAddress: number;
  readonly perIp: number;
  readonly perIpPerDay: number;

  constructor(options: { perAddress?: number; perIp?: number; perIpPerDay?: number } = {}) {
    this.perAddress = options.perAddress ?? 3;
    this.perIp = options.perIp ?? 10;
    this.perIpPerDay = options.perIpPerDay ?? 50;
  }

  /** Records a request; says which limit, if any, it is over. */
  check(email: string, ip: string, now: number): { ipBlockedForMs: number; addressOverLimit: boolean } {
    if (this.#hits.size > 50_000) this.#forget(now);
    const ipHits = this.#recent(`ip:${limitKey(ip)}`, now, DAY_MS);
    const lastHour = ipHits.filter((t) => now - t < HOUR_MS);
    if (lastHour.length >= this.perIp) return { ipBlockedForMs: lastHour[0]! + HOUR_MS - now, addressOverLimit: false };
    if (ipHits.length >= this.perIpPerDay)
      return { ipBlockedForMs: ipHits[ipHits.length - this.perIpPerDay]! + DAY_MS - now, addressOverLimit: false };
    ipHits.push(now);
    const addressHits = this.#recent(`email:${email}`, now, HOUR_MS);
    addressHits.push(now);
    return { ipBlockedForMs: 0, addressOverLimit: addressHits.length > this.perAddress };
  }

  #recent(key: string, now: number, window: number): number[] {
    const hits = (this.#hits.get(key) ?? []).filter((t) => now - t < window);
    this.#hits.set(key, hits);
    return hits;
  }

  #forget(now: number): void {
    for (const [key, hits] of this.#hits) if (hits.every((t) => now - t >= DAY_MS)) this.#hits.delete(key);
  }
}
