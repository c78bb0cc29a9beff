// A request budget per key (an alert source): at most `limit` requests in any `windowMs`,
// counted in memory by this process. Alertmanager groups alerts and retries with backoff, so
// a source that goes over is broken or abused; it is told when to come back.

/** Each alert source's budget: generous for a busy Alertmanager, small for a runaway script. */
export const ALERT_REQUESTS_PER_MINUTE = 600;

export class WindowLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts a request; the milliseconds to wait when over the budget, else 0. */
  take(key: string, now: number): number {
    const since = now - this.#windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.#limit) {
      this.#hits.set(key, hits);
      return Math.max(1, hits[0]! + this.#windowMs - now);
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return 0;
  }
}
