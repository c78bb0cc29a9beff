// Whether an error means "the database is not there right now" (the answer is 503 and a
// retry later) rather than a query it refused. Kept free of imports: the Astro bundle's
// one error mapping uses it.

// SQLSTATE classes and driver codes that mean "the database is not there right now",
// as opposed to a query it refused: 08 connection exception, 57P01-57P03 shutdown or
// starting up, 53 out of resources (53100: disk full), 3D000 the database was dropped;
// and the socket-level failures of postgres.js and Node.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '3D000',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOSPC',
]);

/**
 * Why the database cannot be reached, in a few words for a person, when `error` says so;
 * null for every other error. Looks through drizzle's wrapping (`cause`).
 */
export function databaseUnavailableReason(error: unknown): string | null {
  for (
    let cause = error, depth = 0;
    typeof cause === 'object' && cause !== null && depth < 5;
    cause = (cause as { cause?: unknown }).cause, depth++
  ) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (code === '53100' || code === 'ENOSPC') return 'the database disk is full';
    if (code === '3D000') return 'the database does not exist';
    if (code === 'DATABASE_TIMEOUT')
      return 'the database did not answer in time (if this was a change, reload to see whether it was made)';
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('53'))
      return `the database cannot be reached (${code})`;
  }
  return null;
}

export const isDatabaseUnavailable = (error: unknown): boolean => databaseUnavailableReason(error) !== null;
