import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import {
  continueWithBody,
  createBoundedCache,
  negotiateResultType,
  readBody,
  REQUEST_ID_HEADER,
  textBytes,
  type NodeHandler,
} from "@plaza/kit";
import type { RouterMetrics } from "../metrics.ts";
import { CACHE_DEBUG_REQUEST_HEADER } from "../cache/request-state.ts";
import { requestIdFrom } from "../plugins/use-request-id.ts";

/** Query or mutation, by document text and operation name, as the GraphQL path parsed them (bounded). */
export interface OperationKinds {
  remember(text: string, operationName: string | null | undefined, kind: "query" | "mutation"): void;
  get(text: string, operationName: string | null | undefined): "query" | "mutation" | undefined;
}

export function createOperationKinds(maxTexts = 5_000, maxBytes = 8 * 1024 * 1024): OperationKinds {
  const kinds = createBoundedCache<string, "query" | "mutation">({
    maxEntries: maxTexts,
    maxBytes,
    sizeOf: (key) => textBytes(key) + 64,
  });
  const keyOf = (text: string, operationName: string | null | undefined) => `${operationName ?? ""}\n${text}`;
  return {
    remember: (text, operationName, kind) => kinds.set(keyOf(text, operationName), kind),
    get: (text, operationName) => kinds.get(keyOf(text, operationName)),
  };
}

export interface InboundDedupeOptions {
  graphqlPath: string;
  maxBodyBytes: number;
  kinds: OperationKinds;
  /** How long a joined request waits for the first one before it runs on its own. */
  waitMs: number;
  metrics: Pick<RouterMetrics, "inflightDedupes">;
}

/** The first request's answer, as its client got it. */
interface SharedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Larger bodies are rare and costly to key: they run on their own. */
const MAX_DEDUPED_BODY_BYTES = 64 * 1024;
/** Bodies remembered as known queries; larger ones are parsed each time. */
const MAX_REMEMBERED_BODY_CHARS = 4_096;
/** Headers every response gets afresh rather than a copy of the first response's. */
const OWN_HEADERS = new Set([REQUEST_ID_HEADER, "date", "connection", "keep-alive", "transfer-encoding"]);

/**
 * Inbound in-flight deduplication, independent of the response cache: a POST query identical to one in flight (same
 * body bytes, same Authorization, Origin and negotiated response type) waits for that one and gets the bytes its
 * client got — status, headers (its own request id) and body, serialised once. Only operations the GraphQL path has
 * already seen as queries join (mutations, subscriptions, unknown texts, APQ hashes without text never do), so the
 * first request of each text runs alone. Viewers never share: the key holds the Authorization header, so a private
 * answer reaches only the credential that asked. If the first request does not complete (its client left and the
 * execution was aborted, or it outlasts `waitMs`), the joined ones run on their own.
 */
export function createInboundDedupe(options: InboundDedupeOptions): (next: NodeHandler) => NodeHandler {
  const flights = new Map<string, Promise<SharedResponse | null>>();
  const joined = options.metrics.inflightDedupes.labels({ kind: "inbound" });
  const knownQueries = createBoundedCache<string, true>({
    maxEntries: 10_000,
    maxBytes: 16 * 1024 * 1024,
    sizeOf: (text) => textBytes(text) + 64,
  });

  function isKnownQuery(text: string): boolean {
    if (knownQueries.get(text)) return true;
    let params: { query?: unknown; operationName?: unknown };
    try {
      params = JSON.parse(text) as typeof params;
    } catch {
      return false;
    }
    if (typeof params !== "object" || params === null || typeof params.query !== "string") return false;
    const { operationName } = params;
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return false;
    if (options.kinds.get(params.query, operationName) !== "query") return false;
    // Only positive answers are kept: a text not yet seen may be learned later.
    if (text.length <= MAX_REMEMBERED_BODY_CHARS) knownQueries.set(text, true);
    return true;
  }

  function lead(key: string, next: NodeHandler, req: IncomingMessage, res: ServerResponse, body: Buffer) {
    let settle!: (shared: SharedResponse | null) => void;
    const flight = new Promise<SharedResponse | null>((resolve) => (settle = resolve));
    flights.set(key, flight);
    const finish = (shared: SharedResponse | null) => {
      if (flights.get(key) === flight) flights.delete(key);
      settle(shared); // later calls are no-ops
    };
    recordResponse(res, finish);
    continueWithBody(next, req, res, body);
  }

  async function join(
    flight: Promise<SharedResponse | null>,
    next: NodeHandler,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ) {
    let timer: NodeJS.Timeout | undefined;
    const shared = await Promise.race([
      flight,
      new Promise<null>((resolve) => (timer = setTimeout(resolve, options.waitMs, null))),
    ]);
    clearTimeout(timer);
    if (!shared) return continueWithBody(next, req, res, body);
    if (res.destroyed) return;
    joined.inc();
    res.writeHead(shared.status, {
      ...shared.headers,
      [REQUEST_ID_HEADER]: requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined),
    });
    res.end(shared.body);
  }

  return (next) => (req, res) => {
    if (req.method !== "POST" || req.url !== options.graphqlPath) return next(req, res);
    const length = Number(req.headers["content-length"]);
    if (!(length > 0 && length <= Math.min(options.maxBodyBytes, MAX_DEDUPED_BODY_BYTES))) return next(req, res);
    if (!req.headers["content-type"]?.startsWith("application/json")) return next(req, res);
    // A debugging client asks for an answer about its own request.
    if (req.headers[CACHE_DEBUG_REQUEST_HEADER] !== undefined) return next(req, res);
    const responseType = negotiateResultType(req.headers.accept);
    if (!responseType) return next(req, res); // event streams and multipart: not one shareable answer

    readBody(req, res, (body) => {
      const text = body.toString("utf8");
      if (body.length > MAX_DEDUPED_BODY_BYTES || !isKnownQuery(text)) return continueWithBody(next, req, res, body);
      const key = `${responseType}\n${req.headers.authorization ?? ""}\n${req.headers.origin ?? ""}\n${text}`;
      const flight = flights.get(key);
      if (flight) void join(flight, next, req, res, body);
      else lead(key, next, req, res, body);
    });
  };
}

/**
 * Calls `done` with what `res` sent once it has ended, or with null if it closes first (the client left) or sets a
 * cookie (an answer for one client only).
 */
function recordResponse(res: ServerResponse, done: (shared: SharedResponse | null) => void): void {
  const chunks: Buffer[] = [];
  let headers: OutgoingHttpHeaders = {};
  const toBuffer = (chunk: unknown, encoding?: unknown) =>
    Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
        : Buffer.from(chunk as Uint8Array);
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const given = rest.find((arg) => typeof arg === "object" && arg !== null) as OutgoingHttpHeaders | string[] | undefined;
    headers = { ...res.getHeaders(), ...lowerCased(given) };
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse["writeHead"];
  const write = res.write;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") chunks.push(toBuffer(chunk, rest[0]));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse["write"];
  const end = res.end;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") chunks.push(toBuffer(chunk, rest[0]));
    const sent = { ...res.getHeaders(), ...headers };
    const shareable = sent["set-cookie"] === undefined;
    for (const name of OWN_HEADERS) delete sent[name];
    done(shareable ? { status: res.statusCode, headers: sent, body: Buffer.concat(chunks) } : null);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse["end"];
  res.once("close", () => done(null)); // no-op after end: the flight is settled once
}

/** writeHead's headers (an object, or a flat [name, value, …] list) keyed by lower-case name. */
function lowerCased(headers: OutgoingHttpHeaders | string[] | undefined): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  const add = (name: string, value: OutgoingHttpHeaders[string]) => {
    const key = name.toLowerCase();
    const previous = result[key];
    result[key] = previous === undefined ? value : [previous, value].flat().map(String);
  };
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i]!, headers[i + 1]);
  else for (const [name, value] of Object.entries(headers ?? {})) add(name, value);
  return result;
}
