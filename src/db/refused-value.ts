// Whether the database refused a value it was given as data it cannot take: SQLSTATE class
// 22, "data exception" (22021 NUL or invalid UTF-8 in text, 22P05 NUL in jsonb, 22001 too
// long, 22P02 not a number, 22003 out of range...). Such a value came from a client, so the
// answer is a 4xx. The boundary schemas refuse it first, naming the field; this is the last
// line of defence. Kept free of imports: the Astro bundle's one error mapping uses it.

export function isRefusedValue(error: unknown): boolean {
  for (let cause = error, depth = 0; typeof cause === 'object' && cause !== null && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
