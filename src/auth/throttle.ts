// Login throttling: after a few failures, each further attempt for the same account or
// from the same address must wait, doubling up to a cap. An address gets more free
// failures than an account (many people may share one office address). Kept in memory:
// one process answers for its own attempts (with several instances each throttles alone).

export interface ThrottleKey {
  key: string;
  /** Failures allowed before waits begin. */
  free: number;
}

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
  retryAfter(keys: readonly ThrottleKey[], now: number): number {
    let wait = 0;
    for (const { key } of keys) {
      const entry = this.#entries.get(key);
      if (entry) wait = Math.max(wait, entry.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  recordFailure(keys: readonly ThrottleKey[], now: number): void {
    this.#forgetOld(now);
    for (const { key, free } of keys) {
      const entry = this.#entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures += 1;
      entry.lastFailure = now;
      if (entry.failures >= free) {
        entry.blockedUntil = now + Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (entry.failures - free));
      }
      this.#entries.set(key, entry);
    }
  }

  recordSuccess(keys: readonly ThrottleKey[]): void {
    for (const { key } of keys) this.#entries.delete(key);
  }

  #forgetOld(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [key, entry] of this.#entries) if (now - entry.lastFailure > FORGET_AFTER_MS) this.#entries.delete(key);
  }
}
