import {
  GraphQLError,
  getOperationAST,
  getVariableValues,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
} from "graphql";
import type { InternalAuthTarget, InternalIdentity, Logger } from "@plaza/kit";
import type { RouterContext } from "../context.ts";
import type { FederationEngine, PlannedSubscription } from "../engine/federation-engine.ts";
import { ClientStream } from "./client-stream.ts";
import type { ConnectionLimiter } from "./connection-limiter.ts";
import type { SubscriptionMetrics, SubscriptionTransport } from "./subscription-metrics.ts";
import type { SubscriptionOptions } from "./subscription-options.ts";
import { SubscriptionGroup } from "./subscription-group.ts";
import { publicFieldSet, subscriptionScope, type SubscriptionScope } from "./subscription-scope.ts";
import { createUpstreamPool, stableStringify, type UpstreamStats } from "./upstream-pool.ts";

/** The GraphQL context field through which a transport (graphql-ws) hands its connection to the engine. */
export const SUBSCRIPTION_CHANNEL = "subscriptionChannel";

/**
 * The client connection an operation arrived on, put in its GraphQL context by the transport (graphql-ws); absent
 * for SSE, where each stream is a connection of its own.
 */
export interface SubscriptionChannel {
  transport: SubscriptionTransport;
  /** The connection's buffer overflowed: close it (the engine already dropped the subscription). */
  dropSlowConsumer(): void;
  /** Handed the operation's stream, e.g. to take its events directly (ClientStream.deliverTo). */
  attach?(stream: ClientStream): void;
}

export interface SubscriptionEngineDeps {
  /** Plans subscriptions and completes their events; its subgraph clients give the subgraphs' URLs. */
  engine: Pick<FederationEngine, "planSubscription" | "subgraphs">;
  signIdentity(identity: InternalIdentity, target: InternalAuthTarget): string;
  logger: Logger;
  metrics: SubscriptionMetrics;
  options: SubscriptionOptions;
  /** Shared with the graphql-ws server: SSE streams count as connections too. */
  limiter: ConnectionLimiter;
  /**
   * The router's error masking, applied once per event for all clients of a subscription (graphql-ws clients
   * take events directly from the engine, past envelop's per-result hooks).
   */
  maskError?: (error: unknown, message: string) => GraphQLError;
}

export interface SubscriptionStats {
  clientSubscriptions: number;
  /** Distinct (operation, variables, scope) being resolved; each resolves every event once. */
  groups: number;
  upstream: UpstreamStats;
}

export interface SubscriptionEngine {
  /** envelop's subscribe: an error result, or an async iterator of results (one per event). */
  subscribe(args: ExecutionArgs): ExecutionResult | ClientStream;
  stats(): SubscriptionStats;
  /** Completes every client subscription and closes upstream subscriptions. */
  close(): Promise<void>;
}

/** A client stream that joins the group resolving its events. */
type JoinableStream = ClientStream & { join(group: SubscriptionGroup): void };

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

function wsUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/**
 * Federated subscriptions: each subscription is planned by the federation engine, its `primary` fetch is opened on
 * the owning subgraph over graphql-ws (shared between identical subscriptions of one scope), and every event is
 * completed by the engine, with the primary fetch answered by the event and anything else fetched from the
 * subgraphs as for any query.
 */
export function createSubscriptionEngine(deps: SubscriptionEngineDeps): SubscriptionEngine {
  const { logger, metrics, options, limiter } = deps;
  const publicFields = publicFieldSet(options.publicFields);
  const pool = createUpstreamPool({
    urlOf: (name) => {
      const source = deps.engine.subgraphs.get(name);
      if (!source) throw new Error(`Subgraph "${name}" is not part of the supergraph`);
      return wsUrlOf(source.url);
    },
    signIdentity: deps.signIdentity,
    logger: logger.child({ component: "upstream-subscriptions" }),
    metrics,
    retryAttempts: options.retryAttempts,
    retryMaxDelayMs: options.retryMaxDelayMs,
    pingIntervalMs: options.pingIntervalMs,
  });
  const groups = new Map<string, SubscriptionGroup>();
  const streams = new Set<ClientStream>();
  let closed = false;

  const maskError = deps.maskError;
  function mask(result: ExecutionResult): ExecutionResult {
    if (!maskError || !result.errors?.length) return result;
    return { ...result, errors: result.errors.map((error) => maskError(error, "Unexpected error.")) };
  }

  function resolver(plan: PlannedSubscription, args: ExecutionArgs, scope: SubscriptionScope, requestId: string) {
    const context: RouterContext = {
      requestId,
      viewer: scope.viewer,
      clientIp: (args.contextValue as Partial<RouterContext> | undefined)?.clientIp ?? null,
      logger: logger.child({ requestId }),
    };
    const complete = plan.eventResolver({ ...args, contextValue: context });
    return async (payload: FormattedExecutionResult): Promise<ExecutionResult> => {
      try {
        return mask(await complete(payload));
      } catch (err) {
        // Masked as INTERNAL_SERVER_ERROR (and logged) by the router's maskError.
        return mask({
          data: null,
          errors: [new GraphQLError("Could not resolve a subscription event", { originalError: err as Error })],
        });
      }
    };
  }

  /** SSE streams are connections of their own: counted per user and ended when the token expires. */
  function openSseStream(viewer: RouterContext["viewer"]): { stream: JoinableStream } | { error: ExecutionResult } {
    if (viewer && !limiter.tryAcquire(viewer.id)) {
      return {
        error: {
          errors: [new GraphQLError("Too many subscription connections for this user", { extensions: { code: "RATE_LIMITED" } })],
        },
      };
    }
    metrics.connections.inc({ transport: "sse" });
    let expiry: NodeJS.Timeout | undefined;
    const stream = newStream("sse", undefined, () => {
      if (expiry) clearTimeout(expiry);
      if (viewer) limiter.release(viewer.id);
      metrics.connections.dec({ transport: "sse" });
    });
    if (viewer) {
      expiry = setTimeout(
        () => stream.end({ errors: [new GraphQLError("Access token expired", { extensions: { code: "UNAUTHENTICATED" } })] }),
        // setTimeout's limit is ~24.8 days; longer-lived tokens are re-checked then.
        Math.min(Math.max(0, viewer.tokenExp * 1000 - Date.now()), 2_147_000_000),
      );
      expiry.unref();
    }
    return { stream };
  }

  function newStream(
    transport: SubscriptionTransport,
    channel: SubscriptionChannel | undefined,
    onClose?: () => void,
  ): JoinableStream {
    let group: SubscriptionGroup | undefined;
    const stream = new ClientStream(options.maxQueuedEvents, {
      onClose: (s) => {
        streams.delete(s);
        metrics.clientSubscriptions.dec();
        group?.remove(s);
        onClose?.();
      },
      onOverflow: () => {
        metrics.slowConsumersDropped.inc({ transport });
        channel?.dropSlowConsumer();
      },
      onDeliver: (receivedAt) => {
        metrics.eventsDelivered.inc();
        metrics.deliveryLatency.observe((performance.timeOrigin + performance.now() - receivedAt) / 1000);
      },
    });
    streams.add(stream);
    metrics.clientSubscriptions.inc();
    return Object.assign(stream, {
      join(g: SubscriptionGroup) {
        group = g;
        g.add(stream);
      },
    });
  }

  return {
    subscribe(args) {
      if (closed)
        return { errors: [new GraphQLError("The router is shutting down", { extensions: { code: "INTERNAL_SERVER_ERROR" } })] };
      const context = args.contextValue as RouterContext & { [SUBSCRIPTION_CHANNEL]?: SubscriptionChannel };
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (!operation) return { errors: [badInput("Unable to identify the operation")] };
      const coerced = getVariableValues(
        args.schema,
        operation.variableDefinitions ?? [],
        (args.variableValues ?? {}) as Record<string, unknown>,
      );
      if (coerced.errors) return { errors: coerced.errors };

      let plan: PlannedSubscription;
      try {
        plan = deps.engine.planSubscription(args.document, args.operationName);
      } catch (err) {
        if (err instanceof GraphQLError) return { errors: [err] };
        return { errors: [new GraphQLError("Could not plan the subscription", { originalError: err as Error })] };
      }

      const viewer = context.viewer ?? null;
      const channel = context[SUBSCRIPTION_CHANNEL];
      let stream: JoinableStream;
      if (channel) {
        stream = newStream(channel.transport, channel);
        channel.attach?.(stream);
      } else {
        const opened = openSseStream(viewer);
        if ("error" in opened) return opened.error;
        stream = opened.stream;
      }

      const scope = subscriptionScope(viewer, plan.rootField, publicFields);
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const key = [scope.key, plan.queryHash, args.operationName ?? "", stableStringify(coerced.coerced)].join("\u0000");
      let group = groups.get(key);
      if (group) {
        stream.join(group);
        return stream;
      }
      const groupLogger = logger.child({ requestId: context.requestId, subscription: plan.rootField, scope: scope.key });
      group = new SubscriptionGroup(
        key,
        resolver(plan, args, scope, context.requestId),
        (g) => {
          if (groups.get(g.key) === g) groups.delete(g.key);
        },
        groupLogger,
      );
      groups.set(key, group);
      stream.join(group);
      const upstreamVariables = Object.fromEntries(
        plan.primary.variableUsages.filter((name) => name in variables).map((name) => [name, variables[name]]),
      );
      group.attach(
        pool.subscribe(
          {
            subgraph: plan.primary.subgraph,
            query: plan.primary.query,
            operationName: plan.primary.operationName,
            variables: upstreamVariables,
            scope,
          },
          group,
        ),
      );
      return stream;
    },
    stats: () => ({ clientSubscriptions: streams.size, groups: groups.size, upstream: pool.stats() }),
    async close() {
      closed = true;
      for (const group of [...groups.values()]) group.shutdown();
      for (const stream of [...streams]) stream.end();
      await pool.close();
    },
  };
}
