import type { IncomingMessage } from "node:http";

/**
 * The address a client is counted against (anonymous connections, request rate limits): the peer's, IPv4-mapped
 * IPv6 unwrapped and IPv6 grouped by /64 (one host usually holds a whole /64).
 */
export function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? "unknown";
  if (address.startsWith("::ffff:")) return address.slice(7);
  if (!address.includes(":")) return address;
  const groups = address.split("::")[0]!.split(":");
  return `${groups.slice(0, 4).join(":")}::/64`;
}
