import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "graphql";
import { PlazaError } from "./errors.ts";
import { createHealth } from "./health.ts";
import { createInternalSigner, INTERNAL_AUTH_HEADER } from "./internal-auth.ts";
import { createLogger } from "./logger.ts";
import { createMetrics, type ServiceMetrics } from "./metrics.ts";
import { createSubgraphServer, type BaseContext } from "./subgraph-server.ts";

const KEY = "k".repeat(32);
const sign = createInternalSigner(KEY);

const typeDefs = parse(`
  type Query { hello(name: String!): String! boom: String denied: String viewer: String }
  type Mutation { bump(by: Int!): Int! refuse: Int crash: Int note(input: NoteInput!): Int! }
  input NoteInput { lines: [String!]! }
`);

/**
 * The same subgraph twice: with the fast lane and compiled queries (the defaults), and with every request through
 * yoga's HTTP layer and graphql-js — so the comparison covers both.
 */
function startSubgraph(httpFastLane: boolean) {
  let total = 0;
  const notes: string[] = [];
  const metrics = createMetrics(`lane_${httpFastLane}`);
  const server = createSubgraphServer<BaseContext>({
    service: "lane-test",
    typeDefs,
    resolvers: {
      Query: {
        hello: (_: unknown, args: { name: string }) => `hello ${args.name}`,
        boom: () => {
          throw new Error("database password is hunter2");
        },
        denied: () => {
          throw new PlazaError("FORBIDDEN", "not yours");
        },
        viewer: (_: unknown, __: unknown, context: BaseContext) => context.viewerId,
      },
      Mutation: {
        bump: (_: unknown, args: { by: number }) => (total += args.by),
        refuse: () => {
          throw new PlazaError("FORBIDDEN", "not yours");
        },
        crash: () => {
          throw new Error("disk on fire");
        },
        note: (_: unknown, args: { input: { lines: string[] } }) => notes.push(...args.input.lines),
      },
    },
    logger: createLogger({ service: "lane-test", level: "silent" }),
    metrics,
    health: createHealth(),
    internalAuthKey: KEY,
    context: (base) => base,
    httpFastLane,
    jit: httpFastLane,
  });
  return { server, metrics, notes };
}

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
  /** Whether the lane answers it (else yoga does, with the body the lane already read). */
  lane: boolean;
  /** Who the router vouches for (default: anonymous); "forged" signs with another key. */
  signedAs?: string | null | "forged";
  /** The input path the input guard refuses, if it does. */
  refused?: string;
}

const json = (value: unknown) => JSON.stringify(value);
const CASES: Case[] = [
  {
    name: "a query with variables",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: "x" } }),
    lane: true,
  },
  {
    name: "a variable of the wrong type",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: 5 } }),
    lane: true,
  },
  { name: "a missing variable", body: json({ query: "query H($n: String!) { hello(name: $n) }" }), lane: true },
  { name: "an unexpected resolver error (masked)", body: json({ query: "{ boom }" }), lane: true },
  { name: "a domain error (code kept)", body: json({ query: "{ denied }" }), lane: true },
  {
    name: "the signed viewer",
    body: json({ query: "{ viewer }" }),
    signedAs: "u1",
    lane: true,
  },
  { name: "a mutation", body: json({ query: "mutation { bump(by: 2) }" }), lane: true },
  {
    name: "a mutation with a variable of the wrong type",
    body: json({ query: "mutation B($by: Int!) { bump(by: $by) }", variables: { by: "two" } }),
    lane: true,
  },
  { name: "a mutation failing with a domain error", body: json({ query: "mutation { refuse }" }), lane: true },
  { name: "a mutation failing unexpectedly (masked)", body: json({ query: "mutation { crash }" }), lane: true },
  {
    name: "a mutation and then more of them",
    body: json({ query: "mutation { a: bump(by: 1) b: refuse c: bump(by: 3) }" }),
    lane: true,
  },
  {
    name: "operationName picking one of two",
    body: json({ query: 'query A { hello(name: "a") } query B { viewer }', operationName: "A" }),
    lane: true,
  },
  {
    name: "graphql-response+json with a coercion error",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: 5 } }),
    headers: { accept: "application/graphql-response+json" },
    lane: true,
  },
  { name: "empty extensions", body: json({ query: "{ viewer }", extensions: {} }), lane: true },
  {
    name: "a NUL in a variable",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: "x\u0000" } }),
    lane: true,
    refused: "n",
  },
  { name: "a NUL in a literal", body: json({ query: '{ hello(name: "x\\u0000") }' }), lane: true, refused: "name" },
  {
    name: "a lone surrogate in a mutation's nested variable",
    body: json({ query: "mutation N($in: NoteInput!) { note(input: $in) }", variables: { in: { lines: ["ok", "\ud800"] } } }),
    lane: true,
    refused: "in.lines[1]",
  },
  {
    name: "a control character in a mutation's literal list, as graphql-response+json",
    body: json({ query: 'mutation { note(input: { lines: ["ok", "\\u001b[2J"] }) }' }),
    headers: { accept: "application/graphql-response+json" },
    lane: true,
    refused: "input.lines[1]",
  },
  {
    name: "a control character in a variable's default",
    body: json({ query: 'query H($n: String! = "\\u0007") { hello(name: $n) }' }),
    lane: true,
    refused: "n",
  },
  {
    name: "a control character sent by a browser (yoga's path on both)",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: "\u0085" } }),
    headers: { origin: "http://a.test" },
    lane: false,
    refused: "n",
  },
  {
    name: "tab, LF and CR (allowed)",
    body: json({ query: "query H($n: String!) { hello(name: $n) }", variables: { n: "a\tb\r\nc" } }),
    lane: true,
  },
  { name: "a syntax error", body: json({ query: "{ hello(" }), lane: false },
  { name: "an unknown field", body: json({ query: "{ nope }" }), lane: false },
  { name: "an unknown operationName", body: json({ query: "query A { viewer }", operationName: "Z" }), lane: false },
  { name: "two operations without operationName", body: json({ query: "query A { viewer } query B { viewer }" }), lane: false },
  { name: "an unknown parameter", body: json({ query: "{ viewer }", foo: 1 }), lane: false },
  { name: "a non-string query", body: json({ query: 1 }), lane: false },
  { name: "variables that are a list", body: json({ query: "{ viewer }", variables: [1] }), lane: false },
  { name: "malformed JSON", body: "{ nope", lane: false },
  { name: "a batch", body: json([{ query: "{ viewer }" }]), lane: false },
  {
    name: "persisted-query extensions",
    body: json({ query: "{ viewer }", extensions: { persistedQuery: { version: 1, sha256Hash: "x" } } }),
    lane: false,
  },
  {
    name: "a browser request (CORS is yoga's)",
    body: json({ query: "{ viewer }" }),
    headers: { origin: "http://a.test" },
    lane: false,
  },
  { name: "an event-stream Accept", body: json({ query: "{ viewer }" }), headers: { accept: "text/event-stream" }, lane: false },
  { name: "no signature", body: json({ query: "{ viewer }" }), headers: { [INTERNAL_AUTH_HEADER]: "" }, lane: false },
  { name: "a forged signature", body: json({ query: "{ viewer }" }), signedAs: "forged", lane: false },
];

async function send(url: string, c: Case) {
  const signer = c.signedAs === "forged" ? createInternalSigner("f".repeat(32)) : sign;
  const viewerId = c.signedAs === "forged" ? "u1" : (c.signedAs ?? null);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    [INTERNAL_AUTH_HEADER]: signer({ viewerId }, { subgraph: "lane-test", body: c.body }),
    ...c.headers,
  };
  if (headers[INTERNAL_AUTH_HEADER] === "") delete headers[INTERNAL_AUTH_HEADER];
  const response = await fetch(url, { method: "POST", headers, body: c.body });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    cors: response.headers.get("access-control-allow-origin"),
    body: response.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as unknown) : text,
  };
}

const lanedRequests = async (metrics: ServiceMetrics) => (await metrics.fastLaneRequests.get()).values[0]?.value ?? 0;

describe("GraphQL fast lane", () => {
  type Started = ReturnType<typeof startSubgraph> & { url: string };
  let withLane: Started;
  let yogaOnly: Started;

  beforeAll(async () => {
    const start = async (lane: boolean) => {
      const started = startSubgraph(lane);
      const port = await started.server.listen(0);
      return { ...started, url: `http://127.0.0.1:${port}/graphql` };
    };
    [withLane, yogaOnly] = await Promise.all([start(true), start(false)]);
  });
  afterAll(async () => {
    await Promise.all([withLane.server.close(), yogaOnly.server.close()]);
  });

  it.each(CASES)("answers $name exactly as yoga does", async (c) => {
    const before = await lanedRequests(withLane.metrics);
    const [laned, plain] = await Promise.all([send(withLane.url, c), send(yogaOnly.url, c)]);
    expect(laned).toEqual(plain);
    expect((await lanedRequests(withLane.metrics)) - before).toBe(c.lane ? 1 : 0);
    if (c.refused) {
      expect(laned.status).toBe(200);
      expect(laned.body).toEqual({
        errors: [
          {
            message: `${c.refused} must not contain control characters or unpaired surrogates`,
            extensions: { field: c.refused, code: "BAD_USER_INPUT" },
          },
        ],
      });
    }
  });

  it("runs no resolver for a refused input", () => {
    expect(withLane.notes).toEqual([]);
    expect(yogaOnly.notes).toEqual([]);
  });

  it("never takes a request when turned off", async () => {
    expect(await lanedRequests(yogaOnly.metrics)).toBe(0);
  });

  it("records the same operation and error metrics as yoga's pipeline", async () => {
    const snapshot = async (metrics: ServiceMetrics) => ({
      errors: (await metrics.errors.get()).values.map((v) => [v.labels, v.value]),
      operations: (await metrics.operationDuration.get()).values
        .filter((v) => v.metricName?.endsWith("_count"))
        .map((v) => [v.labels, v.value]),
    });
    const [laned, plain] = await Promise.all([snapshot(withLane.metrics), snapshot(yogaOnly.metrics)]);
    expect(laned.operations.length).toBeGreaterThan(0);
    expect(laned.errors.length).toBeGreaterThan(0);
    expect(laned).toEqual(plain);
  });

  it("masks unexpected errors and keeps nothing of their message", async () => {
    const result = await send(withLane.url, { name: "boom", body: json({ query: "{ boom }" }), lane: true });
    expect(result.body).toMatchObject({
      errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
    });
    expect(JSON.stringify(result.body)).not.toContain("hunter2");
  });
});
