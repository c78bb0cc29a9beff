import { describe, expect, it } from 'vitest';
import { LoginThrottle, type Admission } from '../../src/auth/throttle.ts';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const admitted = (a: Admission) => {
  if (!a.admitted) throw new Error(`refused for ${a.retryAfterMs} ms`);
  return a.attempt;
};
/** `count` wrong guesses one after another, each as soon as it is allowed; returns the time after the last. */
function failInTurn(throttle: LoginThrottle, email: string, address: string, count: number, start: number): number {
  let now = start;
  for (let i = 0; i < count; i++) {
    let admission = throttle.admit(email, address, now);
    if (!admission.admitted) {
      now += admission.retryAfterMs;
      admission = throttle.admit(email, address, now);
    }
    admitted(admission).failed(now);
  }
  return now;
}

describe('the login throttle', () => {
  it('counts an IPv6 client by its /64: fresh addresses from one network share its limit', () => {
    const throttle = new LoginThrottle();
    for (let i = 1; i <= 5; i++)
      admitted(throttle.admit('ada@example.com', `2001:db8:1:2::${i.toString(16)}`, T0)).failed(T0);
    expect(throttle.admit('ada@example.com', '2001:db8:1:2:ffff:ffff:ffff:ffff', T0 + 100).admitted).toBe(false);
    // The next /64 is another client.
    expect(throttle.admit('ada@example.com', '2001:db8:1:3::1', T0 + 100).admitted).toBe(true);
  });

  it('counts attempts in flight: of 30 at once, 5 are let through to a password check', () => {
    const throttle = new LoginThrottle();
    const admissions = Array.from({ length: 30 }, () => throttle.admit('ada@example.com', '198.51.100.1', T0));
    expect(admissions.filter((a) => a.admitted)).toHaveLength(5);
    for (const refused of admissions.filter((a) => !a.admitted))
      expect(refused.admitted === false && refused.retryAfterMs).toBeGreaterThan(0);
    for (const a of admissions) if (a.admitted) a.attempt.failed(T0 + 100);
    // The wait after 5 failures, then one at a time, doubling.
    expect(throttle.admit('ada@example.com', '198.51.100.1', T0 + 200).admitted).toBe(false);
    const sixth = admitted(throttle.admit('ada@example.com', '198.51.100.1', T0 + 100 + SECOND));
    expect(throttle.admit('ada@example.com', '198.51.100.1', T0 + 100 + SECOND).admitted).toBe(false);
    sixth.failed(T0 + 2 * SECOND);
    const refused = throttle.admit('ada@example.com', '198.51.100.1', T0 + 2 * SECOND);
    expect(refused).toEqual({ admitted: false, retryAfterMs: 2 * SECOND });
  });

  it('treats an unknown email exactly like a known one', () => {
    const throttle = new LoginThrottle();
    const end = failInTurn(throttle, 'nobody@example.com', '198.51.100.1', 5, T0);
    expect(throttle.admit('nobody@example.com', '198.51.100.1', end)).toEqual({
      admitted: false,
      retryAfterMs: SECOND,
    });
  });

  it('frees a slot without counting when the check did not happen, and settles each attempt once', () => {
    const throttle = new LoginThrottle();
    const attempts = Array.from({ length: 5 }, () => admitted(throttle.admit('ada@example.com', '198.51.100.1', T0)));
    expect(throttle.admit('ada@example.com', '198.51.100.1', T0).admitted).toBe(false);
    attempts[0]!.abandon();
    attempts[0]!.failed(T0);
    expect(throttle.admit('ada@example.com', '198.51.100.1', T0).admitted).toBe(true);
  });

  it('keeps another address free for the owner: the stranger waits alone', () => {
    const throttle = new LoginThrottle();
    const end = failInTurn(throttle, 'ada@example.com', '203.0.113.66', 12, T0);
    expect(throttle.admit('ada@example.com', '203.0.113.66', end).admitted).toBe(false);
    const owner = admitted(throttle.admit('ada@example.com', '198.51.100.1', end));
    owner.succeeded(end);
  });

  it("caps guesses at one email from many addresses, with waits of at most a minute, and never from the owner's familiar address", () => {
    const throttle = new LoginThrottle();
    admitted(throttle.admit('ada@example.com', '198.51.100.1', T0)).succeeded(T0);
    let now = T0;
    for (let i = 0; i < 80; i++) now = failInTurn(throttle, 'ada@example.com', `203.0.113.${i}`, 1, now);
    const fresh = throttle.admit('ada@example.com', '203.0.113.200', now);
    expect(fresh.admitted).toBe(false);
    expect(fresh.admitted === false && fresh.retryAfterMs).toBeLessThanOrEqual(MINUTE);
    // The owner, from where they signed in before: not held by the strangers' failures.
    admitted(throttle.admit('ada@example.com', '198.51.100.1', now)).succeeded(now);
    // From a new address: a wait of at most a minute, then let in.
    admitted(throttle.admit('ada@example.com', '192.0.2.9', now + MINUTE)).succeeded(now + MINUTE);
  });

  it('limits one address trying many emails', () => {
    const throttle = new LoginThrottle();
    let now = T0;
    for (let i = 0; i < 20; i++) now = failInTurn(throttle, `user-${i}@example.com`, '203.0.113.66', 1, now);
    expect(throttle.admit('someone-else@example.com', '203.0.113.66', now).admitted).toBe(false);
    expect(throttle.admit('someone-else@example.com', '203.0.113.67', now).admitted).toBe(true);
  });

  it('starts the owner afresh after a success, and forgets failures an hour after the last', () => {
    const throttle = new LoginThrottle();
    let end = failInTurn(throttle, 'ada@example.com', '198.51.100.1', 4, T0);
    admitted(throttle.admit('ada@example.com', '198.51.100.1', end)).succeeded(end);
    end = failInTurn(throttle, 'ada@example.com', '198.51.100.1', 4, end);
    expect(throttle.admit('ada@example.com', '198.51.100.1', end).admitted).toBe(true);

    const later = new LoginThrottle();
    const stop = failInTurn(later, 'bob@example.com', '198.51.100.1', 8, T0);
    admitted(later.admit('bob@example.com', '198.51.100.1', stop + 59 * MINUTE)).failed(stop + 59 * MINUTE);
    const start = stop + 59 * MINUTE + 61 * MINUTE;
    // Forgotten: four more failures pass without a wait, as for a newcomer.
    expect(failInTurn(later, 'bob@example.com', '198.51.100.1', 4, start)).toBe(start);
  });
});
