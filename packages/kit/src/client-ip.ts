import { isIP } from "node:net";

/**
 * Client addresses, as the router puts them in the signed identity and as rate limits key them. One canonical
 * text per address, so `::FFFF:1.2.3.4`, `::ffff:102:304` and `1.2.3.4` are one client, and so are the spellings
 * of an IPv6 address.
 */

const MAX_ADDRESS_LENGTH = 64;
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;

/** The eight 16-bit groups of a canonical (WHATWG-serialized) IPv6 address. */
function groupsOf(canonical: string): number[] {
  const [head, tail] = canonical.includes("::") ? canonical.split("::") : [canonical, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The address in canonical form: IPv4 dotted quad (IPv4-mapped IPv6 included), IPv6 lower-case and compressed
 * (RFC 5952, as URLs print it), without a zone id. Accepts the forms proxies write (`[v6]:port`, `v4:port`).
 * Undefined for anything that is not an address.
 */
export function normalizeIp(raw: string | undefined | null): string | undefined {
  if (typeof raw !== "string") return undefined;
  let text = raw.trim();
  if (!text || text.length > MAX_ADDRESS_LENGTH) return undefined;
  text = BRACKETED.exec(text)?.[1] ?? IPV4_WITH_PORT.exec(text)?.[1] ?? text;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6) return undefined;
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const groups = groupsOf(canonical);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return canonical;
}

/**
 * The key a per-IP rate limit counts under: an IPv4 address itself; an IPv6 address's /64 network, since one
 * subscriber usually gets a whole /64 and could otherwise take a fresh address per request.
 */
export function ipRateLimitKey(ip: string): string | undefined {
  const normalized = normalizeIp(ip);
  if (!normalized || isIP(normalized) === 4) return normalized;
  const prefix = groupsOf(normalized)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":");
  return `${prefix}::/64`;
}

/**
 * The client's address: the socket's peer, or — when `trustedProxies` hops in front of us are trusted — the
 * address the farthest trusted proxy saw, read from the right of `X-Forwarded-For` (each proxy appends the address
 * that connected to it, so only entries our own proxies wrote are believed; a client can put anything on the
 * left). With 0 trusted hops the header is ignored. The walk stops at the first missing or malformed entry: the
 * hop before it is the farthest one we can vouch for.
 */
export function clientIpFrom(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string | undefined {
  let address = normalizeIp(remoteAddress);
  if (!address || trustedProxies <= 0 || forwardedFor === undefined) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  for (let i = 1; i <= trustedProxies && i <= hops.length; i++) {
    const next = normalizeIp(hops[hops.length - i]);
    if (!next) break;
    address = next;
  }
  return address;
}
