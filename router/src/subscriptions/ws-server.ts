import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from "graphql";
import { CloseCode, handleProtocols, makeServer } from "graphql-ws";
import type { YogaServerInstance } from "graphql-yoga";
import { WebSocket, WebSocketServer } from "ws";
import { REQUEST_ID_HEADER, type Logger } from "@plaza/kit";
import type { Authenticator } from "../auth/authenticator.ts";
import type { RouterContext, RouterServerContext, Viewer } from "../context.ts";
import { requestIdFrom } from "../plugins/use-request-id.ts";
import type { ConnectionLimiter } from "./connection-limiter.ts";
import { SUBSCRIPTION_CHANNEL, type SubscriptionChannel } from "./subscription-engine.ts";
import type { SubscriptionMetrics } from "./subscription-metrics.ts";
import type { SubscriptionOptions } from "./subscription-options.ts";

/** Close codes beyond graphql-ws's own (4400 bad message, 4403 forbidden, 4408 init timeout, …). */
export const WS_CLOSE = {
  goingAway: 1001,
  tooManyConnections: 1008,
  messageTooBig: 1009,
  slowConsumer: 1013,
  tokenExpired: CloseCode.Forbidden,
  tokenRevoked: CloseCode.Forbidden,
} as const;

export interface SubscriptionWsServerDeps {
  httpServer: Server;
  /** Where graphql-ws is served: the GraphQL endpoint. */
  path: string;
  yoga: YogaServerInstance<RouterServerContext, RouterContext>;
  /** Checks connection_init credentials; its revocations close the matching connections. */
  authenticator: Authenticator;
  limiter: ConnectionLimiter;
  /** Anonymous connections per client address. */
  anonymousLimiter: ConnectionLimiter;
  /** The address a request is counted against (honours ROUTER_TRUSTED_PROXIES). */
  clientKeyOf(request: IncomingMessage): string;
  options: SubscriptionOptions;
  metrics: SubscriptionMetrics;
  logger: Logger;
}

export interface SubscriptionWsServer {
  connections(): number;
  /** Closes every connection with 1001 (Going Away) and stops accepting new ones. */
  close(): Promise<void>;
}

interface ConnectionState {
  socket: WebSocket;
  requestId: string;
  viewer: Viewer | null;
  alive: boolean;
  /** Which tick of the heartbeat cycle pings this connection. */
  heartbeatSlot: number;
  operations: number;
  /** The limiter slot this connection holds (a user, or an address for anonymous clients), released on close. */
  slot?: { limiter: ConnectionLimiter; key: string };
  expiry?: NodeJS.Timeout;
  dropping: boolean;
}

interface Extra {
  state: ConnectionState;
  request: IncomingMessage;
}

type Enveloped = ReturnType<SubscriptionWsServerDeps["yoga"]["getEnveloped"]>;

/** Each connection is pinged once per interval, a tenth of them at a time. */
const HEARTBEAT_SLICES = 10;

const serializations = new WeakMap<ExecutionResult, string>();
/** One JSON text per event object, whichever client asks first (GraphQLErrors serialize through their toJSON). */
function serialized(result: ExecutionResult): string {
  let json = serializations.get(result);
  if (json === undefined) serializations.set(result, (json = JSON.stringify(result)));
  return json;
}

const headerOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * graphql-ws on the router's GraphQL endpoint, over yoga's envelop (so queries and mutations sent this way run
 * through the gateway executor and subscriptions through the federated subscription engine, with the same
 * plugins as HTTP). Auth happens at connection_init; limits, heartbeats and slow-consumer protection live here.
 */
export function createSubscriptionWsServer(deps: SubscriptionWsServerDeps): SubscriptionWsServer {
  const { options, metrics, limiter, logger, yoga } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    handleProtocols: (protocols) => handleProtocols(protocols) || false,
  });
  const states = new Map<WebSocket, ConnectionState>();
  const envelopedByContext = new WeakMap<object, Enveloped>();
  let closing = false;
  let connectionSeq = 0;

  const expiryDelay = (viewer: Viewer) => Math.min(Math.max(0, viewer.tokenExp * 1000 - Date.now()), 2_147_000_000);

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: options.connectionInitTimeoutMs,
    onConnect: async (ctx) => {
      const { state, request } = ctx.extra;
      const fromParams = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      if (fromParams !== undefined && fromParams !== null && typeof fromParams !== "string") return false;
      const authorization = fromParams ?? headerOf(request.headers.authorization);
      const result = await deps.authenticator.authenticate(authorization);
      if (result.kind === "rejected" || result.kind === "unavailable") return false; // 4403 Forbidden
      if (result.kind === "anonymous") {
        const address = deps.clientKeyOf(request);
        if (!deps.anonymousLimiter.tryAcquire(address)) {
          state.socket.close(WS_CLOSE.tooManyConnections, "Too many anonymous connections from this address");
          return false;
        }
        state.slot = { limiter: deps.anonymousLimiter, key: address };
        return true;
      }
      const viewer = result.viewer;
      if (!limiter.tryAcquire(viewer.id)) {
        // Closed before graphql-ws answers 4403: the first close code is the one the client sees.
        state.socket.close(WS_CLOSE.tooManyConnections, "Too many connections for this user");
        return false;
      }
      state.slot = { limiter, key: viewer.id };
      state.viewer = viewer;
      state.expiry = setTimeout(() => state.socket.close(WS_CLOSE.tokenExpired, "Access token expired"), expiryDelay(viewer));
      state.expiry.unref();
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const { state, request } = ctx.extra;
      const max = state.viewer ? options.maxSubscriptionsPerConnection : options.maxAnonymousSubscriptionsPerConnection;
      if (Object.keys(ctx.subscriptions).length > max) {
        return [
          new GraphQLError(`At most ${max} operations per ${state.viewer ? "" : "anonymous "}connection`, {
            extensions: { code: "RATE_LIMITED" },
          }),
        ];
      }
      state.operations += 1;
      const channel: SubscriptionChannel = {
        transport: "ws",
        dropSlowConsumer: () => dropSlowConsumer(state, true),
        // Subscription events are written straight to the socket, serialized once per event for all clients.
        attach: (stream) => stream.deliverTo(directSink(state, id)),
      };
      const enveloped = yoga.getEnveloped({
        requestId: `${state.requestId}.${state.operations}`,
        viewer: state.viewer,
        // The upgrade request: the context reads the client's address from it, as for HTTP.
        req: request,
        [SUBSCRIPTION_CHANNEL]: channel,
        params: payload,
      } as RouterServerContext);
      let document;
      try {
        document = enveloped.parse(payload.query);
      } catch (err) {
        return [
          err instanceof GraphQLError ? err : new GraphQLError("Invalid document", { extensions: { code: "BAD_USER_INPUT" } }),
        ];
      }
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length) return errors;
      const contextValue = (await enveloped.contextFactory()) as object;
      envelopedByContext.set(contextValue, enveloped);
      const args: ExecutionArgs = {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue,
      };
      return args;
    },
    execute: (args) => envelopedByContext.get(args.contextValue as object)!.execute(args) as never,
    subscribe: (args) => envelopedByContext.get(args.contextValue as object)!.subscribe(args) as never,
  });

  /**
   * graphql-ws `next` messages for one subscription, written without graphql-ws's per-message path: the payload
   * is serialized once per event and shared by every client of the subscription (fan-out to thousands of clients
   * costs one socket write each). Per-event envelop result hooks are skipped for these; the engine masks errors.
   */
  function directSink(state: ConnectionState, id: string) {
    const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    return (result: ExecutionResult) => {
      const { socket } = state;
      if (socket.readyState !== WebSocket.OPEN) return;
      if (socket.bufferedAmount > options.maxBufferedBytes) return dropSlowConsumer(state, false);
      socket.send(`${prefix}${serialized(result)}}`);
    };
  }

  function dropSlowConsumer(state: ConnectionState, counted: boolean): void {
    if (state.dropping) return;
    state.dropping = true;
    if (!counted) metrics.slowConsumersDropped.inc({ transport: "ws" });
    logger.warn({ requestId: state.requestId, buffered: state.socket.bufferedAmount }, "dropping slow subscription consumer");
    // The close frame queues behind data the client is not reading: do not wait for the handshake.
    state.socket.close(WS_CLOSE.slowConsumer, "Slow consumer: send buffer full");
    setTimeout(() => state.socket.terminate(), 1_000).unref();
  }

  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    metrics.connections.inc({ transport: "ws" });
    const state: ConnectionState = {
      socket,
      requestId: requestIdFrom(headerOf(request.headers[REQUEST_ID_HEADER])),
      viewer: null,
      alive: true,
      heartbeatSlot: connectionSeq++ % HEARTBEAT_SLICES,
      operations: 0,
      dropping: false,
    };
    states.set(socket, state);
    socket.on("pong", () => {
      state.alive = true;
    });
    // Oversized messages (1009) and protocol violations surface here; ws closes the socket itself.
    socket.on("error", (err) => logger.debug({ err, requestId: state.requestId }, "graphql-ws socket error"));

    const closed = server.opened(
      {
        protocol: socket.protocol,
        // Never waits for the client: a shared fan-out must not slow down to the pace of its slowest reader.
        // What the client has not read yet is bounded by maxBufferedBytes instead.
        send: (data) => {
          if (socket.readyState !== WebSocket.OPEN) return;
          if (socket.bufferedAmount > options.maxBufferedBytes) return dropSlowConsumer(state, false);
          socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", (data, isBinary) => {
            const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : String(data);
            cb(text).catch((err: unknown) => {
              logger.error({ err, requestId: state.requestId }, "graphql-ws message handling failed");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            });
          }),
      },
      { state, request },
    );

    socket.once("close", (code, reason) => {
      states.delete(socket);
      if (state.expiry) clearTimeout(state.expiry);
      if (state.slot) state.slot.limiter.release(state.slot.key);
      metrics.connections.dec({ transport: "ws" });
      // Ends every subscription of the connection: their iterators' return() leaves the upstreams at once.
      closed(code, reason.toString()).catch((err: unknown) => logger.error({ err }, "graphql-ws close handling failed"));
    });
  });

  // Pings are spread over the interval in slices: 10,000 pings at once would delay events by a burst of writes.
  let tick = 0;
  const heartbeat = setInterval(
    () => {
      const slot = tick++ % HEARTBEAT_SLICES;
      for (const state of states.values()) {
        if (state.heartbeatSlot !== slot) continue;
        if (!state.alive) {
          logger.debug({ requestId: state.requestId }, "graphql-ws client missed a heartbeat; terminating");
          state.socket.terminate();
          continue;
        }
        state.alive = false;
        state.socket.ping();
      }
    },
    Math.max(1, Math.floor(options.pingIntervalMs / HEARTBEAT_SLICES)),
  );
  heartbeat.unref();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== deps.path || closing) {
      const status = closing ? "503 Service Unavailable" : "404 Not Found";
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
  deps.httpServer.on("upgrade", onUpgrade);
  // A revoked token's connections end at once (their subscriptions with them); the scan runs per revocation event.
  const stopRevocations = deps.authenticator.onRevoked((matches) => {
    for (const state of states.values()) {
      if (state.viewer && matches(state.viewer)) state.socket.close(WS_CLOSE.tokenRevoked, "Access token revoked");
    }
  });

  let closingPromise: Promise<void> | undefined;
  return {
    connections: () => states.size,
    close() {
      closingPromise ??= (async () => {
        closing = true;
        stopRevocations();
        clearInterval(heartbeat);
        const sockets = [...states.keys()];
        const allClosed = Promise.all(
          sockets.map((socket) =>
            socket.readyState === WebSocket.CLOSED
              ? undefined
              : new Promise<void>((resolve) => socket.once("close", () => resolve())),
          ),
        );
        for (const socket of sockets) socket.close(WS_CLOSE.goingAway, "Router shutting down");
        // Clients that do not answer the close handshake promptly are cut off.
        const timer = setTimeout(() => sockets.forEach((socket) => socket.terminate()), 2_000);
        await allClosed;
        clearTimeout(timer);
        deps.httpServer.off("upgrade", onUpgrade);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closingPromise;
    },
  };
}
