// Login throttling: after a few failures, each further attempt for the same account or
// from the same address must wait, doubling up to a cap. Kept in memory: one process
// answers for its own attempts (with several instances each throttles on its own).

const FREE_FAILURES = 5;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();

  /** Milliseconds the caller must wait before trying any of `keys`, 0 if none. */
  retryAfter(keys: readonly string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry) wait = Math.max(wait, entry.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  recordFailure(keys: readonly string[], now: number): void {
    this.#forgetOld(now);
    for (const key of keys) {
      const entry = this.#entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures += 1;
      entry.lastFailure = now;
      if (entry.failures >= FREE_FAILURES) {
        entry.blockedUntil = now + Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (entry.failures - FREE_FAILURES));
      }
      this.#entries.set(key, entry);
    }
  }

  recordSuccess(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
  }

  #forgetOld(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [key, entry] of this.#entries) if (now - entry.lastFailure > FORGET_AFTER_MS) this.#entries.delete(key);
  }
}
