import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Health } from "./health.ts";
import { failRequest, guarded } from "./http-guard.ts";
import type { Logger } from "./logger.ts";
import type { ServiceMetrics } from "./metrics.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Operational endpoints every service exposes, in front of the service's own handler. */
export function createServiceHttpServer(opts: {
  handler: Handler;
  metrics: ServiceMetrics;
  health: Health;
  graphqlPath?: string;
  /** Where errors thrown by the handler are reported (they are answered with a masked 500 either way). */
  logger?: Logger;
}): Server & { metricsElsewhere(): void } {
  const { handler, metrics, health, logger } = opts;
  let metricsHere = true;
  const graphqlPath = opts.graphqlPath ?? "/graphql";
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/healthz") return json(res, 200, { status: "ok" });
    if (path === "/readyz") {
      void health.readiness().then(
        (r) => json(res, r.ready ? 200 : 503, r),
        () => json(res, 503, { ready: false }),
      );
      return;
    }
    if (path === "/metrics" && metricsHere) {
      void metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          logger?.error({ err }, "metrics collection failed");
          failRequest(res);
        },
      );
      return;
    }
    const started = performance.now();
    res.once("finish", () => {
      const route = path === graphqlPath ? graphqlPath : "other";
      metrics.httpDuration.observe(
        { method: req.method ?? "GET", route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    guarded(
      res,
      () => handler(req, res),
      (err) => logger?.error({ err, method: req.method, url: req.url }, "request handler threw"),
    );
  });
  server.keepAliveTimeout = 65_000; // longer than typical upstream idle timeouts, so pooled router connections are reused
  return Object.assign(server, {
    /** /metrics is served on a port of its own from now on (listenMetrics): not to the public port's clients. */
    metricsElsewhere: () => {
      metricsHere = false;
    },
  });
}

/**
 * A server for `/metrics` alone (and the health endpoints, for the scraper's own checks), on a port operators keep
 * internal: metrics name operations and show load, which the public port need not tell anyone.
 */
export async function listenMetrics(opts: {
  mainServer: ReturnType<typeof createServiceHttpServer>;
  metrics: ServiceMetrics;
  health: Health;
  port: number;
  host: string;
  logger?: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServiceHttpServer({
    handler: (_req, res) => json(res, 404, { error: "not found" }),
    metrics: opts.metrics,
    health: opts.health,
    logger: opts.logger,
  });
  const port = await listen(server, opts.port, opts.host);
  opts.mainServer.metricsElsewhere();
  return { port, close: () => closeServer(server) };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Resolves with the bound port (tests pass 0). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
