import type { IncomingMessage } from "node:http";
import type { Logger } from "@plaza/kit";

/** A verified viewer: the token's subject and expiry (subscriptions end with the token). */
export interface Viewer {
  id: string;
  tokenExp: number;
  /** The token's session id and the user's token version it was issued under (absent on tokens without them). */
  sid?: string;
  ver?: number;
}

/**
 * Set per request before GraphQL parsing (by use-request-id and use-viewer-auth for HTTP; a WebSocket transport
 * sets the same fields itself), and copied by yoga into the GraphQL context.
 */
export interface RouterServerContext {
  requestId?: string;
  viewer?: Viewer | null;
  /** The client's address (kit's normalizeIp form), when a transport determined it. */
  clientIp?: string | null;
  /** Node's request, which yoga's node adapter puts in the server context: the client's address is read from it. */
  req?: IncomingMessage;
}

/** The GraphQL context every router plugin and the subgraph data sources rely on. */
export interface RouterContext {
  requestId: string;
  viewer: Viewer | null;
  /** Signed into every subgraph fetch, so subgraphs can rate-limit per address (null when unknown). */
  clientIp: string | null;
  logger: Logger;
}
