import type { IncomingMessage } from "node:http";
import { createGraphQLFastLane, REQUEST_ID_HEADER, type Logger, type NodeHandler, type RateLimiter } from "@plaza/kit";
import type { GraphQLError } from "graphql";
import type { YogaServerInstance } from "graphql-yoga";
import type { HttpResponsePolicy } from "../app.ts";
import type { VerifiedTokens } from "../auth/verified-tokens.ts";
import { CACHE_DEBUG_REQUEST_HEADER } from "../cache/request-state.ts";
import type { RouterContext, RouterServerContext } from "../context.ts";
import type { RouterMetrics } from "../metrics.ts";
import { requestIdFrom } from "../plugins/use-request-id.ts";
import { retryAfterHeaders } from "../plugins/use-retry-after.ts";
import { createRequestGuard, CSRF_HEADERS, refuseInvalidJson } from "./request-guard.ts";

export interface RouterHttpHandlerOptions {
  yoga: YogaServerInstance<RouterServerContext, RouterContext>;
  /** The fast lane in front of yoga (kit's graphql-fast-lane); off: every request goes through yoga. */
  fastLane: boolean;
  /** Inbound deduplication in front of the lanes (http/inbound-dedupe.ts); absent: off. */
  dedupe?: (handler: NodeHandler) => NodeHandler;
  /** Wraps the lanes, e.g. the response cache's fast path for L1 hits. */
  wrap?: (handler: NodeHandler, http: HttpResponsePolicy) => NodeHandler;
  http: HttpResponsePolicy;
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** The parser's token limit (0: none). */
  maxTokens: number;
  csrfPrevention: boolean;
  rateLimits?: { perViewer?: RateLimiter; perAddress?: RateLimiter };
  /** The key address rate limits count by (client-ip.ts). */
  clientKeyOf(req: IncomingMessage): string;
  verifiedTokens: VerifiedTokens;
  maskError(error: unknown, message: string): GraphQLError;
  metrics: Pick<RouterMetrics, "fastLaneRequests">;
  logger: Logger;
}

/**
 * The router's HTTP path in front of yoga, outermost first: the request guard (body and JSON limits, CSRF, rate
 * limits), the wrapper (the response cache's fast path), inbound deduplication, the GraphQL fast lane, then yoga
 * (invalid JSON refused first).
 */
export function createRouterHttpHandler(options: RouterHttpHandlerOptions): NodeHandler {
  const { yoga, verifiedTokens, maskError, metrics } = options;
  const yogaHandler = refuseInvalidJson(yoga as unknown as NodeHandler);
  const laned = options.fastLane
    ? createGraphQLFastLane({
        yoga,
        graphqlPath: "/graphql",
        maxBodyBytes: options.maxBodyBytes,
        // 0 turns the limit off (graphql-js would read it as "no token allowed").
        maxTokens: options.maxTokens > 0 ? options.maxTokens : undefined,
        // What use-request-id and use-viewer-auth would set; unknown credentials and cache debugging go to yoga.
        serverContext: (req): RouterServerContext | undefined => {
          if (req.headers[CACHE_DEBUG_REQUEST_HEADER] !== undefined) return undefined;
          const authorization = req.headers.authorization;
          const viewer = authorization === undefined ? null : verifiedTokens.get(authorization);
          if (viewer === undefined) return undefined;
          return { requestId: requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined), viewer, req };
        },
        responseHeaders: (serverContext, result) => ({
          [REQUEST_ID_HEADER]: (serverContext as RouterServerContext).requestId,
          ...retryAfterHeaders(result),
        }),
        maskError: (err) => maskError(err, "Unexpected error."),
        onServed: () => metrics.fastLaneRequests.inc(),
      })(yogaHandler)
    : yogaHandler;
  const guard = createRequestGuard({
    maxBodyBytes: options.maxBodyBytes,
    maxJsonDepth: options.maxJsonDepth,
    csrf: { enabled: options.csrfPrevention, headers: CSRF_HEADERS },
    rateLimits: options.rateLimits && {
      ...options.rateLimits,
      viewerOf: (authorization) => verifiedTokens.get(authorization)?.id,
      addressOf: options.clientKeyOf,
    },
    logger: options.logger,
  });
  const deduped = options.dedupe ? options.dedupe(laned) : laned;
  return guard(options.wrap ? options.wrap(deduped, options.http) : deduped);
}
