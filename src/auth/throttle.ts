import { limitKey } from '../infra/client-address.ts';

// Login throttling. Failed sign-ins are counted under three keys; each allows some failures,
// then makes further attempts wait, doubling from 1 s up to its cap:
// - the email as typed and the client address: 5 failures, waits up to 15 min. This is what
//   stops a guesser, and it is the same whether or not the account exists;
// - the client address, whatever the email: 20 failures, waits up to 15 min (one address
//   trying many accounts);
// - the email, from every address together: 50 failures, waits of at most 1 min. A ceiling on
//   guessing spread over many addresses that a stranger cannot turn into a lockout: the waits
//   it imposes stay short, and it does not apply from an address the account signed in from
//   in the last 30 days, so the owner at a familiar address is never held by strangers.
// An attempt takes its slot under every key synchronously, before the password is checked:
// once the failures plus the attempts still in flight reach a key's allowance, further
// attempts are refused (429) without a password check until those settle and the wait has
// passed, and then they go one at a time. So 30 parallel guesses cost at most 5 checks.
// Failures are forgotten an hour after the last one. Kept in memory: each instance throttles
// the attempts it answers (with several instances behind a balancer, each allows as much).

const BASE_DELAY_MS = 1_000;
const FORGET_AFTER_MS = 60 * 60_000;
const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60_000;
const MAX_KNOWN_ADDRESSES = 20;

interface ThrottleKey {
  key: string;
  /** Failures allowed before waits begin. */
  free: number;
  maxDelayMs: number;
}

interface Entry {
  failures: number;
  inFlight: number;
  blockedUntil: number;
  lastFailure: number;
}

/** One attempt's slot; settling it more than once does nothing. */
export interface LoginAttempt {
  /** The password was wrong or the account unknown. */
  failed(now: number): void;
  succeeded(now: number): void;
  /** Neither: the check did not happen (an error). Frees the slot without counting. */
  abandon(): void;
}

export type Admission = { admitted: true; attempt: LoginAttempt } | { admitted: false; retryAfterMs: number };

const isStale = (entry: Entry, now: number) => entry.inFlight === 0 && now - entry.lastFailure > FORGET_AFTER_MS;
const delay = (key: ThrottleKey, excess: number) => Math.min(key.maxDelayMs, BASE_DELAY_MS * 2 ** Math.min(excess, 30));

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  /** email -> client address -> last successful sign-in from it. */
  readonly #knownAddresses = new Map<string, Map<string, number>>();
  #lastSweep = 0;

  /**
   * Takes a slot for signing in as `email` from `address`, or says how long to wait. Call it before awaiting anything.
   */
  admit(email: string, clientAddress: string, now: number): Admission {
    const address = limitKey(clientAddress);
    // A full sweep at most once a minute, and only when there is much to forget: it is O(entries).
    if ((this.#entries.size >= 10_000 || this.#knownAddresses.size >= 10_000) && now - this.#lastSweep > 60_000)
      this.#forgetOld(now);
    const keys = this.#keysFor(email, address, now);
    for (const { key } of keys) {
      const entry = this.#entries.get(key);
      if (entry && isStale(entry, now)) this.#entries.delete(key);
    }
    let wait = 0;
    for (const key of keys) wait = Math.max(wait, this.#waitFor(key, now));
    if (wait > 0) return { admitted: false, retryAfterMs: wait };
    for (const key of keys) this.#entry(key.key, now).inFlight += 1;
    let settled = false;
    const settle = (outcome: (key: ThrottleKey, entry: Entry) => void) => {
      if (settled) return;
      settled = true;
      for (const key of keys) {
        const entry = this.#entries.get(key.key);
        if (!entry) continue;
        entry.inFlight -= 1;
        outcome(key, entry);
      }
    };
    return {
      admitted: true,
      attempt: {
        failed: (at) =>
          settle((key, entry) => {
            entry.failures += 1;
            entry.lastFailure = at;
            if (entry.failures >= key.free) entry.blockedUntil = at + delay(key, entry.failures - key.free);
          }),
        // The owner's own key starts afresh; the others keep counting (a success proves nothing about other accounts,
        // or about guesses from elsewhere).
        succeeded: (at) =>
          settle((key, entry) => {
            if (key !== keys[0]) return;
            entry.failures = 0;
            entry.blockedUntil = 0;
            if (entry.inFlight === 0) this.#entries.delete(key.key);
            this.#remember(email, address, at);
          }),
        abandon: () => settle(() => {}),
      },
    };
  }

  #keysFor(email: string, address: string, now: number): ThrottleKey[] {
    const keys: ThrottleKey[] = [
      { key: `pair:${email}\n${address}`, free: 5, maxDelayMs: 15 * 60_000 },
      { key: `address:${address}`, free: 20, maxDelayMs: 15 * 60_000 },
    ];
    const known = this.#knownAddresses.get(email)?.get(address);
    if (known === undefined || now - known > KNOWN_ADDRESS_MS)
      keys.push({ key: `email:${email}`, free: 50, maxDelayMs: 60_000 });
    return keys;
  }

  #waitFor(key: ThrottleKey, now: number): number {
    const entry = this.#entries.get(key.key);
    if (!entry) return 0;
    const used = entry.failures + entry.inFlight;
    if (now >= entry.blockedUntil && (used < key.free || entry.inFlight === 0)) return 0;
    // Refused while attempts are in flight: the wait they will cause if they all fail.
    const pending = entry.inFlight > 0 && used >= key.free ? delay(key, used - key.free) : 0;
    return Math.max(entry.blockedUntil - now, pending, 1);
  }

  #entry(key: string, now: number): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { failures: 0, inFlight: 0, blockedUntil: 0, lastFailure: now };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #remember(email: string, address: string, now: number): void {
    const addresses = this.#knownAddresses.get(email) ?? new Map<string, number>();
    addresses.delete(address);
    addresses.set(address, now);
    // Maps iterate in insertion order: the first is the longest unused.
    if (addresses.size > MAX_KNOWN_ADDRESSES) addresses.delete(addresses.keys().next().value!);
    this.#knownAddresses.set(email, addresses);
  }

  #forgetOld(now: number): void {
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) if (isStale(entry, now)) this.#entries.delete(key);
    for (const [email, addresses] of this.#knownAddresses) {
      for (const [address, at] of addresses) if (now - at > KNOWN_ADDRESS_MS) addresses.delete(address);
      if (addresses.size === 0) this.#knownAddresses.delete(email);
    }
  }
}
