import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createHealth, createLogger, createMemoryRateLimiter, signAccessToken, type SubgraphServer } from "@plaza/kit";
import { buildRouter, type Router, type RouterDeps } from "../src/app.ts";
import { createRouterResponseCache, type RouterResponseCache } from "../src/cache/response-cache.ts";
import { createRouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
import { createMemoryPersistedQueryStore } from "../src/persisted/persisted-operations.ts";
import { heapAfterGc } from "@plaza/testkit";
import { startTestSubgraph } from "./test-subgraph.ts";

const JWT_SECRET = "hardening-jwt-secret-0123456789abcdefghijk";
const INTERNAL_AUTH_KEY = "hardening-internal-key-0123456789abcdefgh";
const logger = createLogger({ service: "hardening-e2e", level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A tiny follow graph: u1 and u2 follow each other, so followers chains nest as deep as a client asks. */
const socialSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
    followers(first: Int = 10): UserConnection!
    friends: [User!]!
  }
  type UserConnection {
    edges: [UserEdge!]!
  }
  type UserEdge {
    node: User!
  }
  enum Color {
    RED
    GREEN
  }
  type Query {
    user(id: ID!): User
    users(ids: [ID!]!): [User!]!
    paint(color: Color!): String!
  }
  type Mutation {
    touch(id: ID!): Boolean!
  }
`;

let subgraph: SubgraphServer;
let supergraphSdl: string;
let subgraphUrl: string;
const touched: string[] = [];

const user = (id: string) => ({ id, name: `name-${id}` });
const other = (id: string) => (id === "u1" ? "u2" : "u1");

beforeAll(async () => {
  const started = await startTestSubgraph({
    service: "social",
    sdl: socialSdl,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    resolvers: {
      Query: {
        user: (_: unknown, args: { id: string }) => (args.id === "u1" || args.id === "u2" ? user(args.id) : null),
        users: (_: unknown, args: { ids: string[] }) => args.ids.map(user),
        paint: (_: unknown, args: { color: string }) => args.color,
      },
      Mutation: {
        touch: (_: unknown, args: { id: string }) => {
          touched.push(args.id);
          return true;
        },
      },
      User: {
        __resolveReference: (ref: { id: string }) => user(ref.id),
        followers: (u: { id: string }, args: { first: number }) => ({
          edges: Array.from({ length: Math.min(args.first, 1) }, () => ({ node: user(other(u.id)) })),
        }),
        friends: (u: { id: string }) => [user(other(u.id))],
      },
    },
  });
  subgraph = started.server;
  subgraphUrl = started.url;
  const composed = composeSupergraph([{ name: "social", url: "http://social.invalid/graphql", sdl: socialSdl }]);
  if (!composed.ok) throw new Error(JSON.stringify(composed.errors));
  supergraphSdl = composed.supergraphSdl;
});

afterAll(async () => {
  await subgraph.close();
});

interface TestRouter {
  router: Router;
  cache: RouterResponseCache;
  url: string;
  base: string;
  close(): Promise<void>;
}

async function startRouter(overrides: Partial<RouterDeps> = {}): Promise<TestRouter> {
  const metrics = createRouterMetrics({ defaultMetrics: false });
  const cache = createRouterResponseCache({
    policy: { defaultTtlMs: 60_000, defaultScope: "PUBLIC", ttl: {}, private: [], idFields: ["id"], mutations: {} },
    metrics,
    logger,
    l1MaxBytes: 4_000_000,
    maxBodyBytes: 1_048_576,
  });
  const router = await buildRouter({
    supergraphSdl,
    subgraphUrls: { social: subgraphUrl },
    jwtSecret: JWT_SECRET,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    metrics,
    health: createHealth(),
    plugins: cache.plugins,
    wrapHttpHandler: cache.wrapHttpHandler,
    verifiedTokens: cache.verifiedTokens,
    ...overrides,
  });
  const base = `http://127.0.0.1:${await router.listen(0)}`;
  return {
    router,
    cache,
    base,
    url: `${base}/graphql`,
    async close() {
      await router.close();
      await cache.close();
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Answer["json"] = {};
  try {
    json = JSON.parse(text) as Answer["json"];
  } catch {
    // Not JSON (e.g. an empty 204).
  }
  return { status: res.status, headers: res.headers, text, json };
}

const codeOf = (answer: Answer) => answer.json.errors?.[0]?.extensions?.code;

/** followers(first: 1) { edges { node { … } } } nested `levels` times. */
function followersChain(levels: number): string {
  let inner = "name";
  for (let i = 0; i < levels; i++) inner = `followers(first: 1) { edges { node { ${inner} } } }`;
  return `query Chain { user(id: "u1") { ${inner} } }`;
}

/** Sends a body without Content-Length (chunked), as a broken or hostile client may. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const deepJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("hostile bodies never end the process", () => {
  let r: TestRouter;
  beforeAll(async () => {
    r = await startRouter();
  });
  afterAll(() => r.close());

  it("refuses deeply nested variables of a known cacheable query with a coded 400, on every lane", async () => {
    const query = 'query Known { user(id: "u1") { name } }';
    // Known to the cache's fast path, and cached.
    expect((await post(r.url, { query })).json.data).toEqual({ user: { name: "name-u1" } });
    expect((await post(r.url, { query })).json.data).toEqual({ user: { name: "name-u1" } });
    const body = `{"query":${JSON.stringify(query)},"variables":{"deep":${deepJson(20_000)}}}`;
    const refused = await post(r.url, body);
    expect(refused.status).toBe(400);
    expect(codeOf(refused)).toBe("BAD_REQUEST");
    // Chunked (no Content-Length), GET parameters, and with an Origin (yoga's own path).
    expect((await postChunked(r.url, [body.slice(0, 1000), body.slice(1000)])).status).toBe(400);
    const get = await fetch(
      `${r.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(`{"deep":${deepJson(1_000)}}`)}`,
    );
    expect(get.status).toBe(400);
    expect((await post(r.url, body, { origin: "http://localhost:3000" })).status).toBe(400);
    // Still serving.
    expect((await fetch(`${r.base}/healthz`)).status).toBe(200);
    expect((await post(r.url, { query })).json.data).toEqual({ user: { name: "name-u1" } });
  });

  it("answers a coded error, not a crash, when the guard's own limit is set beyond what the cache key walks", async () => {
    const lenient = await startRouter({ maxJsonDepth: 1_000_000 });
    try {
      const query = 'query Lenient { user(id: "u2") { name } }';
      await post(lenient.url, { query });
      await post(lenient.url, { query });
      const answer = await post(lenient.url, `{"query":${JSON.stringify(query)},"variables":{"deep":${deepJson(20_000)}}}`);
      expect(answer.status).toBeLessThan(500);
      expect(codeOf(answer)).toBe("BAD_REQUEST");
      expect((await fetch(`${lenient.base}/healthz`)).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it("answers bodies over the limit with 413, also when they arrive chunked", async () => {
    const small = await startRouter({ maxBodyBytes: 2_048 });
    try {
      const big = JSON.stringify({ query: `{ user(id: "${"x".repeat(4_000)}") { name } }` });
      expect((await post(small.url, big)).status).toBe(413);
      const chunked = await postChunked(small.url, [big.slice(0, 1_500), big.slice(1_500)]);
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.text).errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    } finally {
      await small.close();
    }
  });

  it("answers invalid JSON with 400, whatever the client accepts", async () => {
    for (const accept of ["application/json", "application/graphql-response+json", "*/*"]) {
      const answer = await post(r.url, "{not json", { accept });
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe("BAD_REQUEST");
      expect(answer.text).not.toContain("SyntaxError");
    }
  });

  it("keeps serving when a lane throws, answering a masked 500", async () => {
    const throwing = await startRouter({
      wrapHttpHandler: (next) => (req, res) => {
        if (req.headers["x-test-throw"] === "sync") throw new Error("lane bug");
        next(req, res);
      },
    });
    try {
      const answer = await post(throwing.url, { query: "{ __typename }" }, { "x-test-throw": "sync" });
      expect(answer.status).toBe(500);
      expect(codeOf(answer)).toBe("INTERNAL_SERVER_ERROR");
      expect(answer.text).not.toContain("lane bug");
      expect((await post(throwing.url, { query: "{ __typename }" })).json.data).toEqual({ __typename: "Query" });
    } finally {
      await throwing.close();
    }
  });
});

describe("operation limits", () => {
  let r: TestRouter;
  beforeAll(async () => {
    r = await startRouter();
  });
  afterAll(() => r.close());

  it("refuses a deep selection chain before any subgraph is called, and serves a shallow one", async () => {
    const refused = await post(r.url, { query: followersChain(40) });
    expect(codeOf(refused)).toBe("MAX_DEPTH_LIMIT");
    expect(refused.json.data).toBeUndefined();
    const served = await post(r.url, { query: followersChain(3) });
    expect(served.json.errors).toBeUndefined();
  });

  it("refuses too many aliases, root fields and directives, counting fragments as they expand", async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: user(id: "u1") { name }`).join(" ");
    expect(codeOf(await post(r.url, { query: `{ ${aliases} }` }))).toBe("MAX_ALIASES_LIMIT");
    const rootFields = Array.from({ length: 25 }, () => `user(id: "u1") { id }`).join(" ");
    expect(codeOf(await post(r.url, { query: `{ ${rootFields} }` }))).toBe("MAX_ROOT_FIELDS_LIMIT");
    // 8 aliases in a fragment spread 4 times: 32 aliases once expanded.
    const fragment = `fragment F on User { ${Array.from({ length: 8 }, (_, i) => `n${i}: name`).join(" ")} }`;
    expect(
      codeOf(
        await post(r.url, {
          query: `{ user(id: "u1") { ...F friends { ...F } f2: friends { ...F } f3: friends { ...F } } } ${fragment}`,
        }),
      ),
    ).toBe("MAX_ALIASES_LIMIT");
    const directives = Array.from({ length: 60 }, () => "@include(if: true)").join(" ");
    expect(codeOf(await post(r.url, { query: `{ user(id: "u1") { name ${directives} } }` }))).toBe("MAX_DIRECTIVES_LIMIT");
  });

  it("refuses documents over the token limit without parsing them whole", async () => {
    const answer = await post(
      r.url,
      { query: `{ ${"__typename ".repeat(20_000)}}` },
      { accept: "application/graphql-response+json" },
    );
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe("MAX_TOKENS_LIMIT");
  });

  it("estimates cost from list sizes, variables included: batched list arguments cannot multiply past the limit", async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `u${i}`);
    const batched = Array.from({ length: 15 }, (_, i) => `b${i}: users(ids: $ids) { name friends { name } }`).join(" ");
    const refused = await post(r.url, { query: `query Batch($ids: [ID!]!) { ${batched} }`, variables: { ids } });
    expect(codeOf(refused)).toBe("COST_ESTIMATED_TOO_EXPENSIVE");
    const big = await post(r.url, {
      query: `query Big($n: Int!) { user(id: "u1") { followers(first: $n) { edges { node { followers(first: $n) { edges { node { name } } } } } } } }`,
      variables: { n: 1_000 },
    });
    expect(codeOf(big)).toBe("COST_ESTIMATED_TOO_EXPENSIVE");
    const fine = await post(r.url, {
      query: `query Big($n: Int!) { user(id: "u1") { followers(first: $n) { edges { node { followers(first: $n) { edges { node { name } } } } } } } }`,
      variables: { n: 5 },
    });
    expect(fine.json.errors).toBeUndefined();
  });

  it("with limits off, a deep chain is still answered in time: the response cache no longer walks lists twice", async () => {
    // 2^40 steps before the patch; this request would never end.
    const unlimited = await startRouter({ limits: { maxDepth: 0, maxCost: 0, maxTokens: 0 } });
    try {
      const answer = await post(unlimited.url, { query: followersChain(40) });
      expect(answer.json.errors).toBeUndefined();
      expect(JSON.stringify(answer.json.data)).toContain("name-u1");
      // Limits off must not turn the fast lane off too (a token limit of 0 once made every query "unparseable" there).
      const metrics = await (await fetch(`${unlimited.base}/metrics`)).text();
      expect(metrics).toMatch(/plaza_router_graphql_fast_lane_requests_total [1-9]/);
    } finally {
      await unlimited.close();
    }
  });
});

describe("production safety", () => {
  let prod: TestRouter;
  beforeAll(async () => {
    prod = await startRouter({ introspection: false, fieldSuggestions: false, corsOrigins: ["https://app.example.com"] });
  });
  afterAll(() => prod.close());

  it("refuses introspection but answers __typename", async () => {
    expect(codeOf(await post(prod.url, { query: "{ __schema { types { name } } }" }))).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(codeOf(await post(prod.url, { query: '{ __type(name: "User") { name } }' }))).toBe("GRAPHQL_VALIDATION_FAILED");
    expect((await post(prod.url, { query: "{ __typename }" })).json.data).toEqual({ __typename: "Query" });
  });

  it("gives no field or enum suggestions", async () => {
    const field = await post(prod.url, { query: '{ usr(id: "u1") { name } }' });
    expect(field.json.errors?.[0]?.message).toBe('Cannot query field "usr" on type "Query".');
    const value = await post(prod.url, { query: "query P($c: Color!) { paint(color: $c) }", variables: { c: "REDD" } });
    expect(value.text).not.toContain("Did you mean");
    const dev = await startRouter();
    try {
      expect((await post(dev.url, { query: '{ usr(id: "u1") { name } }' })).text).toContain("Did you mean");
    } finally {
      await dev.close();
    }
  });

  it("answers CORS only for allowed origins, on yoga's path and on a cache hit alike", async () => {
    const query = { query: 'query Cors { user(id: "u1") { name } }' };
    for (let i = 0; i < 2; i++) {
      const allowed = await post(prod.url, query, { origin: "https://app.example.com" });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      const evil = await post(prod.url, query, { origin: "https://evil.example" });
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
      expect(evil.headers.get("access-control-allow-credentials")).toBeNull();
    }
    const preflight = await fetch(prod.url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses mutation-capable requests a browser could send cross-site without a preflight (CSRF)", async () => {
    const before = touched.length;
    const form = await fetch(prod.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: 'query=mutation { touch(id: "csrf") }',
    });
    expect(form.status).toBe(400);
    expect(((await form.json()) as Answer["json"]).errors?.[0]?.extensions?.code).toBe("CSRF_ERROR");
    const multipart = new FormData();
    multipart.set("operations", JSON.stringify({ query: 'mutation { touch(id: "csrf") }' }));
    multipart.set("map", "{}");
    expect((await fetch(prod.url, { method: "POST", body: multipart })).status).toBe(400);
    const plain = await fetch(prod.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: 'mutation { touch(id: "csrf") }' }),
    });
    expect(plain.status).toBe(400);
    expect(touched.length).toBe(before);
    // JSON, or a preflight-forcing header, passes.
    expect((await post(prod.url, { query: 'mutation { touch(id: "json") }' })).json.data).toEqual({ touch: true });
    const withHeader = await fetch(prod.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "apollo-require-preflight": "true" },
      body: "query=" + encodeURIComponent('mutation { touch(id: "header") }'),
    });
    expect(withHeader.status).toBe(200);
    expect(touched.slice(before)).toEqual(["json", "header"]);
  });
});

describe("metrics on a port of their own", () => {
  it("serves /metrics only on the metrics port once it listens, and health on both", async () => {
    const r = await startRouter();
    try {
      expect((await fetch(`${r.base}/metrics`)).status).toBe(200);
      const port = await r.router.listenMetrics(0);
      expect((await fetch(`${r.base}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("plaza_router_");
      expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
      expect((await fetch(`${r.base}/healthz`)).status).toBe(200);
    } finally {
      await r.close();
    }
  });
});

describe("request rate limits", () => {
  it("answers 429 RATE_LIMITED with Retry-After past the limit, per address for anonymous callers and per viewer otherwise", async () => {
    const r = await startRouter({
      rateLimits: {
        perAddress: createMemoryRateLimiter({ limit: 3, windowMs: 60_000 }),
        perViewer: createMemoryRateLimiter({ limit: 5, windowMs: 60_000 }),
      },
    });
    try {
      const query = { query: '{ user(id: "u1") { name } }' };
      for (let i = 0; i < 3; i++) expect((await post(r.url, query)).status).toBe(200);
      const refused = await post(r.url, query);
      expect(refused.status).toBe(429);
      expect(codeOf(refused)).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(refused.json.errors?.[0]?.extensions).toMatchObject({ retryAfterSeconds: expect.any(Number) });
      // Refused before any work: no body is parsed, so not even a valid one runs.
      const before = touched.length;
      expect((await post(r.url, { query: 'mutation { touch(id: "limited") }' })).status).toBe(429);
      expect(touched.length).toBe(before);
      // A verified viewer has an allowance of its own, and garbage tokens count against the address.
      const token = await signAccessToken(JWT_SECRET, "u1", 600);
      r.cache.verifiedTokens.remember(`Bearer ${token}`, { id: "u1", tokenExp: Math.floor(Date.now() / 1000) + 600 });
      for (let i = 0; i < 5; i++) expect((await post(r.url, query, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await post(r.url, query, { authorization: `Bearer ${token}` })).status).toBe(429);
      expect((await post(r.url, query, { authorization: "Bearer garbage" })).status).toBe(429);
    } finally {
      await r.close();
    }
  });
});

describe("persisted operations", () => {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const apqBody = (hash: string, query?: string) => ({
    ...(query && { query }),
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  });

  it("speaks APQ: not found, registered with its text, then served by hash; a wrong hash is refused", async () => {
    const r = await startRouter({
      persistedOperations: { apq: createMemoryPersistedQueryStore({ maxEntries: 10, maxBytes: 100_000 }), trustedOnly: false },
    });
    try {
      const query = 'query Apq { user(id: "u2") { name } }';
      const missing = await post(r.url, apqBody(sha(query)));
      expect(missing.status).toBe(200);
      expect(codeOf(missing)).toBe("PERSISTED_QUERY_NOT_FOUND");
      expect((await post(r.url, apqBody(sha(query), query))).json.data).toEqual({ user: { name: "name-u2" } });
      expect((await post(r.url, apqBody(sha(query)))).json.data).toEqual({ user: { name: "name-u2" } });
      expect(codeOf(await post(r.url, apqBody(sha("other"), query)))).toBe("BAD_REQUEST");
      expect(codeOf(await post(r.url, { query, extensions: { persistedQuery: { version: 2, sha256Hash: "x" } } }))).toBe(
        "BAD_REQUEST",
      );
    } finally {
      await r.close();
    }
  });

  it("in trusted-documents mode refuses every other document, on every lane, and serves trusted ones by hash or text", async () => {
    const trustedQuery = 'query Trusted { user(id: "u1") { name } }';
    const r = await startRouter({
      persistedOperations: { trusted: new Map([[sha(trustedQuery), trustedQuery]]), trustedOnly: true },
    });
    try {
      for (const headers of [{}, { origin: "http://localhost:3000" }] as Array<Record<string, string>>) {
        const refused = await post(r.url, { query: '{ user(id: "u1") { name } }' }, headers);
        expect(codeOf(refused)).toBe("PERSISTED_QUERY_NOT_IN_LIST");
        expect(refused.json.data).toBeUndefined();
      }
      const before = touched.length;
      expect(codeOf(await post(r.url, { query: 'mutation { touch(id: "untrusted") }' }))).toBe("PERSISTED_QUERY_NOT_IN_LIST");
      expect(touched.length).toBe(before);
      expect((await post(r.url, apqBody(sha(trustedQuery)))).json.data).toEqual({ user: { name: "name-u1" } });
      expect((await post(r.url, { query: trustedQuery })).json.data).toEqual({ user: { name: "name-u1" } });
      // Registration is off: a new text sent with its hash stays untrusted.
      const sneaky = 'query Sneaky { user(id: "u2") { name } }';
      expect(codeOf(await post(r.url, apqBody(sha(sneaky), sneaky)))).toBe("PERSISTED_QUERY_NOT_IN_LIST");
      expect(codeOf(await post(r.url, apqBody(sha(sneaky))))).toBe("PERSISTED_QUERY_NOT_FOUND");
    } finally {
      await r.close();
    }
  });
});

/** Distinct documents per phase; PLAZA_FUZZ_SCALE=10 sends ten times as many (see the README's security section). */
const PHASE = 1_500 * Number(process.env.PLAZA_FUZZ_SCALE ?? 1);

describe("bounded memory for client-chosen names", () => {
  /** `count` valid queries, each with its own operation name, alias and text, `concurrency` at a time. */
  async function sendDistinct(url: string, from: number, count: number, concurrency = 32) {
    let next = from;
    const worker = async () => {
      while (next < from + count) {
        const i = next++;
        const answer = await post(url, { query: `query Op${i} { user(id: "u1") { n${i}: name } }` });
        if (answer.json.errors) throw new Error(JSON.stringify(answer.json.errors));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  it(
    "levels off heap and /metrics however many distinct documents, names and aliases clients send",
    { timeout: 600_000 },
    async () => {
      const r = await startRouter();
      try {
        await sendDistinct(r.url, 0, PHASE);
        const heapAfterFirst = heapAfterGc();
        const metricsAfterFirst = (await (await fetch(`${r.base}/metrics`)).text()).length;
        await sendDistinct(r.url, PHASE, PHASE);
        const heapAfterSecond = heapAfterGc();
        const metrics = await (await fetch(`${r.base}/metrics`)).text();
        const names = new Set([...metrics.matchAll(/operation="([^"]+)"/g)].map((m) => m[1]));
        expect(names.size).toBeLessThanOrEqual(202);
        expect(names.has("other")).toBe(true);
        // The second phase's documents add no series and (caches being full already) no lasting memory.
        expect(metrics.length).toBeLessThan(metricsAfterFirst * 1.05);
        expect(heapAfterSecond - heapAfterFirst).toBeLessThan(16 * 1024 * 1024);
      } finally {
        await r.close();
      }
    },
  );
});
