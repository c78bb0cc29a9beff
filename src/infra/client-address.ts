import { BlockList, isIP } from 'node:net';

// Which address a request comes from, for every per-client limit (sign-in, subscribe,
// visitor webhooks). Herald decides it here, once per request, and never takes Astro's
// `clientAddress`: Astro trusts the left-most X-Forwarded-For, which the client writes
// itself, whenever a Host matches `security.allowedDomains`.
//
// X-Forwarded-For is read only when the socket peer is a trusted proxy
// (HERALD_TRUSTED_PROXIES). Each proxy appends the address it received the request from, so
// the list is walked from the right, past the trusted proxies; the first address that is
// not one of them is the client. Entries to its left were written by the client and are
// never read. Without trusted proxies the header means nothing.

/**
 * An address as Herald compares and keys it: no brackets, port or zone; IPv4-mapped IPv6 as IPv4; lower case. Null if
 * it is not an IP address.
 */
export function plainAddress(raw: string): string | null {
  let address = raw.trim();
  const bracketed = address.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.replace(/%.*$/, '');
  const mapped = address.match(/^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i);
  if (mapped) address = mapped[1]!;
  return isIP(address) ? address.toLowerCase() : null;
}

/** The proxies whose X-Forwarded-For Herald believes: addresses and CIDR ranges, IPv4 and IPv6. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  /** Parses HERALD_TRUSTED_PROXIES (separated by spaces or commas); throws naming the first bad entry. */
  constructor(setting = '') {
    const entries = setting.split(/[\s,]+/).filter(Boolean);
    for (const entry of entries) this.#add(entry);
    this.size = entries.length;
  }

  #add(entry: string): void {
    // BlockList matches IPv4-mapped IPv6 and IPv4 against each other's rules by itself.
    const match = entry.match(/^([^/%]+)(?:\/(\d{1,3}))?$/);
    const family = match ? isIP(match[1]!) : 0;
    if (!match || family === 0)
      throw new Error(`"${entry}" is not an IP address or a CIDR range (like 10.0.0.0/8 or fd00::/8)`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (match[2] === undefined) return this.#list.addAddress(match[1]!, type);
    const prefix = Number(match[2]);
    if (prefix > (family === 4 ? 32 : 128))
      throw new Error(`"${entry}" has a prefix longer than ${family === 4 ? 32 : 128} bits`);
    this.#list.addSubnet(match[1]!, prefix, type);
  }

  has(address: string): boolean {
    return this.#list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not one (see above). An entry that is not an address stops
 * the walk at the proxy that wrote it: its word is all there is.
 */
export function clientAddressOf(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  const direct = plainAddress(peer ?? '') ?? peer ?? 'unknown';
  if (trusted.size === 0 || !trusted.has(direct) || !forwardedFor) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let client = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plainAddress(hops[i]!);
    if (!hop) break;
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}

/** The address the server decided for this request (see createRequestListener). */
export function requestClientAddress(locals: App.Locals): string {
  if (!locals.clientAddress) throw new Error('request reached without the client address the server decides');
  return locals.clientAddress;
}

/**
 * What per-client limits count by: an IPv4 address, or an IPv6 address's /64 network. One
 * IPv6 subscriber line or host gets a whole /64 (often more), so counting single IPv6
 * addresses would give one client billions of fresh limits.
 */
export function limitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
