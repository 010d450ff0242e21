import type { IncomingMessage, ServerResponse } from "node:http";
import {
  continueWithBody,
  guarded,
  jsonNestingExceeds,
  negotiateResultType,
  readBoundedBody,
  REQUEST_ID_HEADER,
  type Logger,
  type NodeHandler,
  type RateLimiter,
} from "@plaza/kit";
import { requestIdFrom } from "../plugins/use-request-id.ts";

export interface RequestGuardOptions {
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays in a JSON body, or in GET's `variables` and `extensions`. */
  maxJsonDepth: number;
  /**
   * CSRF prevention (as Apollo Router does it): a POST must have a JSON content type — which a browser sends
   * cross-site only after a CORS preflight — or one of these headers (which also force a preflight).
   */
  csrf: { enabled: boolean; headers: readonly string[] };
  /** Request rate limits: per signed-in viewer, and per client address for everyone else. */
  rateLimits?: RequestRateLimits;
  logger: Logger;
}

export interface RequestRateLimits {
  perViewer?: RateLimiter;
  perAddress?: RateLimiter;
  /** The viewer of an Authorization header already verified, or undefined (counted by address until then). */
  viewerOf(authorization: string): string | undefined;
  /** The address a request is counted against. */
  addressOf(req: IncomingMessage): string;
}

/** Headers Apollo Router and graphql-yoga clients send to pass CSRF prevention; any one of them will do. */
export const CSRF_HEADERS = ["x-apollo-operation-name", "apollo-require-preflight", "x-graphql-yoga-csrf"] as const;

const JSON_BODY_TYPES = new Set(["application/json", "application/graphql-response+json", "application/graphql+json"]);

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** A GraphQL-shaped refusal in the media type the client accepts, before any GraphQL work. */
export function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] });
  res.writeHead(status, {
    "content-type": `${negotiateResultType(req.headers.accept) ?? "application/json"}; charset=utf-8`,
    "content-length": Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined),
    ...headers,
  });
  res.end(body);
  // The rest of a refused body is not read: the connection cannot carry another request.
  if (!req.complete) res.once("finish", () => req.destroy());
}

/**
 * The router's first handler, in front of every lane (cache fast path, fast lane, yoga): whatever a client sends is
 * refused here with a coded error before anything walks it, and nothing a lane throws can end the process.
 * - CSRF: POSTs without a JSON content type or a preflight-forcing header are refused (400 `CSRF_ERROR`).
 * - Bodies are read once, bounded while they arrive (also when chunked), and refused past `maxBodyBytes` (413).
 * - JSON nesting deeper than `maxJsonDepth` in the body or in GET parameters is refused (400 `BAD_REQUEST`).
 * - Past its rate limit (per viewer, or per address for anonymous callers) a request is refused (429
 *   `RATE_LIMITED` with `Retry-After`) before its body is read.
 */
export function createRequestGuard(options: RequestGuardOptions): (next: NodeHandler) => NodeHandler {
  const { maxBodyBytes, maxJsonDepth, logger } = options;
  const csrfHeaders = options.csrf.headers.map((header) => header.toLowerCase());
  const report = (err: unknown) => logger.error({ err }, "request handling threw");
  const tooDeep = (req: IncomingMessage, res: ServerResponse) =>
    refuse(req, res, 400, `JSON nests deeper than ${maxJsonDepth} levels`, "BAD_REQUEST");

  function guardGet(req: IncomingMessage, res: ServerResponse, next: NodeHandler): void {
    const query = req.url?.includes("?") ? new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1)) : undefined;
    for (const name of ["variables", "extensions"]) {
      const value = query?.get(name);
      if (value && jsonNestingExceeds(value, maxJsonDepth)) return tooDeep(req, res);
    }
    next(req, res);
  }

  function guardPost(req: IncomingMessage, res: ServerResponse, next: NodeHandler): void {
    const type = mediaType(req.headers["content-type"]);
    const json = JSON_BODY_TYPES.has(type);
    if (options.csrf.enabled && !json && !csrfHeaders.some((header) => req.headers[header] !== undefined)) {
      return refuse(
        req,
        res,
        400,
        `This request has been blocked as a potential Cross-Site Request Forgery (CSRF): send it with a JSON content type or one of the headers ${csrfHeaders.join(", ")}`,
        "CSRF_ERROR",
      );
    }
    readBoundedBody(req, maxBodyBytes, (result) =>
      guarded(
        res,
        () => {
          if (!result.ok) {
            if (result.reason === "too-large")
              return refuse(req, res, 413, "Request body too large", "REQUEST_ENTITY_TOO_LARGE", { connection: "close" });
            return void res.destroy();
          }
          if (json && jsonNestingExceeds(result.body, maxJsonDepth)) return tooDeep(req, res);
          continueWithBody(next, req, res, result.body);
        },
        report,
      ),
    );
  }

  const route = (req: IncomingMessage, res: ServerResponse, next: NodeHandler) => {
    if (req.method === "POST") return guardPost(req, res, next);
    if (req.method === "GET") return guardGet(req, res, next);
    next(req, res);
  };

  const limits = options.rateLimits;
  let limiterFailureLogged = 0;
  /** The limiter and key this request counts against, or undefined when no limit applies. */
  const limitFor = (req: IncomingMessage): [RateLimiter, string] | undefined => {
    if (!limits || req.method === "OPTIONS") return undefined;
    const authorization = req.headers.authorization;
    const viewer = authorization === undefined ? undefined : limits.viewerOf(authorization);
    if (viewer !== undefined) return limits.perViewer && [limits.perViewer, viewer];
    return limits.perAddress && [limits.perAddress, limits.addressOf(req)];
  };

  return (next) => (req, res) =>
    guarded(
      res,
      () => {
        const limit = limitFor(req);
        if (!limit) return route(req, res, next);
        limit[0].consume(limit[1]).then(
          (decision) =>
            guarded(
              res,
              () => {
                if (decision.allowed) return route(req, res, next);
                const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
                refuse(
                  req,
                  res,
                  429,
                  "Too many requests: slow down",
                  "RATE_LIMITED",
                  { "retry-after": String(seconds) },
                  { retryAfterSeconds: seconds },
                );
              },
              report,
            ),
          (err: unknown) => {
            // A limiter that cannot answer (Redis down) does not take the service down with it: requests pass.
            if (Date.now() - limiterFailureLogged > 10_000) {
              limiterFailureLogged = Date.now();
              logger.warn({ err }, "rate limiter unavailable: requests pass unlimited");
            }
            guarded(res, () => route(req, res, next), report);
          },
        );
      },
      report,
    );
}

/**
 * For the handler every lane falls back to (yoga): a JSON body that does not parse is a request error, 400 whatever
 * the client accepts (GraphQL over HTTP), where yoga would answer 200 to `application/json` clients. The lanes in
 * front parse bodies themselves; only what reaches this point is parsed here a second time.
 */
export function refuseInvalidJson(next: NodeHandler): NodeHandler {
  return (req, res) => {
    const body = (req as IncomingMessage & { body?: unknown }).body;
    if (req.method === "POST" && Buffer.isBuffer(body) && JSON_BODY_TYPES.has(mediaType(req.headers["content-type"]))) {
      try {
        JSON.parse(body.toString("utf8"));
      } catch {
        return refuse(req, res, 400, "POST body sent invalid JSON.", "BAD_REQUEST");
      }
    }
    next(req, res);
  };
}
