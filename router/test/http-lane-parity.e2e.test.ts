import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, signAccessToken } from "@plaza/kit";
import {
  composeTestSupergraph,
  startTestRouter,
  startTestSubgraph,
  type TestRouter,
  type TestSubgraph,
} from "./test-subgraph.ts";

// Two routers over one subgraph, one with the HTTP fast lane and one without: every request gets the same status,
// content type, CORS header and body from both, and the lane takes exactly the requests it says it takes.

const JWT_SECRET = "lane-parity-jwt-secret-0123456789abcdefgh";
const INTERNAL_AUTH_KEY = "lane-parity-internal-key-0123456789abcd";
const logger = createLogger({ service: "lane-parity", level: "silent" });

const sdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  type Query {
    hello(name: String): String!
    me: User
    boom: String
  }
  type Mutation {
    rename(name: String!): User!
  }
  type Subscription {
    ticks: Int!
  }
`;

let subgraph: TestSubgraph;
let laned: TestRouter;
let plain: TestRouter;
let token: string;

beforeAll(async () => {
  subgraph = await startTestSubgraph({
    service: "accounts",
    sdl,
    internalAuthKey: INTERNAL_AUTH_KEY,
    logger,
    resolvers: {
      Query: {
        hello: (_: unknown, args: { name?: string }) => `hello ${args.name ?? "world"}`,
        me: (_: unknown, __: unknown, ctx: { viewerId: string | null }) =>
          ctx.viewerId ? { id: ctx.viewerId, name: "Ada" } : null,
        boom: () => {
          throw new Error("db-7.internal refused the password hunter2");
        },
      },
      Mutation: { rename: (_: unknown, args: { name: string }) => ({ id: "u1", name: args.name }) },
      Subscription: { ticks: { subscribe: async function* () {}, resolve: (n: number) => n } },
    },
  });
  const supergraphSdl = composeTestSupergraph([{ name: "accounts", url: subgraph.url, sdl }]);
  const start = (httpFastLane: boolean) =>
    startTestRouter({
      supergraphSdl,
      jwtSecret: JWT_SECRET,
      internalAuthKey: INTERNAL_AUTH_KEY,
      logger,
      httpFastLane,
      corsOrigins: ["http://app.test"],
    });
  [laned, plain] = await Promise.all([start(true), start(false)]);
  token = await signAccessToken(JWT_SECRET, "u1", 600);
});

afterAll(async () => {
  await Promise.all([laned?.router.close(), plain?.router.close()]);
  await subgraph?.server.close();
});

interface Case {
  name: string;
  method?: "GET" | "POST";
  /** Query string for GET. */
  search?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Send the viewer's bearer token (verified once through yoga first, as the lane only vouches for known ones). */
  auth?: boolean;
  /** The lane answers it (the others go to yoga). */
  lane: boolean;
  /** The status both must answer. */
  status?: number;
}

const json = (value: unknown) => JSON.stringify(value);
const JSON_TYPE = { "content-type": "application/json" };

const CASES: Case[] = [
  { name: "a query", body: json({ query: "{ hello }" }), headers: JSON_TYPE, lane: true, status: 200 },
  {
    name: "variables and operationName",
    body: json({
      query: "query A($n: String) { hello(name: $n) } query B { me { id } }",
      variables: { n: "x" },
      operationName: "A",
    }),
    headers: JSON_TYPE,
    lane: true,
  },
  { name: "a mutation", body: json({ query: 'mutation { rename(name: "Lin") { id name } }' }), headers: JSON_TYPE, lane: true },
  { name: "a signed-in query", body: json({ query: "{ me { id name } }" }), headers: JSON_TYPE, auth: true, lane: true },
  { name: "a masked subgraph error", body: json({ query: "{ boom }" }), headers: JSON_TYPE, lane: true },
  {
    name: "graphql-response+json with a coercion error",
    body: json({ query: "query H($n: String) { hello(name: $n) }", variables: { n: 5 } }),
    headers: { ...JSON_TYPE, accept: "application/graphql-response+json" },
    lane: true,
  },
  { name: "empty extensions", body: json({ query: "{ hello }", extensions: {} }), headers: JSON_TYPE, lane: true },
  { name: "a syntax error", body: json({ query: "{ hello(" }), headers: JSON_TYPE, lane: false },
  { name: "an unknown field", body: json({ query: "{ nope }" }), headers: JSON_TYPE, lane: false },
  {
    name: "an unknown operationName",
    body: json({ query: "query A { hello }", operationName: "Z" }),
    headers: JSON_TYPE,
    lane: false,
  },
  {
    name: "two operations, no operationName",
    body: json({ query: "query A { hello } query B { hello }" }),
    headers: JSON_TYPE,
    lane: false,
  },
  { name: "an unknown parameter", body: json({ query: "{ hello }", foo: 1 }), headers: JSON_TYPE, lane: false },
  { name: "a non-string query", body: json({ query: 1 }), headers: JSON_TYPE, lane: false },
  { name: "variables that are a list", body: json({ query: "{ hello }", variables: [1] }), headers: JSON_TYPE, lane: false },
  { name: "malformed JSON (a 4xx, as GraphQL over HTTP says)", body: "{ nope", headers: JSON_TYPE, lane: false, status: 400 },
  { name: "an empty body", body: "", headers: JSON_TYPE, lane: false },
  { name: "a batch", body: json([{ query: "{ hello }" }]), headers: JSON_TYPE, lane: false },
  {
    name: "persisted-query extensions",
    body: json({ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }),
    headers: JSON_TYPE,
    lane: false,
  },
  {
    name: "an allowed Origin (CORS is yoga's)",
    body: json({ query: "{ hello }" }),
    headers: { ...JSON_TYPE, origin: "http://app.test" },
    lane: false,
  },
  {
    name: "a foreign Origin",
    body: json({ query: "{ hello }" }),
    headers: { ...JSON_TYPE, origin: "http://evil.test" },
    lane: false,
  },
  {
    name: "an event-stream Accept",
    body: json({ query: "{ hello }" }),
    headers: { ...JSON_TYPE, accept: "text/event-stream" },
    lane: false,
  },
  {
    name: "a multipart Accept",
    body: json({ query: "{ hello }" }),
    headers: { ...JSON_TYPE, accept: "multipart/mixed" },
    lane: false,
  },
  {
    name: "an Accept nothing can satisfy",
    body: json({ query: "{ hello }" }),
    headers: { ...JSON_TYPE, accept: "text/html" },
    lane: false,
  },
  {
    name: "a text/plain body (CSRF prevention)",
    body: json({ query: "{ hello }" }),
    headers: { "content-type": "text/plain" },
    lane: false,
  },
  { name: "no content type", body: json({ query: "{ hello }" }), headers: {}, lane: false },
  {
    name: "a GET query",
    method: "GET",
    search: `?query=${encodeURIComponent("{ hello }")}`,
    headers: { "apollo-require-preflight": "1" },
    lane: false,
  },
  {
    name: "a GET mutation",
    method: "GET",
    search: `?query=${encodeURIComponent('mutation { rename(name: "x") { id } }')}`,
    headers: { "apollo-require-preflight": "1" },
    lane: false,
  },
  {
    name: "an unknown bearer token",
    body: json({ query: "{ me { id } }" }),
    headers: { ...JSON_TYPE, authorization: "Bearer nope" },
    lane: false,
  },
  { name: "a subscription over plain POST", body: json({ query: "subscription { ticks }" }), headers: JSON_TYPE, lane: false },
];

async function send(base: string, c: Case) {
  const headers: Record<string, string> = { ...c.headers };
  if (c.auth) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${c.search ?? ""}`, {
    method: c.method ?? "POST",
    headers,
    body: c.method === "GET" ? undefined : c.body,
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type");
  return {
    status: response.status,
    contentType,
    cors: response.headers.get("access-control-allow-origin"),
    vary: response.headers.get("vary"),
    body: contentType?.includes("json") ? (JSON.parse(text) as unknown) : text,
  };
}

const lanedCount = async () => (await laned.metrics.fastLaneRequests.get()).values[0]?.value ?? 0;

describe("the router's HTTP fast lane", () => {
  beforeAll(async () => {
    // Both routers verify the token once through yoga, as a first request from a client would.
    for (const url of [laned.url, plain.url])
      await send(url, { name: "warm", body: json({ query: "{ me { id } }" }), headers: JSON_TYPE, auth: true, lane: false });
  });

  it.each(CASES)("answers $name exactly as yoga does", async (c) => {
    const before = await lanedCount();
    const viaLane = await send(laned.url, c);
    const viaYoga = await send(plain.url, c);
    expect(viaLane).toEqual(viaYoga);
    if (c.status !== undefined) expect(viaLane.status).toBe(c.status);
    expect((await lanedCount()) - before).toBe(c.lane ? 1 : 0);
  });
});
