// Spaces provider calls to at most `perSecond` starts per second for this process (Resend
// allows 5 requests/s per account by default). 0 or less: no limit.

export function requestSpacer(
  perSecond: number,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): () => Promise<void> {
  if (!(perSecond > 0)) return async () => {};
  const gap = 1000 / perSecond;
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + gap;
    if (at > now) await sleep(at - now);
  };
}
