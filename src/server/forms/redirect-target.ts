/**
 * Where to go after signing in: only a path on this site. "//evil.example" and
 * "/\evil.example" are read by browsers as other hosts, so they go to the dashboard.
 */
export function localRedirectTarget(next: string | null | undefined, fallback = '/admin/'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // Control characters (tab, newline) are dropped by URL parsers and could turn the path into a host.
  if (/[\u0000-\u001F\u007F]/.test(next)) return fallback;
  return next;
}
