import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import type { DocumentNode, ExecutionArgs, ExecutionResult } from "graphql";
import { normalizedExecutor } from "@graphql-tools/executor";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "pino";
import { isUnexpectedError, maskError, unauthenticated } from "./errors.ts";
import { boundedParserCaches } from "./bounded-cache.ts";
import { createServiceHttpServer, closeServer, listen, listenMetrics } from "./http-server.ts";
import type { Health } from "./health.ts";
import { createGraphQLFastLane, type LaneOperation, type NodeHandler } from "./graphql-fast-lane.ts";
import { createInternalAuthGate, headerOf, verifiedIdentityOf } from "./internal-auth-gate.ts";
import { refuseUnsafeInput, useInputGuard } from "./input-guard.ts";
import { createInternalVerifier, INTERNAL_AUTH_HEADER, REQUEST_ID_HEADER, type InternalIdentity } from "./internal-auth.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { createQueryCompiler, useCompiledQueries } from "./use-compiled-queries.ts";
import { createOperationTimer, useOperationMetrics } from "./use-operation-metrics.ts";

/** What every subgraph resolver can rely on. */
export interface BaseContext {
  viewerId: string | null;
  identity: InternalIdentity;
  requestId: string;
  logger: Logger;
}

/**
 * Resolvers by type name. Subgraphs type theirs with the `Resolvers` GraphQL Code Generator writes from their schema
 * (`npm run codegen`), which checks every field, argument, parent and the context; `GraphQLResolverMap` cannot describe
 * `__resolveReference` (no args parameter), so only the shape is required here.
 */
export type SubgraphResolvers = Readonly<Record<string, object | undefined>>;

export interface SubgraphServerOptions<C extends BaseContext> {
  service: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  logger: Logger;
  metrics: ServiceMetrics;
  health: Health;
  /** Shared secret with the router; requests without its valid signature are rejected. */
  internalAuthKey: string;
  /** How long a router signature is accepted (default 30 s; INTERNAL_AUTH_MAX_AGE_SECONDS). */
  internalAuthMaxAgeSeconds?: number;
  /** Extends the base context per request/subscription (e.g. fresh DataLoaders). */
  context: (base: BaseContext) => C | Promise<C>;
  plugins?: Plugin[];
  graphiql?: boolean;
  /** Plain POST queries and mutations skip yoga's fetch-API layer (default true; see graphql-fast-lane.ts). */
  httpFastLane?: boolean;
  /** Queries run compiled by graphql-jit (default true; see use-compiled-queries.ts). */
  jit?: boolean;
  /**
   * Exact paths served without the router's signature, because they carry their own authentication (the payments
   * subgraph's `POST /webhooks/psp`, signed by the payment provider). Nothing else bypasses the gate.
   */
  publicRoutes?: Readonly<Record<string, NodeHandler>>;
}

export interface SubgraphServer {
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  httpServer: Server;
  listen(port: number, host?: string): Promise<number>;
  /** Serves /metrics on its own port from now on (and no longer on the main one); resolves with the bound port. */
  listenMetrics(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** What a masked error says (yoga's default wording). */
const MASKED_MESSAGE = "Unexpected error.";

/** The router's own limit is 1 MiB; subgraphs accept what it can forward. */
const MAX_BODY_BYTES = 1_048_576;

interface ServerContext {
  plazaIdentity?: InternalIdentity;
  plazaRequestId?: string;
  /** Node's request (yoga's node adapter): carries the identity the internal-auth gate verified. */
  req?: IncomingMessage;
}

export function createSubgraphServer<C extends BaseContext>(opts: SubgraphServerOptions<C>): SubgraphServer {
  const { logger, internalAuthKey } = opts;
  // The subgraph's own name is the audience the router signs for (its data source name in the supergraph).
  const verifier = createInternalVerifier(internalAuthKey, {
    subgraph: opts.service,
    maxAgeSeconds: opts.internalAuthMaxAgeSeconds,
  });
  const schema = buildSubgraphSchema([{ typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> }]);

  const compiledRun = opts.jit === false ? undefined : createQueryCompiler(logger, () => opts.metrics.compiledQueryRuns.inc());
  /** The resolvers' context, from yoga's initial context (HTTP and WebSocket) or the lane's. */
  const contextFor = (initial: ServerContext & { request?: Request }) => {
    // Every HTTP request passed the gate and every graphql-ws connection onConnect; anything else is refused.
    const identity = initial.plazaIdentity ?? verifiedIdentityOf(initial.req);
    if (!identity) throw unauthenticated("Subgraphs accept requests only from the router");
    const requestId = initial.plazaRequestId ?? initial.request?.headers.get(REQUEST_ID_HEADER) ?? randomUUID();
    return opts.context({ identity, viewerId: identity.viewerId, requestId, logger: logger.child({ requestId }) });
  };

  const yoga = createYoga<ServerContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: opts.graphiql ?? false,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError, errorMessage: MASKED_MESSAGE },
    maxRequestBodySize: MAX_BODY_BYTES,
    parserAndValidationCache: boundedParserCaches(),
    plugins: [
      useUnexpectedErrorLog(),
      useOperationMetrics(opts.metrics),
      useInputGuard(), // after metrics, which count its refusals; covers graphql-ws too (onSubscribe runs this pipeline)
      ...(compiledRun ? [useCompiledQueries(compiledRun)] : []),
      ...(opts.plugins ?? []),
    ],
    context: contextFor,
  }) as unknown as SubgraphServer["yoga"];

  /**
   * What yoga's envelop pipeline does for the plugins above, without the pipeline's per-request machinery (which
   * costs more than executing a small operation): context, timing, the input guard, compiled queries, then masking —
   * metrics see errors before masking, as the plugins' order makes them. Other plugins may hook anything: with any, the lane
   * runs yoga's pipeline instead.
   */
  const timeOperation = createOperationTimer(opts.metrics);
  const executeDirectly = async ({ document, operationName, variableValues, initialContext }: LaneOperation) => {
    const contextValue = { ...initialContext, ...(await contextFor(initialContext)) };
    const args: ExecutionArgs = { schema, document, operationName, variableValues, contextValue };
    const done = timeOperation(document, operationName);
    const run = compiledRun?.(args, normalizedExecutor as never) ?? normalizedExecutor;
    const result = (refuseUnsafeInput(document, variableValues) ?? (await run(args))) as ExecutionResult;
    logUnexpectedErrors(result, contextValue as BaseContext);
    done(result);
    return result.errors ? { ...result, errors: result.errors.map((error) => maskError(error, MASKED_MESSAGE)) } : result;
  };

  const fastLane =
    opts.httpFastLane === false
      ? (handler: never) => handler
      : createGraphQLFastLane({
          yoga,
          graphqlPath: "/graphql",
          maxBodyBytes: MAX_BODY_BYTES,
          serverContext: (req): ServerContext | undefined => {
            const plazaIdentity = verifiedIdentityOf(req);
            if (!plazaIdentity) return undefined; // cannot happen behind the gate; yoga's context refuses it
            return { plazaIdentity, plazaRequestId: headerOf(req.headers[REQUEST_ID_HEADER]) ?? randomUUID() };
          },
          responseHeaders: () => ({}),
          maskError: (err) => maskError(err, MASKED_MESSAGE),
          onServed: () => opts.metrics.fastLaneRequests.inc(),
          execute: opts.plugins?.length ? undefined : executeDirectly,
        });
  // In front of the lane and yoga: no method, path or content type reaches either without the router's signature.
  const authRefusals = opts.metrics.counter(
    "internal_auth_refusals_total",
    "Requests and graphql-ws connections refused for want of a valid router signature, by reason",
    ["transport", "reason"],
  );
  const authGate = createInternalAuthGate({
    verifier,
    maxBodyBytes: MAX_BODY_BYTES,
    onRefused: (reason) => authRefusals.inc({ transport: "http", reason }),
  });
  const gated = authGate(fastLane(yoga as never));
  const publicRoutes = new Map(Object.entries(opts.publicRoutes ?? {}));
  const httpServer = createServiceHttpServer({
    handler:
      publicRoutes.size === 0
        ? gated
        : (req, res) => (publicRoutes.get((req.url ?? "/").split("?")[0] ?? "/") ?? gated)(req, res),
    metrics: opts.metrics,
    health: opts.health,
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: 1024 * 1024 });
  const activeSockets = opts.metrics.gauge("websocket_connections", "Open graphql-ws connections");
  wsServer.on("connection", (socket) => {
    activeSockets.inc();
    socket.once("close", () => activeSockets.dec());
  });
  const wsHandle = useServer<Record<string, unknown>, { plazaIdentity?: InternalIdentity }>(
    {
      onConnect: (ctx) => {
        // The router signs the upstream connection the same way it signs HTTP fetches.
        const header =
          (ctx.connectionParams?.[INTERNAL_AUTH_HEADER] as string | undefined) ??
          headerOf(ctx.extra.request.headers[INTERNAL_AUTH_HEADER]);
        const verified = verifier.verify(header, { purpose: "graphql-ws" });
        if (!verified.ok) {
          authRefusals.inc({ transport: "graphql-ws", reason: verified.reason });
          return false;
        }
        (ctx.extra as { plazaIdentity?: InternalIdentity }).plazaIdentity = verified.identity;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const plazaIdentity = (ctx.extra as { plazaIdentity?: InternalIdentity }).plazaIdentity;
        const requestId = (ctx.connectionParams?.[REQUEST_ID_HEADER] as string | undefined) ?? randomUUID();
        const enveloped = yoga.getEnveloped({ plazaIdentity, plazaRequestId: requestId, params: payload } as never);
        const document = enveloped.parse(payload.query);
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        const errors = enveloped.validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    },
    wsServer,
  );

  let closing: Promise<void> | undefined;
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  const close = async () => {
    opts.health.setDraining();
    // 1001 "Going Away" tells graphql-ws clients (the router) to reconnect elsewhere.
    for (const client of wsServer.clients) client.close(1001, "Server shutting down");
    await wsHandle.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    await closeServer(httpServer);
    await metricsServer?.close();
  };
  return {
    yoga,
    httpServer,
    listen: (port, host = "127.0.0.1") => listen(httpServer, port, host),
    async listenMetrics(port, host = "127.0.0.1") {
      metricsServer = await listenMetrics({
        mainServer: httpServer,
        metrics: opts.metrics,
        health: opts.health,
        port,
        host,
        logger,
      });
      return metricsServer.port;
    },
    // Safe to call twice (shutdown hooks and tests may both close).
    close: () => (closing ??= close()),
  };
}

/**
 * Errors the client only sees as INTERNAL_SERVER_ERROR are logged here, before masking, with the request id the
 * router sent: the one place an operator can find what went wrong.
 */
function logUnexpectedErrors(result: unknown, context: Partial<BaseContext> | undefined): void {
  const errors = (result as ExecutionResult | undefined)?.errors;
  if (!errors || !context?.logger) return;
  for (const error of errors) {
    if (isUnexpectedError(error))
      context.logger.error({ err: error.originalError ?? error, path: error.path }, "unexpected error masked");
  }
}

function useUnexpectedErrorLog(): Plugin {
  return {
    onExecute({ args }) {
      return { onExecuteDone: ({ result }) => logUnexpectedErrors(result, args.contextValue as Partial<BaseContext>) };
    },
  };
}
