import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { INTERNAL_AUTH_HEADER, REQUEST_ID_HEADER, type InternalAuthTarget, type InternalIdentity, type Logger } from "@plaza/kit";
import type { RouterContext } from "../context.ts";
import type { RouterMetrics, SubgraphFetchOutcome } from "../metrics.ts";
import type { SubgraphClient, SubgraphRequest, SubgraphResponse } from "../engine/federation-engine.ts";
import { dedupeRepresentations } from "./entity-representations.ts";
import type { FetchDeduper } from "./fetch-dedupe.ts";

export type { SubgraphClient };

export interface SubgraphClientDeps {
  name: string;
  url: string;
  /** Shared keep-alive connection pools (an undici Agent keeps one pool per origin). */
  dispatcher: Dispatcher;
  /** createInternalSigner(INTERNAL_AUTH_KEY): the only identity subgraphs trust, bound to this subgraph and body. */
  signIdentity: (identity: InternalIdentity, target: InternalAuthTarget) => string;
  timeoutMs: number;
  metrics: Pick<RouterMetrics, "subgraphFetchDuration" | "subgraphRepresentations">;
  logger: Logger;
  /** Identical concurrent query fetches (same viewer, same body) share one upstream request. Off when absent. */
  dedupe?: FetchDeduper;
  /** Each distinct entity representation is sent once per fetch (entity-representations.ts). */
  entityDedupe?: boolean;
}

/** A fetch that produced no usable GraphQL response; the client sees it masked as INTERNAL_SERVER_ERROR. */
export class SubgraphFetchError extends Error {
  constructor(
    readonly subgraph: string,
    readonly outcome: SubgraphFetchOutcome,
    message: string,
    readonly details: { status?: number; body?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SubgraphFetchError";
  }
}

const ACCEPT = "application/graphql-response+json, application/json;q=0.9";
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);
const BODY_SNIPPET = 500;
/** Only reads are shared: the query planner prints fetches as `query …`, `{ … }` or `mutation …`. */
const READ_OPERATION = /^\s*(query\b|\{)/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A body is a GraphQL response if it has data or a list of errors; anything else is a broken upstream. */
function asGraphQLResponse(body: unknown): SubgraphResponse | undefined {
  if (!isRecord(body)) return undefined;
  const hasData = "data" in body && (body.data === null || isRecord(body.data));
  const hasErrors = Array.isArray(body.errors);
  return hasData || hasErrors ? (body as SubgraphResponse) : undefined;
}

/**
 * Subgraph fetches over undici with keep-alive: each carries the router-signed viewer identity and the request
 * id, is bounded by a timeout, and is timed by subgraph and outcome. Replaces RemoteGraphQLDataSource, whose
 * default fetcher is measurably slower and whose HTTP errors expose subgraph URLs to clients.
 */
export function createSubgraphClient(deps: SubgraphClientDeps): SubgraphClient {
  const { name, url, dispatcher, timeoutMs, metrics } = deps;
  const target = new URL(url);
  const origin = target.origin;
  const path = `${target.pathname}${target.search}`;
  const healthPath = "/healthz";

  /** The request's headers, signed for this subgraph and exactly this body. */
  function headersFor(identity: InternalIdentity, body: string, requestId: string): Record<string, string> {
    return {
      "content-type": "application/json",
      accept: ACCEPT,
      [INTERNAL_AUTH_HEADER]: deps.signIdentity(identity, { subgraph: name, body }),
      [REQUEST_ID_HEADER]: requestId,
    };
  }

  async function post(body: string, headers: Record<string, string>, logger: Logger): Promise<SubgraphResponse> {
    const started = performance.now();
    let outcome: SubgraphFetchOutcome = "network_error";
    try {
      const res = await dispatcher.request({
        origin,
        path,
        method: "POST",
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      const graphqlResponse = asGraphQLResponse(parseJson(text));
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      // A non-2xx answer still counts as a GraphQL result once execution produced `data` (some servers send 500s).
      if (graphqlResponse && (ok || "data" in graphqlResponse)) {
        outcome = graphqlResponse.errors?.length ? "graphql_errors" : "ok";
        return graphqlResponse;
      }
      outcome = ok ? "invalid_response" : "http_error";
      throw new SubgraphFetchError(
        name,
        outcome,
        ok ? `Subgraph "${name}" sent a response that is not GraphQL` : `Subgraph "${name}" answered HTTP ${res.statusCode}`,
        { status: res.statusCode, body: text.slice(0, BODY_SNIPPET) },
      );
    } catch (err) {
      const error = err instanceof SubgraphFetchError ? err : toFetchError(err);
      outcome = error.outcome;
      logger.warn(
        { subgraph: name, outcome, status: error.details.status, body: error.details.body, err: error.cause ?? undefined },
        error.message,
      );
      throw error;
    } finally {
      metrics.subgraphFetchDuration.observe({ subgraph: name, outcome }, (performance.now() - started) / 1000);
    }
  }

  function toFetchError(err: unknown): SubgraphFetchError {
    const code = isRecord(err) && typeof err.code === "string" ? err.code : undefined;
    const timedOut = code !== undefined && TIMEOUT_CODES.has(code);
    return new SubgraphFetchError(
      name,
      timedOut ? "timeout" : "network_error",
      timedOut ? `Subgraph "${name}" timed out after ${timeoutMs} ms` : `Subgraph "${name}" is unreachable`,
      {},
      { cause: err },
    );
  }

  const sentRepresentations = metrics.subgraphRepresentations.labels({ subgraph: name, outcome: "sent" });
  const dedupedRepresentations = metrics.subgraphRepresentations.labels({ subgraph: name, outcome: "deduplicated" });

  /** Sends an entity fetch with each distinct representation once; the original request if the answer does not fit. */
  async function fetchDistinct(request: SubgraphRequest, context: Partial<RouterContext>): Promise<SubgraphResponse> {
    const distinct = deps.entityDedupe ? dedupeRepresentations(request) : undefined;
    const representations = request.variables?.representations;
    if (!distinct) {
      if (Array.isArray(representations)) sentRepresentations.inc(representations.length);
      return send(request, context);
    }
    sentRepresentations.inc(distinct.unique);
    dedupedRepresentations.inc(distinct.total - distinct.unique);
    const expanded = distinct.expand(await send(distinct.request, context));
    if (expanded) return expanded;
    (context.logger ?? deps.logger).warn(
      { subgraph: name },
      "subgraph answered distinct representations unexpectedly: sent again whole",
    );
    sentRepresentations.inc(distinct.total);
    return send(request, context);
  }

  function send(request: SubgraphRequest, context: Partial<RouterContext>): Promise<SubgraphResponse> {
    // Gateway health checks and schema loads pass an empty context: they go out anonymous.
    const { query, variables, operationName, extensions } = request;
    const identity: InternalIdentity = {
      viewerId: context.viewer?.id ?? null,
      tokenExp: context.viewer?.tokenExp,
      clientIp: context.clientIp ?? undefined,
    };
    if (context.viewer?.sid !== undefined) identity.sessionId = context.viewer.sid;
    const body = JSON.stringify({ query, variables, operationName, extensions });
    const logger = context.logger ?? deps.logger;
    // Signed inside the closure: fetches that join an identical one in flight do not sign at all.
    const sendOnce = () => post(body, headersFor(identity, body, context.requestId ?? randomUUID()), logger);
    // A joined read goes out with the first fetch's address: subgraphs limit per address only on mutations.
    if (deps.dedupe && query && READ_OPERATION.test(query)) {
      return deps.dedupe.run(`${context.viewer?.id ?? ""}\n${body}`, sendOnce);
    }
    return sendOnce();
  }

  const client: SubgraphClient = {
    name,
    url,
    fetch: fetchDistinct,
    async probe() {
      const res = await dispatcher
        .request({ origin, path: healthPath, method: "GET", headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
        .catch((err: unknown) => {
          throw new Error(`${name}: ${toFetchError(err).message}`);
        });
      await res.body.dump();
      if (res.statusCode === 200) return;
      if (res.statusCode !== 404) throw new Error(`${name}: ${healthPath} answered HTTP ${res.statusCode}`);
      // Not every Federation subgraph has /healthz: fall back to the cheapest query there is.
      const body = JSON.stringify({ query: "{ __typename }" });
      const result = await post(body, headersFor({ viewerId: null }, body, randomUUID()), deps.logger);
      if (result.errors?.length) throw new Error(`${name}: probe query failed: ${result.errors[0]?.message ?? "unknown error"}`);
    },
  };
  return client;
}
