import type { OutgoingHttpHeaders, Server } from "node:http";
import type { Plugin, YogaServerInstance } from "graphql-yoga";
import {
  closeServer,
  createServiceHttpServer,
  listen,
  listenMetrics,
  useOperationMetrics,
  type NodeHandler,
  type Health,
  type Logger,
  type RateLimiter,
} from "@plaza/kit";
import { createVerifiedTokens, type VerifiedTokens } from "./auth/verified-tokens.ts";
import { createAuthenticator, type Authenticator } from "./auth/authenticator.ts";
import { createSessionChecks } from "./auth/sessions.ts";
import type { RouterContext, RouterServerContext } from "./context.ts";
import { createRouterMaskError } from "./errors.ts";
import type { RouterMetrics } from "./metrics.ts";
import { useFederatedSubscriptions } from "./plugins/use-federated-subscriptions.ts";
import { useEngineExecutor } from "./plugins/use-engine-executor.ts";
import { createApolloFederationEngine } from "./engine/apollo-engine.ts";
import type { FederationEngine, FederationEngineFactory, SubgraphClient } from "./engine/federation-engine.ts";
import { useRequestId } from "./plugins/use-request-id.ts";
import { useViewerAuth } from "./plugins/use-viewer-auth.ts";
import { useSignOutRecheck } from "./plugins/use-sign-out-recheck.ts";
import { createSubgraphConnections, type SubgraphConnections } from "./subgraph/subgraph-connections.ts";
import { createInboundDedupe, createOperationKinds, type OperationKinds } from "./http/inbound-dedupe.ts";
import { createRouterHttpHandler } from "./http/router-http-handler.ts";
import { createWebhookForwarder, WEBHOOK_PATH } from "./http/webhook-forward.ts";
import { createRouterYoga, type RouterYogaOptions } from "./router-yoga.ts";
import { createConnectionLimiter } from "./subscriptions/connection-limiter.ts";
import { createSubscriptionEngine, type SubscriptionEngine } from "./subscriptions/subscription-engine.ts";
import { subscriptionOptions, type SubscriptionOptions } from "./subscriptions/subscription-options.ts";
import { createSubscriptionWsServer } from "./subscriptions/ws-server.ts";
import { createCorsPolicy, type CorsOrigins } from "./http/cors.ts";
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from "./limits/operation-limits.ts";
import { useOperationKinds } from "./plugins/use-operation-kinds.ts";
import { useOperationLimits } from "./plugins/use-operation-limits.ts";
import { usePersistedOperations, type PersistedOperationsOptions } from "./plugins/use-persisted-operations.ts";
import { createMemoryPersistedQueryStore } from "./persisted/persisted-operations.ts";
import { useSchemaPrivacy } from "./plugins/use-schema-privacy.ts";
import { useRetryAfter } from "./plugins/use-retry-after.ts";
import { createClientIpOf, createClientKeyOf } from "./client-ip.ts";

type NodeHttpHandler = NodeHandler;

export interface RouterDeps {
  /** A Federation 2 supergraph SDL (any supergraph, not only Plaza's). */
  supergraphSdl: string;
  /** Replace URLs named in the supergraph, keyed by subgraph name in any case (`users` or `USERS`). */
  subgraphUrls?: Record<string, string>;
  jwtSecret: string;
  /** Tokens living longer than this (`exp - iat`), without `iat` or issued in the future are refused (default 30 days). */
  jwtMaxTtlSeconds?: number;
  /**
   * Session checks: the subgraph (by name) serving `_sessionActive`, and how long a token's verdict is trusted before
   * it is checked again. Absent: tokens are checked by signature and lifetime only.
   */
  sessions?: { subgraph: string; checkTtlMs: number };
  /** Shared with the subgraphs; signs the identity header they trust. */
  internalAuthKey: string;
  logger: Logger;
  metrics: RouterMetrics;
  health: Health;
  graphiql?: boolean;
  subgraphTimeoutMs?: number;
  /** Keep-alive connections per subgraph origin. */
  subgraphMaxConnections?: number;
  maxBodyBytes?: number;
  /**
   * Plugins that run after authentication and after the engine executor was installed, so they can wrap
   * execution (response cache, rate limits, …) and see the viewer in the context.
   */
  plugins?: Plugin<RouterContext>[];
  /** Federated subscriptions over graphql-ws and SSE (defaults: SUBSCRIPTION_DEFAULTS). */
  subscriptions?: Partial<SubscriptionOptions>;
  /**
   * Identical concurrent query fetches to a subgraph (same viewer, same request) share one upstream request
   * (default on). `epoch` moves on every cache invalidation: a fetch started before one is never joined.
   */
  subgraphFetchDedupe?: { enabled: boolean; epoch?: () => number };
  /**
   * Wraps yoga's HTTP handler, e.g. the response cache's fast path that answers L1 hits before GraphQL; `http` says
   * what yoga would add to a response it answered itself (CORS).
   */
  wrapHttpHandler?: (handler: NodeHttpHandler, http: HttpResponsePolicy) => NodeHttpHandler;
  /** Authorization headers already verified (share the response cache's, so both fast paths know them). */
  verifiedTokens?: VerifiedTokens;
  /** Plain POST queries and mutations skip yoga's fetch-API layer (default true; see kit's graphql-fast-lane). */
  httpFastLane?: boolean;
  /** Single-fetch operations are answered with the subgraph's data, without result shaping (default true). */
  singleFetchDirect?: boolean;
  /**
   * Identical query requests in flight at once (same body, Authorization, Origin and response type) share one
   * execution and the same response bytes (default true; http/inbound-dedupe.ts).
   */
  inboundDedupe?: boolean;
  /** Operation limits, judged before anything is planned (defaults: DEFAULT_OPERATION_LIMITS; 0 turns one off). */
  limits?: Partial<OperationLimits>;
  /** Deepest JSON nesting of a request body or GET parameter (default 64). */
  maxJsonDepth?: number;
  /** POSTs need a JSON content type or a preflight-forcing header (default true). */
  csrfPrevention?: boolean;
  /** `__schema`/`__type` queries (default true; production configuration turns it off). */
  introspection?: boolean;
  /** "Did you mean …?" in errors (default true; production configuration turns it off). */
  fieldSuggestions?: boolean;
  /** Origins allowed cross-origin access (default `*`; production configuration allows none). */
  corsOrigins?: CorsOrigins;
  /** APQ and trusted documents (default: APQ in a bounded in-process store, no trusted documents). */
  persistedOperations?: PersistedOperationsOptions;
  /** Request rate limits per signed-in viewer and per client address (default: none). */
  rateLimits?: { perViewer?: RateLimiter; perAddress?: RateLimiter };
  /**
   * Proxies of our own in front of the router (ROUTER_TRUSTED_PROXIES, default 0): how many X-Forwarded-For entries,
   * from the right, name the client's address. 0 believes only the socket's peer.
   */
  trustedProxies?: number;
  /** The federation engine (default: @apollo/gateway's, engine/apollo-engine.ts); tests pass a double. */
  engine?: FederationEngineFactory;
}

/** What a lane answering without yoga must add to its responses to read as yoga's. */
export interface HttpResponsePolicy {
  corsHeaders(origin: string | undefined): OutgoingHttpHeaders | undefined;
}

export interface Router {
  yoga: YogaServerInstance<RouterServerContext, RouterContext>;
  httpServer: Server;
  /** Plans and executes operations over the supergraph. */
  engine: FederationEngine;
  /** The router's client to each subgraph of the supergraph, by subgraph name. */
  subgraphs: ReadonlyMap<string, SubgraphClient>;
  /** Federated subscriptions: stats() for tests and operators, shared by graphql-ws and SSE. */
  subscriptions: SubscriptionEngine;
  /** Verifies tokens; `revoke` applies revocation events (the session consumer calls it). */
  authenticator: Authenticator;
  /** Resolves with the bound port (pass 0 for a free one). */
  listen(port: number, host?: string): Promise<number>;
  /** Serves /metrics on a port of its own from now on, no longer on the public one (ROUTER_METRICS_PORT). */
  listenMetrics(port: number, host?: string): Promise<number>;
  /** Drains HTTP, stops the gateway, closes upstream connections. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  subgraphTimeoutMs: 10_000,
  subgraphMaxConnections: 128,
  maxBodyBytes: 1_048_576,
  maxJsonDepth: 64,
  jwtMaxTtlSeconds: 30 * 24 * 3600,
} as const;

/** Automatically persisted queries kept in process when no store is given. */
export const APQ_MEMORY_DEFAULTS = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 } as const;

/** The router's connections to its subgraphs and the federation engine over them (the connections close if it fails). */
async function startEngine(
  deps: RouterDeps,
  timeoutMs: number,
): Promise<{ connections: SubgraphConnections; engine: FederationEngine }> {
  const { logger, metrics } = deps;
  const connections = createSubgraphConnections({
    urlOverrides: deps.subgraphUrls,
    internalAuthKey: deps.internalAuthKey,
    timeoutMs,
    maxConnections: deps.subgraphMaxConnections ?? DEFAULTS.subgraphMaxConnections,
    dedupe: { enabled: deps.subgraphFetchDedupe?.enabled ?? true, epoch: deps.subgraphFetchDedupe?.epoch },
    metrics,
    logger,
  });
  try {
    const engine = await (deps.engine ?? createApolloFederationEngine)({
      supergraphSdl: deps.supergraphSdl,
      logger,
      singleFetchDirect: deps.singleFetchDirect,
      onSingleFetchDirect: () => metrics.singleFetchDirect.inc(),
      subgraphClient: connections.clientFor,
    });
    connections.warnUnmatchedOverrides([...engine.subgraphs.keys()]);
    return { connections, engine };
  } catch (err) {
    await connections.close();
    throw err;
  }
}

/** Token verification: signature and lifetime, and the session subgraph's verdict when sessions are configured. */
function createRouterAuth(
  deps: RouterDeps,
  subgraphs: ReadonlyMap<string, SubgraphClient>,
): { verifiedTokens: VerifiedTokens; sessionChecks?: ReturnType<typeof createSessionChecks>; authenticator: Authenticator } {
  const { logger, metrics } = deps;
  const verifiedTokens = deps.verifiedTokens ?? createVerifiedTokens();
  const sessionChecks = deps.sessions && createSessionChecks(deps.sessions, subgraphs, logger);
  if (sessionChecks) verifiedTokens.setMaxAge(sessionChecks.checkTtlMs);
  const authenticator = createAuthenticator({
    jwtSecret: deps.jwtSecret,
    lifetime: { maxTtlSeconds: deps.jwtMaxTtlSeconds ?? DEFAULTS.jwtMaxTtlSeconds },
    verifiedTokens,
    sessions: sessionChecks,
    logger,
    onCheck: (outcome) => metrics.sessionChecks.inc({ outcome }),
  });
  return { verifiedTokens, sessionChecks, authenticator };
}

/** Yoga's plugins, in the order they must run. */
function routerPlugins(
  deps: RouterDeps,
  parts: {
    authenticator: Authenticator;
    engine: FederationEngine;
    subscriptions: SubscriptionEngine;
    sessions: boolean;
    limits: OperationLimits;
    fieldSuggestions: boolean;
    operationKinds?: OperationKinds;
  },
): RouterYogaOptions["plugins"] {
  const { authenticator } = parts;
  return [
    useRequestId(),
    useRetryAfter(),
    useViewerAuth({ authenticator }),
    usePersistedOperations(
      deps.persistedOperations ?? { apq: createMemoryPersistedQueryStore(APQ_MEMORY_DEFAULTS), trustedOnly: false },
    ),
    useSchemaPrivacy({ introspection: deps.introspection ?? true, fieldSuggestions: parts.fieldSuggestions }),
    // Before the limits, so refused operations are counted by code like any other error.
    useOperationMetrics(deps.metrics),
    useOperationLimits(parts.limits),
    useEngineExecutor(parts.engine),
    useFederatedSubscriptions({ engine: parts.subscriptions }),
    ...(parts.operationKinds ? [useOperationKinds(parts.operationKinds)] : []),
    ...(parts.sessions ? [useSignOutRecheck({ authenticator })] : []),
    ...(deps.plugins ?? []),
  ];
}

/** Wires the router without listening: tests and the single-process launcher call this, main() adds listen + shutdown. */
export async function buildRouter(deps: RouterDeps): Promise<Router> {
  const { logger, metrics, health } = deps;
  const timeoutMs = deps.subgraphTimeoutMs ?? DEFAULTS.subgraphTimeoutMs;
  const { connections, engine } = await startEngine(deps, timeoutMs);
  const subgraphs = engine.subgraphs;
  let serving = true;
  logger.info({ subgraphs: Object.fromEntries([...subgraphs].map(([name, client]) => [name, client.url])) }, "supergraph loaded");

  health.addCheck("supergraph", () => {
    if (!serving) throw new Error("gateway stopped");
  });
  for (const client of subgraphs.values()) health.addCheck(`subgraph:${client.name}`, () => client.probe());

  const fieldSuggestions = deps.fieldSuggestions ?? true;
  const operationKinds = (deps.inboundDedupe ?? true) ? createOperationKinds() : undefined;
  const maskError = createRouterMaskError(logger, { fieldSuggestions });
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...deps.limits };
  const cors = createCorsPolicy(deps.corsOrigins ?? "*");
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const clientIpOf = createClientIpOf(deps.trustedProxies ?? 0);
  const clientKeyOf = createClientKeyOf(deps.trustedProxies ?? 0);
  let auth: ReturnType<typeof createRouterAuth>;
  try {
    auth = createRouterAuth(deps, subgraphs);
  } catch (err) {
    await engine.stop();
    await connections.close();
    throw err;
  }
  const { verifiedTokens, sessionChecks, authenticator } = auth;
  const subscriptionConfig = subscriptionOptions(deps.subscriptions);
  const connectionLimiter = createConnectionLimiter(subscriptionConfig.maxConnectionsPerUser);
  const subscriptions = createSubscriptionEngine({
    engine,
    signIdentity: connections.signIdentity,
    logger: logger.child({ component: "subscriptions" }),
    metrics: metrics.subscriptions,
    options: subscriptionConfig,
    limiter: connectionLimiter,
    maskError,
  });

  const yoga = createRouterYoga({
    schema: engine.schema,
    logger,
    graphiql: deps.graphiql ?? false,
    maskError,
    maxBodyBytes,
    cors,
    clientIpOf,
    plugins: routerPlugins(deps, {
      authenticator,
      engine,
      subscriptions,
      sessions: sessionChecks !== undefined,
      limits,
      fieldSuggestions,
      operationKinds,
    }),
  });

  const handler = createRouterHttpHandler({
    yoga,
    fastLane: deps.httpFastLane ?? true,
    dedupe:
      operationKinds &&
      createInboundDedupe({ graphqlPath: "/graphql", maxBodyBytes, kinds: operationKinds, waitMs: timeoutMs * 2, metrics }),
    wrap: deps.wrapHttpHandler,
    http: { corsHeaders: cors.responseHeaders },
    maxBodyBytes,
    maxJsonDepth: deps.maxJsonDepth ?? DEFAULTS.maxJsonDepth,
    maxTokens: limits.maxTokens,
    csrfPrevention: deps.csrfPrevention ?? true,
    rateLimits: deps.rateLimits,
    clientKeyOf,
    verifiedTokens,
    maskError,
    metrics,
    logger,
  });
  const forwardWebhooks = createWebhookForwarder({
    targetUrl: () => {
      const payments = subgraphs.get("payments");
      return payments ? new URL(WEBHOOK_PATH, payments.url).toString() : undefined;
    },
    timeoutMs,
    logger,
  });
  const httpServer = createServiceHttpServer({
    handler: forwardWebhooks(handler),
    metrics,
    health,
    logger,
  });
  const wsServer = createSubscriptionWsServer({
    httpServer,
    path: "/graphql",
    yoga,
    authenticator,
    limiter: connectionLimiter,
    anonymousLimiter: createConnectionLimiter(subscriptionConfig.maxAnonymousConnectionsPerIp),
    clientKeyOf,
    options: subscriptionConfig,
    metrics: metrics.subscriptions,
    logger: logger.child({ component: "graphql-ws" }),
  });

  let closing: Promise<void> | undefined;
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  return {
    yoga,
    httpServer,
    engine,
    subgraphs,
    subscriptions,
    authenticator,
    listen: (port, host = "127.0.0.1") => listen(httpServer, port, host),
    async listenMetrics(port, host = "127.0.0.1") {
      metricsServer = await listenMetrics({ mainServer: httpServer, metrics, health, port, host, logger });
      return metricsServer.port;
    },
    close() {
      closing ??= (async () => {
        health.setDraining();
        // Subscribers first: graphql-ws clients get 1001 (Going Away), SSE streams complete, upstreams close.
        await wsServer.close();
        await subscriptions.close();
        // Ended SSE streams leave keep-alive connections that turn idle only after closeServer looked for idle ones.
        const sweep = setInterval(() => httpServer.closeIdleConnections(), 50);
        await closeServer(httpServer);
        clearInterval(sweep);
        await metricsServer?.close();
        serving = false;
        await engine.stop();
        await yoga.dispose();
        await connections.close();
      })();
      return closing;
    },
  };
}
