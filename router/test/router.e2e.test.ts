import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conflict, createHealth, createLogger, rateLimited, signAccessToken, type BaseContext } from "@plaza/kit";
import { buildRouter, type Router } from "../src/app.ts";
import { createRouterMetrics } from "../src/metrics.ts";
import { composeSupergraph } from "../src/schema/compose.ts";
import { startTestSubgraph, type TestSubgraph } from "./test-subgraph.ts";

const JWT_SECRET = "e2e-jwt-secret-0123456789abcdefghijklmnop";
const INTERNAL_AUTH_KEY = "e2e-internal-key-0123456789abcdefghijklm";
const logger = createLogger({ service: "router-e2e", level: "silent" });

const accountsSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  type Query {
    hello: String!
    me: User
    viewerId: ID
    requestId: String!
    conflictingHandle: String
    boom: String
    clientIp: String
    limited(seconds: Int!): String
  }
`;

const notesSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    notes: [String!]!
    "Resolved in this subgraph through _entities: proves the identity reaches entity fetches too."
    viewerIsSelf: Boolean!
  }
`;

const startSubgraph = (service: string, sdl: string, resolvers: Record<string, unknown>) =>
  startTestSubgraph({ service, sdl, resolvers, internalAuthKey: INTERNAL_AUTH_KEY, logger });

let accounts: TestSubgraph;
let notes: TestSubgraph;
let router: Router;
let base: string;
let notesDown = false;
let supergraphSdl: string;

beforeAll(async () => {
  accounts = await startSubgraph("accounts", accountsSdl, {
    Query: {
      hello: () => "world",
      me: (_: unknown, __: unknown, ctx: BaseContext) =>
        ctx.viewerId ? { id: ctx.viewerId, name: `name-of-${ctx.viewerId}` } : null,
      viewerId: (_: unknown, __: unknown, ctx: BaseContext) => ctx.viewerId,
      requestId: (_: unknown, __: unknown, ctx: BaseContext) => ctx.requestId,
      conflictingHandle: () => {
        throw conflict("Handle already taken", { field: "handle" });
      },
      boom: () => {
        throw new Error("connection to db-7.internal failed with password hunter2");
      },
      clientIp: (_: unknown, __: unknown, ctx: BaseContext) => ctx.identity.clientIp ?? null,
      limited: (_: unknown, args: { seconds: number }) => {
        throw rateLimited("Slow down", args.seconds * 1000);
      },
    },
  });
  notes = await startSubgraph("notes", notesSdl, {
    User: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      notes: (user: { id: string }) => [`note of ${user.id}`],
      viewerIsSelf: (user: { id: string }, _: unknown, ctx: BaseContext) => ctx.viewerId === user.id,
    },
  });

  // The URLs written into the supergraph are placeholders: the run-time overrides must win.
  const composed = composeSupergraph([
    { name: "accounts", url: "http://accounts.invalid/graphql", sdl: accountsSdl },
    { name: "notes", url: "http://notes.invalid/graphql", sdl: notesSdl },
  ]);
  if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
  supergraphSdl = composed.supergraphSdl;

  router = await buildRouter({
    supergraphSdl: composed.supergraphSdl,
    subgraphUrls: { accounts: accounts.url, NOTES: notes.url },
    jwtSecret: JWT_SECRET,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    metrics: createRouterMetrics({ defaultMetrics: false }),
    health: createHealth(),
    maxBodyBytes: 16_384,
    subgraphTimeoutMs: 5_000,
  });
  const port = await router.listen(0);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await router?.close();
  await accounts?.server.close();
  if (!notesDown) await notes?.server.close();
});

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
}

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as GraphQLBody };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("router over real subgraphs", () => {
  it("answers a query planned across two subgraphs", async () => {
    const token = await signAccessToken(JWT_SECRET, "user-1", 60);
    const res = await post({ query: "{ hello me { id name notes } }" }, bearer(token));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      data: { hello: "world", me: { id: "user-1", name: "name-of-user-1", notes: ["note of user-1"] } },
    });
  });

  it("serves GraphQL over GET", async () => {
    const res = await fetch(`${base}/graphql?query=${encodeURIComponent("{ hello }")}`, {
      headers: { accept: "application/json" },
    });
    expect(await res.json()).toEqual({ data: { hello: "world" } });
  });

  it("forwards the verified viewer to every subgraph fetch, entity fetches included", async () => {
    const token = await signAccessToken(JWT_SECRET, "user-42", 60);
    const res = await post({ query: "{ viewerId me { viewerIsSelf } }" }, bearer(token));
    expect(res.json).toEqual({ data: { viewerId: "user-42", me: { viewerIsSelf: true } } });
  });

  it("serves anonymous requests with a null viewer", async () => {
    const res = await post({ query: "{ viewerId me { id } hello }" });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { viewerId: null, me: null, hello: "world" } });
  });

  describe("rejects unusable credentials instead of serving them as anonymous", () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ["an expired token", () => signAccessToken(JWT_SECRET, "user-1", -30).then((t) => `Bearer ${t}`)],
      [
        "a token signed with another secret",
        () => signAccessToken("some-other-secret-0123456789abcdefghij", "user-1", 60).then((t) => `Bearer ${t}`),
      ],
      [
        "an alg:none token",
        async () => {
          const now = Math.floor(Date.now() / 1000);
          return `Bearer ${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "user-1", iss: "plaza", aud: "plaza", iat: now, exp: now + 60 })}.`;
        },
      ],
      ["a garbage token", async () => "Bearer not-a-jwt"],
      [
        "a tampered payload",
        () =>
          signAccessToken(JWT_SECRET, "user-1", 60).then((t) => {
            const [header, , signature] = t.split(".");
            const now = Math.floor(Date.now() / 1000);
            return `Bearer ${header}.${b64url({ sub: "admin", iss: "plaza", aud: "plaza", iat: now, exp: now + 60 })}.${signature}`;
          }),
      ],
      ["another auth scheme", async () => "Basic dXNlcjpwYXNz"],
      ["an empty bearer", async () => "Bearer "],
    ];
    for (const [name, authorization] of cases) {
      it(name, async () => {
        const res = await post({ query: "{ viewerId hello }" }, { authorization: await authorization() });
        expect(res.status).toBe(401);
        expect(res.json.data).toBeUndefined();
        expect(res.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      });
    }
  });

  it("passes a subgraph's domain error code and message through", async () => {
    const res = await post({ query: "{ hello conflictingHandle }" });
    expect(res.json.data).toEqual({ hello: "world", conflictingHandle: null });
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors?.[0]).toMatchObject({
      message: "Handle already taken",
      path: ["conflictingHandle"],
      extensions: { code: "CONFLICT", field: "handle" },
    });
  });

  it("masks unexpected subgraph errors and never returns stack traces", async () => {
    const res = await post({ query: "{ hello boom }" });
    expect(res.json.data).toEqual({ hello: "world", boom: null });
    expect(res.json.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(res.text).not.toMatch(/hunter2|db-7|stack/i);
  });

  it("answers a malformed query with a GraphQL error", async () => {
    const res = await post({ query: "{ hello " });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("answers an invalid query with a GraphQL validation error", async () => {
    const res = await post({ query: "{ nope }" });
    expect(res.json.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("answers an unknown operation name with a GraphQL error", async () => {
    const res = await post({ query: "query A { hello } query B { hello }", operationName: "C" });
    expect(res.json.errors?.length).toBeGreaterThan(0);
    expect(res.json.data ?? null).toBeNull();
  });

  it("answers a malformed JSON body with a GraphQL error and keeps serving", async () => {
    const bad = await post('{"query": "{ hello }"');
    expect(bad.status).toBe(400);
    expect(bad.json.errors?.length).toBeGreaterThan(0);
    expect(bad.text).not.toContain("originalError");
    const good = await post({ query: "{ hello }" });
    expect(good.json).toEqual({ data: { hello: "world" } });
  });

  it("refuses bodies over the size limit", async () => {
    const res = await post({ query: "{ hello }", variables: { padding: "x".repeat(20_000) } });
    expect(res.status).toBe(413);
    expect(res.json.errors?.length).toBeGreaterThan(0);
  });

  it("propagates the caller's request id to subgraphs and returns it", async () => {
    const res = await post({ query: "{ requestId }" }, { "x-request-id": "e2e-request-42" });
    expect(res.json).toEqual({ data: { requestId: "e2e-request-42" } });
    expect(res.headers.get("x-request-id")).toBe("e2e-request-42");
  });

  it("generates a request id when none (or an unsafe one) is given", async () => {
    const res = await post({ query: "{ requestId }" }, { "x-request-id": "bad id\twith spaces" });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json).toEqual({ data: { requestId: id } });
    const rejected = await post({ query: "{ hello }" }, { authorization: "Bearer nope" });
    expect(rejected.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves /healthz, /readyz and /metrics", async () => {
    const healthz = await fetch(`${base}/healthz`);
    expect(healthz.status).toBe(200);
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({
      ready: true,
      checks: { supergraph: "ok", "subgraph:accounts": "ok", "subgraph:notes": "ok" },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/plaza_router_subgraph_fetch_duration_seconds_count\{subgraph="accounts",outcome="ok"\} \d+/);
    expect(metrics).toMatch(
      /plaza_router_subgraph_fetch_duration_seconds_count\{subgraph="accounts",outcome="graphql_errors"\} \d+/,
    );
    expect(metrics).toMatch(/plaza_router_graphql_operation_duration_seconds_count\{operation="anonymous",type="query"\} \d+/);
  });

  it("subgraphs refuse requests that do not come from the router", async () => {
    const res = await fetch(accounts.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewerId }" }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as GraphQLBody;
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  // Last: takes the notes subgraph down.
  it("returns partial results and turns unready when a subgraph is down", async () => {
    notesDown = true;
    await notes.server.close();
    const res = await post({ query: "{ hello me { id notes } }" }, bearer(await signAccessToken(JWT_SECRET, "user-1", 60)));
    expect(res.json.data?.hello).toBe("world");
    expect(res.json.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(res.text).not.toContain("127.0.0.1");
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(503);
    const body = (await readyz.json()) as { checks: Record<string, string> };
    expect(body.checks["subgraph:accounts"]).toBe("ok");
    expect(body.checks["subgraph:notes"]).not.toBe("ok");
  });
});

describe("client address and Retry-After", () => {
  const viaYoga = { origin: "http://localhost" };

  it("signs the socket's address into the identity and ignores X-Forwarded-For by default", async () => {
    const spoofed = { "x-forwarded-for": "6.6.6.6" };
    expect((await post({ query: "{ clientIp }" }, spoofed)).json).toEqual({ data: { clientIp: "127.0.0.1" } });
    expect((await post({ query: "{ clientIp }" }, { ...spoofed, ...viaYoga })).json).toEqual({ data: { clientIp: "127.0.0.1" } });
    const token = await signAccessToken(JWT_SECRET, "user-ip", 60);
    expect((await post({ query: "{ clientIp viewerId }" }, { ...spoofed, ...bearer(token) })).json).toEqual({
      data: { clientIp: "127.0.0.1", viewerId: "user-ip" },
    });
  });

  it("believes the entries of trusted proxies only", async () => {
    const trusting = await buildRouter({
      supergraphSdl,
      subgraphUrls: { accounts: accounts.url, notes: notes.url },
      jwtSecret: JWT_SECRET,
      internalAuthKey: INTERNAL_AUTH_KEY,
      logger,
      metrics: createRouterMetrics({ defaultMetrics: false }),
      health: createHealth(),
      trustedProxies: 1,
    });
    try {
      const url = `http://127.0.0.1:${await trusting.listen(0)}/graphql`;
      const ask = async (headers: Record<string, string>) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query: "{ clientIp }" }),
        });
        return ((await res.json()) as { data: { clientIp: string } }).data.clientIp;
      };
      expect(await ask({ "x-forwarded-for": "6.6.6.6, ::ffff:203.0.113.5" })).toBe("203.0.113.5");
      expect(await ask({ "x-forwarded-for": "6.6.6.6, 2001:DB8::0:1", ...viaYoga })).toBe("2001:db8::1");
      expect(await ask({})).toBe("127.0.0.1");
    } finally {
      await trusting.close();
    }
  });

  it("adds Retry-After, the longest wait of the RATE_LIMITED errors, on the fast lane and on yoga's path", async () => {
    const query = "{ a: limited(seconds: 7) b: limited(seconds: 42) hello }";
    const lane = await post({ query });
    expect(lane.json.errors?.map((e) => e.extensions?.code)).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
    expect(lane.headers.get("retry-after")).toBe("42");
    expect((await post({ query }, viaYoga)).headers.get("retry-after")).toBe("42");
    expect((await post({ query: "{ hello }" })).headers.get("retry-after")).toBeNull();
    expect((await post({ query: "{ boom }" }, viaYoga)).headers.get("retry-after")).toBeNull();
  });
});
