import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { execute, parse, validate, type GraphQLSchema } from "graphql";
import { createHealth, createLogger, signAccessToken } from "@plaza/kit";
import { buildRouter, type Router } from "../../src/app.ts";
import type { ResponseCachePolicy } from "../../src/cache/cache-policy.ts";
import { createRouterResponseCache } from "../../src/cache/response-cache.ts";
import { loadRouterConfig } from "../../src/env.ts";
import { createRouterMetrics } from "../../src/metrics.ts";
import { routerFromConfig } from "../../src/router-from-config.ts";
import { composeSupergraph } from "../../src/schema/compose.ts";
import type {
  ConformanceQuery,
  ConformanceSupergraph,
  GraphQLErrorBody,
  GraphQLResponseBody,
  SubgraphDefinition,
} from "./corpus-types.ts";

const JWT_SECRET = "conformance-jwt-secret-0123456789abcdefghij";
const INTERNAL_AUTH_KEY = "conformance-internal-key-0123456789abcdefgh";
const logger = createLogger({ service: "conformance", level: process.env.TEST_LOG_LEVEL ?? "silent" });

// ---------------------------------------------------------------------------------------------------------------
// Subgraphs: plain @apollo/subgraph schemas executed by graphql-js behind node:http (no Plaza kit, no internal auth),
// so stock and Plaza query the very same servers.
// ---------------------------------------------------------------------------------------------------------------

interface RunningSubgraph {
  name: string;
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function answer(schema: GraphQLSchema, text: string): Promise<GraphQLResponseBody> {
  let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { errors: [{ message: "body is not JSON" }] };
  }
  let document;
  try {
    document = parse(body.query ?? "");
  } catch (err) {
    return { errors: [{ message: (err as Error).message }] };
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { errors: invalid.map((e) => e.toJSON()) };
  const result = await execute({
    schema,
    document,
    variableValues: body.variables,
    operationName: body.operationName,
    contextValue: {},
  });
  return JSON.parse(JSON.stringify(result)) as GraphQLResponseBody;
}

async function listenOn(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startSubgraph(definition: SubgraphDefinition): Promise<RunningSubgraph> {
  const schema = buildSubgraphSchema([{ typeDefs: parse(definition.sdl), resolvers: definition.resolvers as never }]);
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    readBody(req)
      .then((text) => answer(schema, text))
      .then((result) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
      })
      .catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      });
  });
  const port = await listenOn(server);
  return { name: definition.name, url: `http://127.0.0.1:${port}/graphql`, close: () => closeHttp(server) };
}

// ---------------------------------------------------------------------------------------------------------------
// Gateways: stock @apollo/gateway in @apollo/server (the expected answers), and Plaza's router in each configuration.
// ---------------------------------------------------------------------------------------------------------------

export interface Endpoint {
  url: string;
  close(): Promise<void>;
}

/** A Plaza router under test; with `peer`, a second router sharing its Redis cache level. */
export interface PlazaEndpoint extends Endpoint {
  /** Resolves once the response cache's background Redis writes have landed. */
  settle(): Promise<void>;
  peer?: PlazaEndpoint;
}

async function startStock(supergraphSdl: string, urls: Record<string, string>): Promise<Endpoint> {
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    buildService: ({ name }) => new RemoteGraphQLDataSource({ url: urls[name] }),
  });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return { url, close: () => server.stop() };
}

/** The public cache policy of the cache-only configurations: everything cached for everyone, entities by `id`. */
export function conformanceCachePolicy(): ResponseCachePolicy {
  return { defaultTtlMs: 60_000, defaultScope: "PUBLIC", ttl: {}, private: [], idFields: ["id"], mutations: {} };
}

export interface PlazaConfiguration {
  name: string;
  /**
   * Responses may come from the response cache: each query is sent twice (miss, then an L1 hit) and both compared;
   * with a peer, a third time to the peer (an L2 hit from Redis, once the first router's write has landed).
   */
  cached: boolean;
  start(supergraphSdl: string, urls: Record<string, string>): Promise<PlazaEndpoint>;
}

/** Settings the router's env parser is given besides the required ones: request rate limits stay off. */
const BASE_ENV = {
  JWT_SECRET,
  INTERNAL_AUTH_KEY,
  ROUTER_RATE_LIMIT_PER_VIEWER: "0",
  ROUTER_RATE_LIMIT_PER_IP: "0",
};

/** As `start:router` builds it: the env parser's defaults (plus `env`), through routerFromConfig. */
function fromConfig(
  name: string,
  env: Record<string, string>,
  options: { cached: boolean; withPeer?: boolean },
): PlazaConfiguration {
  const startOne = async (supergraphSdl: string, urls: Record<string, string>): Promise<PlazaEndpoint> => {
    const config = loadRouterConfig({ ...BASE_ENV, ROUTER_INSTANCE_ID: `conformance-${randomUUID()}`, ...env });
    const configured = routerFromConfig(config, { logger, metrics: createRouterMetrics({ defaultMetrics: false }) });
    const router = await configured.build({ supergraphSdl, subgraphUrls: urls, health: createHealth() });
    const settle = async () => configured.responseCache.cache?.levels.settle();
    return listening(router, settle, () => configured.close());
  };
  return {
    name,
    cached: options.cached,
    async start(supergraphSdl, urls) {
      const first = await startOne(supergraphSdl, urls);
      if (!options.withPeer) return first;
      try {
        const peer = await startOne(supergraphSdl, urls);
        return {
          ...first,
          peer,
          async close() {
            await peer.close();
            await first.close();
          },
        };
      } catch (err) {
        await first.close();
        throw err;
      }
    },
  };
}

/** buildRouter with every shortcut off, except those named. */
function withShortcuts(
  name: string,
  on: {
    cache?: boolean;
    singleFetchDirect?: boolean;
    fastLane?: boolean;
    dedupe?: boolean;
    entityDedupe?: boolean;
    inboundDedupe?: boolean;
  },
): PlazaConfiguration {
  return {
    name,
    cached: on.cache ?? false,
    async start(supergraphSdl, urls) {
      const metrics = createRouterMetrics({ defaultMetrics: false });
      const cache = on.cache
        ? createRouterResponseCache({
            policy: conformanceCachePolicy(),
            metrics,
            logger,
            l1MaxBytes: 16 * 1024 * 1024,
            maxBodyBytes: 1_048_576,
          })
        : undefined;
      const router = await buildRouter({
        supergraphSdl,
        subgraphUrls: urls,
        jwtSecret: JWT_SECRET,
        internalAuthKey: INTERNAL_AUTH_KEY,
        logger,
        metrics,
        health: createHealth(),
        plugins: cache?.plugins,
        wrapHttpHandler: cache?.wrapHttpHandler,
        verifiedTokens: cache?.verifiedTokens,
        singleFetchDirect: on.singleFetchDirect ?? false,
        httpFastLane: on.fastLane ?? false,
        subgraphFetchDedupe: { enabled: on.dedupe ?? false, epoch: cache?.invalidationEpoch },
        subgraphEntityDedupe: on.entityDedupe ?? false,
        inboundDedupe: on.inboundDedupe ?? false,
      });
      return listening(
        router,
        async () => cache?.levels.settle(),
        async () => cache?.close(),
      );
    },
  };
}

async function listening(router: Router, settle: () => Promise<void>, closeRest: () => Promise<void>): Promise<PlazaEndpoint> {
  try {
    const port = await router.listen(0);
    return {
      url: `http://127.0.0.1:${port}/graphql`,
      settle,
      async close() {
        await router.close();
        await closeRest();
      },
    };
  } catch (err) {
    await router.close();
    await closeRest();
    throw err;
  }
}

/** A unique Redis key prefix per run, so runs (and other helpers' tests) never read each other's entries. */
const redisPrefix = `conformance:${randomUUID()}:`;

export function plazaConfigurations(redisUrl: string): PlazaConfiguration[] {
  return [
    fromConfig("defaults", {}, { cached: true }),
    withShortcuts("all-off", {}),
    withShortcuts("cache-only", { cache: true }),
    withShortcuts("single-fetch-only", { singleFetchDirect: true }),
    withShortcuts("fast-lane-only", { fastLane: true }),
    withShortcuts("dedupe-only", { dedupe: true }),
    withShortcuts("entity-dedupe-only", { entityDedupe: true }),
    withShortcuts("inbound-dedupe-only", { inboundDedupe: true }),
    // Two routers sharing one Redis level: the second answers from Redis what the first stored.
    fromConfig("defaults-redis", { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix }, { cached: true, withPeer: true }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and comparison
// ---------------------------------------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  text: string;
  body: GraphQLResponseBody;
}

const tokens = new Map<string, Promise<string>>();
function tokenFor(viewer: string): Promise<string> {
  let token = tokens.get(viewer);
  if (!token) tokens.set(viewer, (token = signAccessToken(JWT_SECRET, viewer, 3600)));
  return token;
}

export async function send(url: string, query: ConformanceQuery): Promise<RawResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (query.viewer) headers.authorization = `Bearer ${await tokenFor(query.viewer)}`;
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: query.query, variables: query.variables, operationName: query.operationName }),
  });
  const text = await res.text();
  let body: GraphQLResponseBody;
  try {
    body = JSON.parse(text) as GraphQLResponseBody;
  } catch {
    body = { errors: [{ message: `response is not JSON (HTTP ${res.status})`, extensions: { code: "NOT_JSON" } }] };
  }
  return { status: res.status, text, body };
}

/**
 * THE ONE PLACE where error differences that are Plaza's by design are normalised. Each error is reduced to
 * `{ path, code, message }` and the two lists compared as multisets (the gateway's error order follows fetch
 * completion). Rules:
 *
 * 1. An error a subgraph returned without a code: stock relays its message with `DOWNSTREAM_SERVICE_ERROR`; Plaza
 *    deliberately treats it as unexpected (it may leak internals) and masks it as `INTERNAL_SERVER_ERROR` with
 *    yoga's "Unexpected error." (router/src/errors.ts). Both become `INTERNAL_SERVER_ERROR` / `<masked>`.
 * 2. Any other `INTERNAL_SERVER_ERROR` on Plaza's side whose message is yoga's mask is compared by path and code only,
 *    for the same reason (Plaza never shows an unexpected error's text).
 *
 * Coded subgraph errors (FORBIDDEN, NOT_FOUND, …), validation errors and the gateway's completion messages are
 * compared with their messages: Plaza passes those through unchanged.
 */
export interface NormalisedError {
  path: ReadonlyArray<string | number> | null;
  code: string;
  message: string;
}

const PLAZA_MASK = "Unexpected error.";
const MASKED = "<masked>";

export function normaliseErrors(errors: readonly GraphQLErrorBody[] | undefined): NormalisedError[] {
  return (errors ?? [])
    .map((error) => {
      const rawCode = error.extensions?.code;
      let code = typeof rawCode === "string" ? rawCode : "<none>";
      let message = error.message;
      if (code === "DOWNSTREAM_SERVICE_ERROR") {
        code = "INTERNAL_SERVER_ERROR";
        message = MASKED;
      }
      if (code === "INTERNAL_SERVER_ERROR" && message === PLAZA_MASK) message = MASKED;
      return { path: error.path ?? null, code, message };
    })
    .sort((a, b) => compareKeys(JSON.stringify(a), JSON.stringify(b)));
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `data` as JSON text: byte-identical means same values, same key order. Absent `data` reads as `undefined`. */
const dataText = (body: GraphQLResponseBody) => (body.data === undefined ? "<no data>" : JSON.stringify(body.data));

/** Undefined when `actual` answers as `expected` does; otherwise a summary of what differs. */
export function differences(expected: GraphQLResponseBody, actual: GraphQLResponseBody): string | undefined {
  const problems: string[] = [];
  const expectedData = dataText(expected);
  const actualData = dataText(actual);
  if (expectedData !== actualData) problems.push(`data differs:\n  expected ${expectedData}\n  actual   ${actualData}`);
  const expectedErrors = JSON.stringify(normaliseErrors(expected.errors));
  const actualErrors = JSON.stringify(normaliseErrors(actual.errors));
  if (expectedErrors !== actualErrors)
    problems.push(`errors differ (normalised):\n  expected ${expectedErrors}\n  actual   ${actualErrors}`);
  const expectedCompletion = JSON.stringify(normaliseErrors(expected.extensions?.valueCompletion));
  const actualCompletion = JSON.stringify(normaliseErrors(actual.extensions?.valueCompletion));
  if (expectedCompletion !== actualCompletion)
    problems.push(
      `extensions.valueCompletion differs (normalised):\n  expected ${expectedCompletion}\n  actual   ${actualCompletion}`,
    );
  return problems.length > 0 ? problems.join("\n") : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// One supergraph's environment: its subgraphs, stock, and a Plaza router per configuration
// ---------------------------------------------------------------------------------------------------------------

export interface SupergraphEnvironment {
  supergraphSdl: string;
  stock: Endpoint;
  plaza: Map<string, PlazaEndpoint>;
  /** Stock's answer, asked once per query. */
  stockAnswer(query: ConformanceQuery): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startSupergraph(
  supergraph: ConformanceSupergraph,
  configurations: readonly PlazaConfiguration[],
): Promise<SupergraphEnvironment> {
  const composed = composeSupergraph(
    supergraph.subgraphs.map((s) => ({ name: s.name, url: `http://${s.name}.invalid/graphql`, sdl: s.sdl })),
  );
  if (!composed.ok) throw new Error(`${supergraph.name}: composition failed: ${JSON.stringify(composed.errors, null, 2)}`);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    // Gateways first, then the subgraphs they call.
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const subgraphs = await Promise.all(supergraph.subgraphs.map(startSubgraph));
    for (const subgraph of subgraphs) closers.push(subgraph.close);
    const urls = Object.fromEntries(subgraphs.map((s) => [s.name, s.url]));
    const stock = await startStock(composed.supergraphSdl, urls);
    closers.push(stock.close);
    const plaza = new Map<string, PlazaEndpoint>();
    const started = await Promise.allSettled(
      configurations.map(async (configuration) => {
        const endpoint = await configuration.start(composed.supergraphSdl, urls);
        plaza.set(configuration.name, endpoint);
        closers.push(endpoint.close);
      }),
    );
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const answers = new Map<string, Promise<RawResponse>>();
    return {
      supergraphSdl: composed.supergraphSdl,
      stock,
      plaza,
      stockAnswer(query) {
        let answer = answers.get(query.name);
        if (!answer) answers.set(query.name, (answer = send(stock.url, query)));
        return answer;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
