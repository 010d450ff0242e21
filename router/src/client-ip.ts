import type { IncomingMessage } from "node:http";
import { clientIpFrom, ipRateLimitKey } from "@plaza/kit";

/**
 * The client's address for a request: the socket's peer, or with `trustedProxies` (ROUTER_TRUSTED_PROXIES) hops of
 * our own proxies in front, what the farthest of them saw, read from the right of X-Forwarded-For. With 0 (the
 * default) no header a client sends is believed.
 */
export function createClientIpOf(trustedProxies: number) {
  return (req: IncomingMessage | undefined): string | null =>
    (req && clientIpFrom(req.socket?.remoteAddress, req.headers["x-forwarded-for"], trustedProxies)) ?? null;
}

/**
 * What a client is counted against (anonymous graphql-ws connections, request rate limits): its address, IPv6
 * grouped by /64 (one host usually holds a whole /64).
 */
export function createClientKeyOf(trustedProxies: number) {
  const clientIpOf = createClientIpOf(trustedProxies);
  return (req: IncomingMessage): string => {
    const ip = clientIpOf(req);
    return (ip && ipRateLimitKey(ip)) ?? "unknown";
  };
}
