import { randomUUID } from "node:crypto";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { WebSocket } from "ws";
import { INTERNAL_AUTH_HEADER, REQUEST_ID_HEADER, type InternalAuthTarget, type InternalIdentity, type Logger } from "@plaza/kit";
import type { SubscriptionMetrics } from "./subscription-metrics.ts";
import type { SubscriptionScope } from "./subscription-scope.ts";

export interface UpstreamRequest {
  subgraph: string;
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
  scope: SubscriptionScope;
}

/** Why an upstream subscription ended with an error. */
export type UpstreamFailure =
  /** The subgraph answered the subscription with GraphQL errors (graphql-ws `error` message). */
  | { kind: "graphql"; errors: readonly GraphQLFormattedError[] }
  /** The connection could not be (re-)established within the retry budget, or was refused for good. */
  | { kind: "unavailable"; message: string };

export interface UpstreamListener {
  /** `receivedAt`: epoch ms (sub-ms precision) when the router got the event. The payload is the listener's own. */
  next(payload: FormattedExecutionResult, receivedAt: number): void;
  /** The subgraph connection was lost and has been re-established; events in between may be missing. */
  resumed(gap: { subgraph: string; interruptedAt: number; resumedAt: number }): void;
  /** Terminal. */
  error(failure: UpstreamFailure): void;
  /** Terminal: the subgraph ended the subscription. */
  complete(): void;
}

export interface UpstreamStats {
  /** graphql-ws clients, one per subgraph and scope (each holds at most one socket). */
  connections: number;
  /** Subscriptions open on subgraphs. */
  subscriptions: number;
  /** Listeners over all of them (resolution groups). */
  listeners: number;
}

export interface UpstreamPool {
  /** Joins (or opens) the upstream subscription; the returned function leaves it, closing it with its last listener. */
  subscribe(request: UpstreamRequest, listener: UpstreamListener): () => void;
  stats(): UpstreamStats;
  close(): Promise<void>;
}

export interface UpstreamPoolDeps {
  /** graphql-ws URL of a subgraph (its HTTP URL with ws: / wss:). */
  urlOf(subgraph: string): string;
  signIdentity(identity: InternalIdentity, target: InternalAuthTarget): string;
  logger: Logger;
  metrics: SubscriptionMetrics;
  retryAttempts: number;
  retryMaxDelayMs: number;
  /** graphql-ws ping to the subgraph; no pong within the same interval drops the connection (then it reconnects). */
  pingIntervalMs: number;
}

interface Connection {
  key: string;
  subgraph: string;
  client: Client;
  subscriptions: Set<Shared>;
  socket?: WebSocket;
  pongTimer?: NodeJS.Timeout;
  interruptedAt?: number;
  disposed: boolean;
}

interface Shared {
  key: string;
  connection: Connection;
  listeners: Set<UpstreamListener>;
  unsubscribe: () => void;
  done: boolean;
}

const now = () => performance.timeOrigin + performance.now();

/** Key order must not split identical variables into two upstream subscriptions. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

function isFormattedErrors(value: unknown): value is GraphQLFormattedError[] {
  return Array.isArray(value) && value.every((e) => typeof e === "object" && e !== null && "message" in e);
}

/**
 * Upstream subscriptions over graphql-ws, shared: one subscription per (subgraph, operation, variables, scope),
 * multiplexed over one connection per (subgraph, scope) whose connection_init carries the scope's identity under
 * the router's signature. The last listener leaving completes the subscription upstream at once. A lost
 * connection is re-established with capped exponential backoff and its subscriptions re-sent (graphql-ws client
 * retries); listeners are told about the gap once the subgraph is back.
 */
export function createUpstreamPool(deps: UpstreamPoolDeps): UpstreamPool {
  const { logger, metrics } = deps;
  const connections = new Map<string, Connection>();
  const shared = new Map<string, Shared>();
  let closed = false;

  const retryWait = (retries: number) => {
    const base = Math.min(deps.retryMaxDelayMs, 100 * 2 ** retries);
    return new Promise<void>((resolve) => setTimeout(resolve, base / 2 + (Math.random() * base) / 2));
  };

  function connectionFor(subgraph: string, scope: SubscriptionScope): Connection {
    const key = `${subgraph}\u0000${scope.key}`;
    const existing = connections.get(key);
    if (existing) return existing;
    const identity: InternalIdentity = { viewerId: scope.viewer?.id ?? null, tokenExp: scope.viewer?.tokenExp };
    const requestId = `subscription-${randomUUID()}`;
    const log = logger.child({ subgraph, requestId, scope: scope.key });
    const connection: Connection = { key, subgraph, subscriptions: new Set(), disposed: false } as Connection;
    const clearPongTimer = () => {
      if (connection.pongTimer) clearTimeout(connection.pongTimer);
      connection.pongTimer = undefined;
    };
    connection.client = createClient({
      url: deps.urlOf(subgraph),
      webSocketImpl: WebSocket,
      lazy: true,
      // Signed at every (re)connect, for this subgraph's graphql-ws endpoint only: the signature has a short life.
      connectionParams: () => ({
        [INTERNAL_AUTH_HEADER]: deps.signIdentity(identity, { subgraph, purpose: "graphql-ws" }),
        [REQUEST_ID_HEADER]: requestId,
      }),
      retryAttempts: deps.retryAttempts,
      retryWait,
      // Connection refused while a subgraph restarts arrives as an error event, which graphql-ws would not retry.
      shouldRetry: () => !closed && !connection.disposed,
      keepAlive: deps.pingIntervalMs,
      on: {
        opened: (socket) => {
          connection.socket = socket as WebSocket;
        },
        ping: (received) => {
          if (received) return;
          clearPongTimer();
          connection.pongTimer = setTimeout(() => {
            log.warn("subgraph did not answer a ping in time; reconnecting");
            connection.socket?.close(4408, "Pong timeout");
          }, deps.pingIntervalMs);
        },
        pong: (received) => {
          if (received) clearPongTimer();
        },
        closed: (event) => {
          clearPongTimer();
          connection.socket = undefined;
          if (connection.disposed || closed || connection.subscriptions.size === 0) return;
          connection.interruptedAt ??= now();
          log.warn(
            { code: isCloseEvent(event) ? event.code : undefined, subscriptions: connection.subscriptions.size },
            "upstream subscription connection lost; re-subscribing",
          );
        },
        connected: (_socket, _payload, wasRetry) => {
          const interruptedAt = connection.interruptedAt;
          connection.interruptedAt = undefined;
          if (!wasRetry || interruptedAt === undefined) return;
          metrics.upstreamReconnects.inc({ subgraph });
          const gap = { subgraph, interruptedAt, resumedAt: now() };
          log.info({ gapMs: Math.round(gap.resumedAt - interruptedAt) }, "upstream subscription connection re-established");
          for (const sub of connection.subscriptions) for (const listener of [...sub.listeners]) listener.resumed(gap);
        },
      },
    });
    connections.set(key, connection);
    return connection;
  }

  function releaseConnection(connection: Connection): void {
    if (connection.subscriptions.size > 0 || connection.disposed) return;
    connection.disposed = true;
    if (connection.pongTimer) clearTimeout(connection.pongTimer);
    connections.delete(connection.key);
    // Lazy clients close their socket with the last subscription; dispose stops any reconnection in progress.
    void Promise.resolve(connection.client.dispose()).catch(() => undefined);
  }

  function finish(sub: Shared): boolean {
    if (sub.done) return false;
    sub.done = true;
    shared.delete(sub.key);
    sub.connection.subscriptions.delete(sub);
    metrics.upstreamSubscriptions.dec({ subgraph: sub.connection.subgraph });
    releaseConnection(sub.connection);
    return true;
  }

  function open(key: string, request: UpstreamRequest): Shared {
    const connection = connectionFor(request.subgraph, request.scope);
    const sub: Shared = { key, connection, listeners: new Set(), unsubscribe: () => undefined, done: false };
    shared.set(key, sub);
    connection.subscriptions.add(sub);
    metrics.upstreamSubscriptions.inc({ subgraph: request.subgraph });
    sub.unsubscribe = connection.client.subscribe<Record<string, unknown>, Record<string, unknown>>(
      { query: request.query, operationName: request.operationName, variables: request.variables },
      {
        next: (payload) => {
          if (sub.done) return;
          const receivedAt = now();
          // Plan execution merges into the payload it is given: every listener but the first gets its own copy.
          let first = true;
          for (const listener of [...sub.listeners]) {
            listener.next(first ? payload : structuredClone(payload), receivedAt);
            first = false;
          }
        },
        error: (err: unknown) => {
          const listeners = [...sub.listeners];
          if (!finish(sub)) return;
          const failure: UpstreamFailure = isFormattedErrors(err)
            ? { kind: "graphql", errors: err }
            : {
                kind: "unavailable",
                message: `Subgraph "${request.subgraph}" is unavailable${isCloseEvent(err) ? ` (closed with ${err.code})` : ""}`,
              };
          if (failure.kind === "unavailable") logger.warn({ subgraph: request.subgraph, err }, "upstream subscription failed");
          for (const listener of listeners) listener.error(failure);
        },
        complete: () => {
          const listeners = [...sub.listeners];
          if (!finish(sub)) return;
          for (const listener of listeners) listener.complete();
        },
      },
    );
    return sub;
  }

  return {
    subscribe(request, listener) {
      if (closed) throw new Error("upstream pool is closed");
      const key = [
        request.subgraph,
        request.scope.key,
        request.operationName ?? "",
        request.query,
        stableStringify(request.variables),
      ].join("\u0000");
      const sub = shared.get(key) ?? open(key, request);
      sub.listeners.add(listener);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        sub.listeners.delete(listener);
        if (sub.listeners.size > 0 || sub.done) return;
        // Sends graphql-ws `complete` to the subgraph now (or abandons a subscribe still connecting).
        sub.unsubscribe();
        finish(sub);
      };
    },
    stats() {
      let listeners = 0;
      for (const sub of shared.values()) listeners += sub.listeners.size;
      return { connections: connections.size, subscriptions: shared.size, listeners };
    },
    async close() {
      closed = true;
      for (const sub of [...shared.values()]) {
        sub.unsubscribe();
        finish(sub);
      }
      for (const connection of [...connections.values()]) {
        connection.disposed = true;
        connections.delete(connection.key);
        void Promise.resolve(connection.client.dispose()).catch(() => undefined);
        connection.client.terminate();
      }
    },
  };
}
