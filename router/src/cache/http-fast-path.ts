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
import { requestIdFrom } from "../plugins/use-request-id.ts";
import { responseCacheKey, scopeKey } from "./cache-key.ts";
import type { KnownOperations } from "./known-operations.ts";
import { CACHE_DEBUG_REQUEST_HEADER, CACHE_DEBUG_RESPONSE_HEADER } from "./request-state.ts";
import type { TwoLevelCache } from "./two-level-cache.ts";
import type { VerifiedTokens } from "../auth/verified-tokens.ts";

export type { NodeHandler };

export interface HttpFastPathOptions {
  cache: TwoLevelCache;
  knownOperations: KnownOperations;
  verifiedTokens: VerifiedTokens;
  graphqlPath: string;
  maxBodyBytes: number;
  metrics: Pick<RouterMetrics, "responseCacheLookups" | "responseCacheFastPathHits" | "operationDuration" | "operationLabel">;
  /** The CORS headers yoga would add for this origin (none for origins the policy does not allow). */
  corsHeaders(origin: string | undefined): OutgoingHttpHeaders | undefined;
  /** Whether `x-plaza-cache-debug: 1` is answered with `x-plaza-cache` (off in production). */
  debugHeader: boolean;
}

/** The response type yoga would choose (kit's negotiation, shared with the GraphQL fast lane), with its charset. */
function negotiate(accept: string | undefined): string | undefined {
  const type = negotiateResultType(accept);
  return type && `${type}; charset=utf-8`;
}

/** What a request body resolved to, so byte-identical requests skip JSON parsing and hashing. */
interface ResolvedBody {
  generation: number;
  operationName: string | null;
  operationLabel: string;
  scope: "PUBLIC" | "PRIVATE";
  variables: unknown;
  query: string;
  /** Cache key per viewer (or "" for anonymous / public). */
  keys: Map<string, string>;
}

const MAX_RESOLVED_BODIES = 10_000;
const MAX_RESOLVED_BYTES = 16 * 1024 * 1024;
/** Only small bodies are remembered (the memo must stay small); larger ones are parsed every time. */
const MAX_RESOLVED_BODY_CHARS = 4_096;

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/**
 * Serves first-level cache hits before GraphQL: a POST whose query text the GraphQL path already analysed as
 * cacheable, whose caller is anonymous or carries a token the GraphQL path already verified, and whose cache key
 * is in L1, is answered with the stored bytes — no yoga, no parse, no validation. Everything else (and every
 * miss) continues to yoga with the body already read. The response is the one yoga sends for the same hit: same
 * body, content type, request id and CORS headers (yoga's defaults), and the same metrics.
 * A plugin that must see every request (rate limits, for example) must be mirrored here, or the fast path turned
 * off (RESPONSE_CACHE_FAST_PATH=false).
 */
export function createHttpFastPath(options: HttpFastPathOptions): (next: NodeHandler) => NodeHandler {
  const { cache, knownOperations, verifiedTokens, metrics } = options;
  // Label hashing is measurable at this rate: bind the label sets once.
  const l1Hit = metrics.responseCacheLookups.labels({ level: "l1", result: "hit" });
  const durations = new Map<string, ReturnType<HttpFastPathOptions["metrics"]["operationDuration"]["labels"]>>();
  const resolvedBodies = createBoundedCache<string, ResolvedBody>({
    maxEntries: MAX_RESOLVED_BODIES,
    maxBytes: MAX_RESOLVED_BYTES,
    sizeOf: (text, resolved) => textBytes(text) + textBytes(resolved.query) + 512,
  });

  /** Parses and checks a body once; later byte-identical bodies are a map lookup. */
  function resolve(text: string): ResolvedBody | undefined {
    const known = resolvedBodies.get(text);
    if (known && known.generation === knownOperations.generation) return known;
    let params: GraphQLParams;
    try {
      params = JSON.parse(text) as GraphQLParams;
    } catch {
      return undefined;
    }
    if (typeof params !== "object" || params === null || typeof params.query !== "string") return undefined;
    if (params.extensions !== undefined && params.extensions !== null) return undefined;
    const operationName = typeof params.operationName === "string" ? params.operationName : null;
    if (params.operationName !== undefined && params.operationName !== null && operationName === null) return undefined;
    const analysis = knownOperations.get(params.query, operationName);
    if (!analysis?.cacheable) return undefined;
    const resolved: ResolvedBody = {
      generation: knownOperations.generation,
      operationName,
      operationLabel: metrics.operationLabel(operationName ?? analysis.name ?? "anonymous"),
      scope: analysis.scope,
      variables: params.variables,
      query: params.query,
      keys: new Map(),
    };
    if (text.length <= MAX_RESOLVED_BODY_CHARS) resolvedBodies.set(text, resolved);
    return resolved;
  }

  function tryServe(req: IncomingMessage, res: ServerResponse, body: Buffer, started: number): boolean {
    const resolved = resolve(body.toString("utf8"));
    if (!resolved) return false;

    let viewerId: string | null = null;
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const viewer = verifiedTokens.get(authorization);
      if (!viewer) return false;
      viewerId = viewer.id;
    }
    if (resolved.scope === "PRIVATE" && viewerId === null) return false;
    const contentType = negotiate(req.headers.accept);
    if (!contentType) return false;

    const keyOwner = resolved.scope === "PRIVATE" ? viewerId! : "";
    let key = resolved.keys.get(keyOwner);
    if (key === undefined) {
      try {
        key = responseCacheKey(resolved.query, resolved.operationName, resolved.variables, scopeKey(resolved.scope, viewerId));
      } catch {
        return false; // variables the key refuses to walk: the GraphQL path answers with the coded error
      }
      if (resolved.keys.size < 64) resolved.keys.set(keyOwner, key);
    }
    const entry = cache.l1.get(key);
    if (!entry) return false;
    l1Hit.inc();
    metrics.responseCacheFastPathHits.inc();

    const headers: OutgoingHttpHeaders = {
      "content-type": contentType,
      "content-length": entry.body.length,
      [REQUEST_ID_HEADER]: requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined),
    };
    if (options.debugHeader && req.headers[CACHE_DEBUG_REQUEST_HEADER] === "1") headers[CACHE_DEBUG_RESPONSE_HEADER] = "hit-l1";
    const cors = options.corsHeaders(req.headers.origin);
    res.writeHead(200, cors ? { ...headers, ...cors } : headers);
    res.end(entry.body);
    let duration = durations.get(resolved.operationLabel);
    if (!duration) {
      duration = metrics.operationDuration.labels({ operation: resolved.operationLabel, type: "query" });
      if (durations.size < 1_000) durations.set(resolved.operationLabel, duration);
    }
    duration.observe((performance.now() - started) / 1000);
    return true;
  }

  return (next) => (req, res) => {
    if (req.method !== "POST" || req.url !== options.graphqlPath) return next(req, res);
    const length = Number(req.headers["content-length"]);
    const type = req.headers["content-type"];
    if (!(length > 0 && length <= options.maxBodyBytes) || !type?.startsWith("application/json")) return next(req, res);

    const started = performance.now();
    readBody(req, res, (body) => {
      if (body.length <= options.maxBodyBytes && tryServe(req, res, body, started)) return;
      continueWithBody(next, req, res, body);
    });
  };
}
